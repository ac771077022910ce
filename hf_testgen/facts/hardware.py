"""Hardware profiles and what this machine has.

`detect_hardware()` never raises on a machine without GPU libraries: NVML (nvidia-ml-py) and
torch are optional and imported lazily inside `detect_gpus()`, so the static selection path
imports neither.

`machine_limit()` is what selection uses when no `--hardware` (or `--hardware auto`) and no
`--max-size` is given: the memory of the largest single GPU, else the RAM. Sizes that pass a limit
are exact or upper bounds (fp32 for an unknown dtype), so the weights do fit. It is cheap (RAM from
`os.sysconf`, NVML only where an NVIDIA driver is present) and never imports torch.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from ..core.errors import UsageError
from ..core.text import unknown_choice

HardwareKind = Literal["cpu", "gpu"]


@dataclass(frozen=True)
class HardwareProfile:
    name: str
    kind: HardwareKind
    max_model_size_mb: int
    description: str


HARDWARE_PROFILES: dict[str, HardwareProfile] = {
    p.name: p
    for p in (
        HardwareProfile("cpu-small", "cpu", 500, "CI runners and small VMs: models up to 500 MB"),
        HardwareProfile("cpu-medium", "cpu", 2_000, "laptops and standard servers: models up to 2 GB"),
        HardwareProfile("cpu-large", "cpu", 10_000, "large-memory CPU servers: models up to 10 GB"),
        HardwareProfile("gpu-small", "gpu", 5_000, "consumer GPUs with ~8 GB (T4, RTX 3060): models up to 5 GB"),
        HardwareProfile("gpu-medium", "gpu", 15_000, "~24 GB GPUs (A10, RTX 4090, L4): models up to 15 GB"),
        HardwareProfile("gpu-large", "gpu", 50_000, "40-80 GB GPUs (A100, H100): models up to 50 GB"),
    )
}

# What a request's `hardware` may be: a profile, "auto" (this machine, the default) or "none" (no limit).
HARDWARE_CHOICES: tuple[str, ...] = (*HARDWARE_PROFILES, "auto", "none")


def canonical_hardware(name: str) -> str:
    """`name` as a `HARDWARE_CHOICES` value (any case, surrounding spaces ignored).

    Raises:
        UsageError: one line naming the value and the closest profiles ("gpu-smal": gpu-small).
    """
    value = name.strip().lower()
    if value in HARDWARE_CHOICES:
        return value
    raise UsageError(unknown_choice("hardware profile", name, HARDWARE_CHOICES))

# A model's weights may use at most this share of a device's memory (the rest: activations,
# the framework, other processes). RAM is shared with everything else, so CPUs get less.
CPU_MEMORY_SHARE = 0.5
GPU_MEMORY_SHARE = 0.8


@dataclass(frozen=True)
class GpuInfo:
    index: int
    name: str
    memory_mb: int
    backend: Literal["nvml", "torch-cuda", "mps"]


@dataclass(frozen=True)
class HardwareInfo:
    total_ram_mb: int
    available_ram_mb: int
    gpus: tuple[GpuInfo, ...] = ()
    mps: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def largest_gpu(self) -> GpuInfo | None:
        """Memory is not pooled across GPUs: a model must fit on one."""
        cuda = [g for g in self.gpus if g.backend != "mps"]
        return max(cuda, key=lambda g: (g.memory_mb, -g.index)) if cuda else None

    def to_dict(self) -> dict[str, object]:
        return {
            "total_ram_mb": self.total_ram_mb,
            "available_ram_mb": self.available_ram_mb,
            "gpus": [g.__dict__ for g in self.gpus],
            "mps": self.mps,
            "profile": profile_for(self).name,
            "notes": list(self.notes),
        }


def profile_for(info: HardwareInfo) -> HardwareProfile:
    """The largest profile whose size limit fits the largest single GPU, else the RAM.

    A GPU too small for even gpu-small falls back to the CPU profiles.
    """
    gpu = info.largest_gpu
    if gpu is not None:
        fitting = _fitting("gpu", gpu.memory_mb * GPU_MEMORY_SHARE)
        if fitting:
            return fitting[-1]
    fitting = _fitting("cpu", info.total_ram_mb * CPU_MEMORY_SHARE)
    return fitting[-1] if fitting else HARDWARE_PROFILES["cpu-small"]


def _fitting(kind: HardwareKind, budget_mb: float) -> list[HardwareProfile]:
    """Profiles of `kind` whose limit fits `budget_mb`, smallest first."""
    profiles = [p for p in HARDWARE_PROFILES.values() if p.kind == kind and p.max_model_size_mb <= budget_mb]
    return sorted(profiles, key=lambda p: p.max_model_size_mb)


@dataclass(frozen=True)
class MachineLimit:
    """The size limit of "this machine": `limit_mb` of weights, and the memory it was derived from."""

    limit_mb: int
    kind: HardwareKind
    label: str  # e.g. "this machine (25,276 MB RAM)"


@cache
def machine_limit() -> MachineLimit:
    """The weight-size limit for this machine: the largest NVIDIA GPU's memory, else the RAM.

    Apple MPS shares the RAM, so the RAM rule covers it. torch is never imported here.
    """
    gpu = _nvidia_gpu_memory_mb()
    if gpu:
        name, memory = gpu
        return MachineLimit(memory, "gpu", f"this machine ({name}, {memory:,} MB)")
    total = _total_ram_mb()
    return MachineLimit(total, "cpu", f"this machine ({total:,} MB RAM)")


def _total_ram_mb() -> int:
    """Total RAM from `os.sysconf` where the OS has it (Linux, macOS: no import), else psutil."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1_000_000
    except (AttributeError, ValueError, OSError):
        return detect_ram()[0]


def _nvidia_gpu_memory_mb() -> tuple[str, int] | None:
    """(name, MB) of the largest NVIDIA GPU, via NVML, only where a driver is loaded (cheap elsewhere)."""
    driver_present = os.path.exists("/proc/driver/nvidia/gpus") or sys.platform == "win32"
    if not driver_present or not _installed("pynvml"):
        return None
    try:
        gpus = _gpus_from_nvml()
    except Exception:  # NVML raises its own error family when the driver cannot be used
        return None
    largest = max(gpus, key=lambda g: (g.memory_mb, -g.index), default=None)
    return (largest.name, largest.memory_mb) if largest else None


def detect_ram() -> tuple[int, int]:
    """(total, available) RAM in MB."""
    import psutil

    memory = psutil.virtual_memory()
    return memory.total // 1_000_000, memory.available // 1_000_000


def _gpus_from_nvml() -> tuple[GpuInfo, ...]:
    import pynvml  # provided by nvidia-ml-py

    pynvml.nvmlInit()
    try:
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            name = name.decode() if isinstance(name, bytes) else name
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle).total // 1_000_000
            gpus.append(GpuInfo(index=index, name=name, memory_mb=int(memory), backend="nvml"))
        return tuple(gpus)
    finally:
        pynvml.nvmlShutdown()


def _gpus_from_torch() -> tuple[tuple[GpuInfo, ...], bool]:
    import torch

    gpus = tuple(
        GpuInfo(
            index=i,
            name=torch.cuda.get_device_name(i),
            memory_mb=int(torch.cuda.get_device_properties(i).total_memory // 1_000_000),
            backend="torch-cuda",
        )
        for i in range(torch.cuda.device_count() if torch.cuda.is_available() else 0)
    )
    mps_backend = getattr(torch.backends, "mps", None)
    mps = bool(mps_backend and mps_backend.is_available())
    return gpus, mps


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def detect_gpus() -> tuple[tuple[GpuInfo, ...], bool, tuple[str, ...]]:
    """(GPUs, MPS available, notes). Tries NVML, then torch; each failure becomes a note, never an error."""
    notes: list[str] = []
    if _installed("pynvml"):
        try:
            gpus = _gpus_from_nvml()
            if gpus:
                return gpus, False, tuple(notes)
        except Exception as err:  # NVML raises its own error family when no driver is loaded
            notes.append(f"NVML unavailable: {err}")
    if _installed("torch"):
        try:
            gpus, mps = _gpus_from_torch()
            return gpus, mps, tuple(notes)
        except Exception as err:  # a broken torch install must not break selection
            notes.append(f"torch could not query devices: {err}")
    if not notes:
        notes.append("no GPU library installed (nvidia-ml-py or torch); assuming no GPU")
    return (), False, tuple(notes)


def detect_hardware() -> HardwareInfo:
    """RAM, each NVIDIA GPU with its memory, and Apple MPS, from whatever is installed."""
    total, available = detect_ram()
    gpus, mps, notes = detect_gpus()
    return HardwareInfo(total_ram_mb=total, available_ram_mb=available, gpus=gpus, mps=mps, notes=notes)
