"""How big is a checkpoint? The first method that works wins, and every figure says how it was got.

Order (most to least reliable), with the bound each gives (`SizeEstimate.bound`):
1. ``safetensors`` (exact): parameter counts per dtype from the Hub × bytes per dtype;
2. ``weight_files`` (exact): the sizes of the weight files in ``siblings`` (one format only, shards summed);
3. ``page_files`` (upper bound, within 0.5 %): the weight files' sizes as a stored copy of the repository's
   Hub page shows them (three significant digits), each rounded up (set by the registry builder);
4. ``param_count`` / ``config_params`` (upper bound): a published parameter count, or the count of the
   checkpoint's own config.json, at the stored dtype's bytes (4 when unknown; set by the registry builder);
5. ``used_storage`` (upper bound): everything the repo stores (``usedStorage``), every weight format
   included, so only when nothing better is known;
6. ``default_config`` (estimate): the count of transformers' *default* config of the type: another
   checkpoint of the type may be any size;
7. ``name`` (estimate): a parameter count in the id as a whole token ("7b", "1.3B", "125m", "8x7b"),
   at 4 bytes each plus a margin;
8. ``size_word`` (estimate): a size word in the id as a whole token (tiny, small, base, large, xl, ...),
   at the largest size that word stands for in any common family;
9. ``typical`` (estimate): the typical size of the model type.

Estimates are deliberately on the high side (fp32), but only an exact size or an upper bound may pass
an explicit size limit: a guess that can be too low would let a model through that does not fit.

A pick's size is the memory its weights take at the dtype the generated test loads them in
(`weights_at`): the stored dtype by default ("auto", as transformers 5 loads), or a dtype the user
asks for, converted by the ratio of bytes per parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from ..core.records import SIZE_BOUND_RANK, LoadDtype, ModelCandidate, SizeEstimate, WeightFile

# Bytes per element of every safetensors dtype the Hub reports. An unknown dtype is an error,
# not a guess: a silent wrong size would pick a model that does not fit.
DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "I8": 1, "U8": 1, "BOOL": 1,
    "F4": 0.5, "F6_E2M3": 0.75, "F6_E3M2": 0.75,
}  # fmt: skip

# Bytes per parameter of the torch dtypes a checkpoint is stored or loaded in.
TORCH_DTYPE_BYTES: dict[str, float] = {"float64": 8, "float32": 4, "bfloat16": 2, "float16": 2}
# The narrowest floating dtype a checkpoint of unknown dtype may be stored in: converting its figure to
# another dtype by this assumption cannot understate it.
NARROWEST_STORED_BYTES = 2
# Size methods the builder figures as a parameter count x 4 bytes when the stored dtype is unknown.
_COUNTED_AT_FP32 = frozenset({"param_count", "config_params"})

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
# "k" is not a unit: "4k", "128k" in ids are context lengths (Phi-3-mini-4k). A number glued to a
# letter or a dot on its left is not a count either ("Qwen1.5", the "7B" inside "A2.7B").
_PARAM_TOKEN = re.compile(
    r"(?<![a-z0-9.])(?:(\d+)x)?(\d+(?:\.\d+)?)([mbt])" + _TOKEN_BOUNDARY_RIGHT, re.IGNORECASE
)
# "A2.7B", "A3B": the active parameters of a mixture-of-experts model, not its size.
_ACTIVE_PARAM_TOKEN = re.compile(r"(?<![a-z0-9.])a\d+(?:\.\d+)?b" + _TOKEN_BOUNDARY_RIGHT, re.IGNORECASE)
_PARAM_UNIT = {"m": 1e6, "b": 1e9, "t": 1e12}
# An id-named count is rounded ("7b" is 6.7B to 8.5B in practice) and the dtype is unknown.
NAME_MARGIN = 1.25
FP32_BYTES = 4

# The largest fp32 size (MB) a checkpoint called by this word has in a common family, ordered
# smallest first (the step-down ladder follows this order). High on purpose: whisper-tiny is 151 MB,
# mt5-small 1.2 GB, mt5-base 2.3 GB, whisper-large 6.2 GB, mt5-xl 15 GB, mt5-xxl 52 GB.
SIZE_WORDS: dict[str, float] = {
    "tiny": 200,
    "mini": 400,
    "small": 1_300,
    "base": 2_400,
    "medium": 3_100,
    "large": 6_200,
    "xlarge": 10_000,
    "xl": 15_000,
    "xxlarge": 52_000,
    "xxl": 52_000,
}
_SIZE_WORD_TOKEN = re.compile(
    _TOKEN_BOUNDARY_LEFT + r"(" + "|".join(sorted(SIZE_WORDS, key=len, reverse=True)) + r")" + _TOKEN_BOUNDARY_RIGHT,
    re.IGNORECASE,
)

# Weight size (MB, fp32) of a model type's larger common checkpoint; the last resort, an estimate.
TYPICAL_SIZE_MB: dict[str, float] = {
    "albert": 900, "bart": 1_630, "bert": 1_340, "blip": 1_880, "bloom": 14_000, "clip": 1_710,
    "convnext": 800, "deit": 350, "detr": 240, "distilbert": 270, "electra": 1_340, "gpt2": 6_400,
    "gpt_neo": 10_600, "gpt_neox": 82_000, "gptj": 24_200, "hubert": 3_800, "llama": 32_000,
    "llava": 28_000, "mask2former": 870, "mbart": 2_450, "mistral": 29_000, "mt5": 4_900, "opt": 5_300,
    "pegasus": 2_300, "phi": 11_200, "resnet": 240, "roberta": 1_430, "segformer": 340, "swin": 800,
    "t5": 2_950, "vit": 1_220, "wav2vec2": 1_270, "whisper": 6_200, "xlm-roberta": 2_250,
}  # fmt: skip
DEFAULT_TYPICAL_SIZE_MB = 2_000.0


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
    """The parameter count written in the id as a whole token: "7b", "1.3B", "125m", "8x7b", "1_6b" (1.6B).

    A "T" count next to a "B" count is the training-token count ("2B-4T" is 2B parameters).

    The active count of a mixture of experts ("A2.7B") says nothing about the total and is ignored
    ("Qwen3-30B-A3B" is 30B; "Qwen1.5-MoE-A2.7B" names no total). Context lengths ("4k") are not counts.
    """
    name = _ACTIVE_PARAM_TOKEN.sub("", re.sub(r"(?<=\d)_(?=\d)", ".", model_id.rsplit("/", 1)[-1]))
    tokens = _PARAM_TOKEN.findall(name)
    # "bitnet-b1.58-2B-4T": beside a B count, a T count is the training tokens, not the size.
    if any(unit.lower() == "b" for _, _, unit in tokens):
        tokens = [token for token in tokens if token[2].lower() != "t"]
    counts = [
        float(number) * _PARAM_UNIT[unit.lower()] * (int(experts) if experts else 1) for experts, number, unit in tokens
    ]
    # Several counts ("OLMoE-1B-7B": active and total): the largest, so the size is not understated.
    return max(counts) if counts else None


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
    used_storage: int | None = None,
) -> SizeEstimate:
    """The size of a checkpoint's weights from the first method that works (see module docstring).

    Returns:
        `SizeEstimate` with `.mb`, `.method`, `.exact` and `.bound`.
    """
    exact = size_from_safetensors(parameters, parameters_total) or size_from_weight_files(siblings)
    if exact is not None:
        return exact
    if used_storage:
        return SizeEstimate(bytes=int(used_storage), method="used_storage", detail="all files the repo stores")
    n_params = parameters_from_name(model_id)
    if n_params is not None:
        size = n_params * FP32_BYTES * NAME_MARGIN
        detail = f"{n_params:,.0f} params named in the id x 4 bytes + {NAME_MARGIN - 1:.0%}"
        return SizeEstimate(bytes=int(size), method="name", detail=detail)
    word = size_word(model_id)
    if word is not None:
        return SizeEstimate(bytes=int(SIZE_WORDS[word] * 1e6), method="size_word", detail=f"size word {word!r}")
    typical = TYPICAL_SIZE_MB.get(model_type or "", DEFAULT_TYPICAL_SIZE_MB)
    return SizeEstimate(bytes=int(typical * 1e6), method="typical", detail=f"typical {model_type or 'model'} size")


def estimate_candidate_size(candidate: ModelCandidate) -> SizeEstimate:
    """`estimate_model_size` over the facts a candidate carries; keeps a size it already has if exact."""
    fresh = estimate_model_size(
        candidate.model_id,
        model_type=candidate.model_type,
        parameters=candidate.parameters,
        parameters_total=candidate.parameters_total,
        siblings=candidate.siblings,
        used_storage=candidate.used_storage,
    )
    if candidate.size is None or SIZE_BOUND_RANK[fresh.bound] > SIZE_BOUND_RANK[candidate.size.bound]:
        return fresh
    return candidate.size


def weights_at(size: SizeEstimate, stored_dtype: str | None, load_dtype: LoadDtype) -> SizeEstimate:
    """The memory the weights take loaded in `load_dtype` ("auto": as stored), with the same bound.

    Estimates, and parameter counts of unknown dtype, are figured at fp32 (4 bytes each), so they
    scale to any dtype by its bytes (and stay as they are at "auto"). An exact or upper figure of unknown
    stored dtype is converted as if stored in the narrowest dtype (2 bytes), so it stays an upper
    bound (marked `loosened`); the stored dtype's own figure ("auto") needs no conversion.
    """
    stored = stored_dtype if stored_dtype in TORCH_DTYPE_BYTES else None
    if size.bound == "estimate" or (stored is None and size.method in _COUNTED_AT_FP32):
        target = load_dtype if load_dtype != "auto" else stored
        ratio = TORCH_DTYPE_BYTES[target] / FP32_BYTES if target else 1.0
        return replace(size, bytes=int(size.bytes * ratio), dtype=target)
    if load_dtype == "auto" or load_dtype == stored:
        return replace(size, dtype=stored if load_dtype == "auto" else load_dtype)
    if stored is None:
        ratio = TORCH_DTYPE_BYTES[load_dtype] / NARROWEST_STORED_BYTES
        return replace(size, bytes=int(size.bytes * max(ratio, 1.0)), dtype=load_dtype, loosened=True)
    ratio = TORCH_DTYPE_BYTES[load_dtype] / TORCH_DTYPE_BYTES[stored]
    return replace(size, bytes=int(size.bytes * ratio), dtype=load_dtype)


def candidate_weights_at(candidate: ModelCandidate, load_dtype: LoadDtype) -> SizeEstimate:
    """`weights_at` of a candidate's best-known size (an estimate from its id at worst)."""
    size = candidate.size or estimate_candidate_size(candidate)
    return weights_at(size, candidate.dtype, load_dtype)
