"""Hardware profiles and detection with injected device facts (there is no GPU on CI machines)."""

from __future__ import annotations

import sys
import types

import pytest

from hf_testgen.facts import hardware
from hf_testgen.facts.hardware import HARDWARE_PROFILES, GpuInfo, HardwareInfo, profile_for


def test_the_six_profiles_of_the_brief():
    sizes = {name: p.max_model_size_mb for name, p in HARDWARE_PROFILES.items()}
    assert sizes == {
        "cpu-small": 500, "cpu-medium": 2_000, "cpu-large": 10_000,
        "gpu-small": 5_000, "gpu-medium": 15_000, "gpu-large": 50_000,
    }  # fmt: skip
    assert all(p.description for p in HARDWARE_PROFILES.values())


def _gpu(index, memory_mb, name="GPU"):
    return GpuInfo(index=index, name=name, memory_mb=memory_mb, backend="nvml")


@pytest.mark.parametrize(
    ("ram_mb", "gpus", "expected"),
    [
        (24_000, (), "cpu-large"),
        (8_000, (), "cpu-medium"),
        (2_000, (), "cpu-small"),
        (64_000, (_gpu(0, 81_559, "H100"),), "gpu-large"),
        (64_000, (_gpu(0, 24_000, "RTX 4090"),), "gpu-medium"),
        (64_000, (_gpu(0, 8_000, "RTX 3060"),), "gpu-small"),
        # memory is not summed across GPUs: four 8 GB cards are still a gpu-small machine
        (64_000, tuple(_gpu(i, 8_000) for i in range(4)), "gpu-small"),
        # the largest single GPU decides
        (64_000, (_gpu(0, 8_000), _gpu(1, 24_000)), "gpu-medium"),
        # a GPU too small for any GPU profile: the RAM decides
        (24_000, (_gpu(0, 2_000),), "cpu-large"),
    ],
)
def test_profile_follows_the_largest_single_gpu_else_ram(ram_mb, gpus, expected):
    assert profile_for(HardwareInfo(total_ram_mb=ram_mb, available_ram_mb=ram_mb, gpus=gpus)).name == expected


def test_detection_never_raises_without_gpu_libraries(monkeypatch):
    monkeypatch.setattr(hardware, "_installed", lambda module: False)
    info = hardware.detect_hardware()
    assert info.gpus == ()
    assert info.total_ram_mb > 0
    assert any("no GPU library" in n for n in info.notes)


def test_detection_reads_nvml(monkeypatch):
    """A stand-in for the NVML module (no NVIDIA driver exists on CI machines), named as such."""
    fake = types.ModuleType("pynvml")
    fake.nvmlInit = lambda: None
    fake.nvmlShutdown = lambda: None
    fake.nvmlDeviceGetCount = lambda: 2
    fake.nvmlDeviceGetHandleByIndex = lambda i: i
    fake.nvmlDeviceGetName = lambda h: [b"NVIDIA A10", "NVIDIA H100 80GB HBM3"][h]
    fake.nvmlDeviceGetMemoryInfo = lambda h: types.SimpleNamespace(total=[24_000_000_000, 81_559_000_000][h])
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    monkeypatch.setattr(hardware, "_installed", lambda module: module == "pynvml")
    info = hardware.detect_hardware()
    assert [g.name for g in info.gpus] == ["NVIDIA A10", "NVIDIA H100 80GB HBM3"]
    assert info.largest_gpu.memory_mb == 81_559
    assert profile_for(info).name == "gpu-large"


def test_a_failing_nvml_becomes_a_note(monkeypatch):
    fake = types.ModuleType("pynvml")

    def broken():
        raise RuntimeError("NVML Shared Library Not Found")

    fake.nvmlInit = broken
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    monkeypatch.setattr(hardware, "_installed", lambda module: module == "pynvml")
    info = hardware.detect_hardware()
    assert info.gpus == ()
    assert any("NVML unavailable" in n for n in info.notes)
