"""How big is a checkpoint? The first method that works wins, and every figure says how it was got.

Order (most to least reliable):
1. ``safetensors``: parameter counts per dtype from the Hub × bytes per dtype;
2. ``weight_files``: the sizes of the weight files in ``siblings`` (one format only, shards summed);
3. ``name``: a parameter count in the id as a whole token ("7b", "1.3B", "125m", "8x7b");
4. ``size_word``: a size word in the id as a whole token (tiny, small, base, large, xl, ...);
5. ``typical``: the typical size of the model type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .records import Dtype, ModelCandidate, SizeEstimate, WeightFile

# Bytes per element of every safetensors dtype the Hub reports. An unknown dtype is an error,
# not a guess: a silent wrong size would pick a model that does not fit.
DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "I8": 1, "U8": 1, "BOOL": 1,
    "F4": 0.5, "F6_E2M3": 0.75, "F6_E3M2": 0.75,
}  # fmt: skip

INFERENCE_DTYPE_BYTES: dict[str, float] = {"fp32": 4, "fp16": 2, "bf16": 2, "int8": 1}
# Activations, KV cache and framework overhead on top of the weights, as a fraction of them.
INFERENCE_OVERHEAD = 0.2

# Weight formats in order of preference; only one is counted (a repo often ships several).
WEIGHT_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("safetensors", re.compile(r"(^|/)[^/]*\.safetensors$")),
    ("pytorch", re.compile(r"(^|/)pytorch_model[^/]*\.bin$")),
    ("tensorflow", re.compile(r"(^|/)tf_model[^/]*\.h5$")),
    ("flax", re.compile(r"(^|/)flax_model[^/]*\.msgpack$")),
    ("onnx", re.compile(r"(^|/)[^/]*\.onnx(_data)?$")),
)
# Variant files that duplicate the main weights in another precision (model.fp16.safetensors).
_VARIANT = re.compile(r"\.(fp16|bf16|fp32|int8|int4)\.")

# A token is delimited by start/end or a non-alphanumeric character, so "xl" never matches in
# "xlm", "base" in "database" or "mini" in "gemini".
_TOKEN_BOUNDARY_LEFT = r"(?<![a-z0-9])"
_TOKEN_BOUNDARY_RIGHT = r"(?![a-z0-9])"
_PARAM_TOKEN = re.compile(
    _TOKEN_BOUNDARY_LEFT + r"(?:(\d+)x)?(\d+(?:\.\d+)?)([kmbt])" + _TOKEN_BOUNDARY_RIGHT, re.IGNORECASE
)
_PARAM_UNIT = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}

# Typical fp32 size of a checkpoint called by this word (MB), ordered smallest first; the ladder
# used by the size step-down follows this order.
SIZE_WORDS: dict[str, float] = {
    "tiny": 20,
    "mini": 90,
    "small": 250,
    "base": 500,
    "medium": 1_400,
    "large": 1_600,
    "xl": 6_000,
    "xxl": 45_000,
}
_SIZE_WORD_TOKEN = re.compile(
    _TOKEN_BOUNDARY_LEFT + r"(" + "|".join(sorted(SIZE_WORDS, key=len, reverse=True)) + r")" + _TOKEN_BOUNDARY_RIGHT,
    re.IGNORECASE,
)

# Typical weight size (MB, as published) of a model type's usual checkpoint; the last resort.
TYPICAL_SIZE_MB: dict[str, float] = {
    "albert": 47, "bart": 560, "bert": 440, "blip": 990, "bloom": 2_200, "clip": 600, "convnext": 110,
    "deit": 350, "detr": 170, "distilbert": 270, "electra": 440, "gpt2": 550, "gpt_neo": 5_300,
    "gpt_neox": 41_000, "gptj": 24_000, "hubert": 380, "llama": 16_000, "llava": 14_000,
    "mask2former": 190, "mbart": 2_400, "mistral": 14_500, "mt5": 1_200, "opt": 500, "pegasus": 2_300,
    "phi": 5_600, "resnet": 100, "roberta": 500, "segformer": 15, "swin": 110, "t5": 240, "vit": 350,
    "wav2vec2": 380, "whisper": 600, "xlm-roberta": 1_100,
}  # fmt: skip
DEFAULT_TYPICAL_SIZE_MB = 500.0


def dtype_bytes(dtype: str) -> float:
    """Bytes per element of a safetensors dtype ("F32", "BF16", ...).

    Raises:
        ValueError: the dtype is not one the Hub is known to report.
    """
    try:
        return DTYPE_BYTES[dtype.upper()]
    except KeyError:
        raise ValueError(f"unknown safetensors dtype {dtype!r}; known: {', '.join(DTYPE_BYTES)}") from None


def size_from_safetensors(parameters: Iterable[tuple[str, int]], total: int | None = None) -> SizeEstimate | None:
    """Exact weight size from safetensors parameter counts per dtype.

    The Hub's `total` is cross-checked against the sum of the per-dtype counts; the sum wins
    when they disagree (a known Hub bug reports a wrong total), and the detail says so.
    """
    counts = [(dtype, int(n)) for dtype, n in parameters if int(n) > 0]
    if not counts:
        return None
    size = sum(n * dtype_bytes(dtype) for dtype, n in counts)
    summed = sum(n for _, n in counts)
    detail = ", ".join(f"{dtype}: {n:,}" for dtype, n in counts) + " params"
    if total is not None and int(total) != summed:
        detail += f" (Hub total {int(total):,} disagrees; used the sum)"
    return SizeEstimate(bytes=int(size), method="safetensors", detail=detail)


def weight_files(siblings: Iterable[WeightFile]) -> tuple[str, list[WeightFile]] | None:
    """The files of the single preferred weight format present, without precision variants."""
    files = list(siblings)
    for fmt, pattern in WEIGHT_FORMATS:
        matched = [f for f in files if pattern.search(f.name) and not _VARIANT.search(f.name)]
        if matched:
            return fmt, matched
    return None


def size_from_weight_files(siblings: Iterable[WeightFile]) -> SizeEstimate | None:
    """Size from the weight files' byte sizes, when the Hub listed them (files_metadata=True)."""
    found = weight_files(siblings)
    if found is None:
        return None
    fmt, files = found
    if any(f.size is None for f in files):
        return None
    total = sum(f.size or 0 for f in files)
    return SizeEstimate(bytes=total, method="weight_files", detail=f"{len(files)} {fmt} file(s)")


def parameters_from_name(model_id: str) -> float | None:
    """A parameter count written in the id as a whole token: "7b", "1.3B", "125m", "8x7b"."""
    name = model_id.rsplit("/", 1)[-1]
    match = _PARAM_TOKEN.search(name)
    if match is None:
        return None
    experts, number, unit = match.groups()
    return float(number) * _PARAM_UNIT[unit.lower()] * (int(experts) if experts else 1)


def size_word(model_id: str) -> str | None:
    """The size word in the id as a whole token ("base" in "bert-base-uncased"), largest-first match."""
    match = _SIZE_WORD_TOKEN.search(model_id.rsplit("/", 1)[-1])
    return match.group(1).lower() if match else None


def estimate_model_size(
    model_id: str,
    *,
    model_type: str | None = None,
    parameters: Iterable[tuple[str, int]] = (),
    parameters_total: int | None = None,
    siblings: Iterable[WeightFile] = (),
) -> SizeEstimate:
    """The size of a checkpoint's weights from the first method that works (see module docstring).

    Returns:
        `SizeEstimate` with `.mb`, `.method` and `.exact`.
    """
    exact = size_from_safetensors(parameters, parameters_total) or size_from_weight_files(siblings)
    if exact is not None:
        return exact
    n_params = parameters_from_name(model_id)
    if n_params is not None:
        # Published checkpoints of that scale are mostly 16-bit; 2 bytes per parameter.
        return SizeEstimate(bytes=int(n_params * 2), method="name", detail=f"{n_params:,.0f} params named in the id")
    word = size_word(model_id)
    if word is not None:
        return SizeEstimate(bytes=int(SIZE_WORDS[word] * 1e6), method="size_word", detail=f"size word {word!r}")
    typical = TYPICAL_SIZE_MB.get(model_type or "", DEFAULT_TYPICAL_SIZE_MB)
    return SizeEstimate(bytes=int(typical * 1e6), method="typical", detail=f"typical {model_type or 'model'} size")


def estimate_candidate_size(candidate: ModelCandidate) -> SizeEstimate:
    """`estimate_model_size` over the facts a candidate carries; keeps a size it already has if exact."""
    if candidate.size is not None and (candidate.size.exact or not (candidate.parameters or candidate.siblings)):
        return candidate.size
    return estimate_model_size(
        candidate.model_id,
        model_type=candidate.model_type,
        parameters=candidate.parameters,
        parameters_total=candidate.parameters_total,
        siblings=candidate.siblings,
    )


def inference_memory_mb(size: SizeEstimate, dtype: Dtype = "fp32", *, stored_bytes_per_param: float = 4) -> float:
    """Memory to run the model in `dtype`: weights converted from their stored precision, plus overhead.

    Args:
        size: the stored weight size.
        dtype: the precision the model will run in.
        stored_bytes_per_param: bytes per parameter as stored (4 for fp32 checkpoints).
    """
    if dtype not in INFERENCE_DTYPE_BYTES:
        raise ValueError(f"unknown dtype {dtype!r}; expected one of {', '.join(INFERENCE_DTYPE_BYTES)}")
    n_params = size.bytes / stored_bytes_per_param
    return round(n_params * INFERENCE_DTYPE_BYTES[dtype] * (1 + INFERENCE_OVERHEAD) / 1e6, 1)
