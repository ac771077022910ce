"""The fields of a candidate read at the edge: a registry row or a Hub answer, each field checked.

Every helper names the field it rejects, so that a bad field skips its row with one warning
("field 'size_mb': 1e+303 is above ..."), never the whole file or answer. Numbers are bounded
(`outside.number`): a bool is not a count (`usedStorage: true` is not 1 byte), NaN, infinity and
values past `outside.MAX_NUMBER` are refused (`size_mb: 1e303` would overflow the bytes). Dates from
outside are clamped to now, so a forged future date cannot win "newest first".

Used by `records` only (the leaf below it).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .outside import MAX_NUMBER, OutsideValueError, clamp_to_now
from .outside import number as bounded_number
from .outside import parse_datetime as parse_outside_datetime

_SHA_RE = re.compile(r"[0-9a-f]{40}")
MAX_SIZE_MB = MAX_NUMBER / 1_000_000  # 1 EB: no checkpoint is larger, and bytes stay exact integers


def number(
    row: Any, name: str, *, minimum: float | None = None, whole: bool = False, maximum: float = MAX_NUMBER
) -> float | None:
    return bounded_number(row.get(name), name, minimum=minimum, maximum=maximum, whole=whole)


def whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def text(row: Any, name: str) -> str | None:
    value = row.get(name)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"field {name!r}: {_shown(value)} is not a string")
    return value


def truth(row: Any, name: str) -> bool:
    """A yes/no field; `"false"` (truthy as a string) is refused rather than read as true."""
    value = row.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"field {name!r}: {_shown(value)} is not true or false")
    return value


def strings(row: Any, name: str) -> tuple[str, ...]:
    value = row.get(name) or ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"field {name!r}: expected a list of strings")
    return tuple(value)


def sha(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA_RE.fullmatch(value):
        raise ValueError(
            f"field 'sha': invalid revision {_shown(value)}: expected a 40-character lowercase hex commit sha"
        )
    return value


def parse_datetime(value: str) -> datetime:
    try:
        return clamp_to_now(parse_outside_datetime(value, "last_modified"))  # type: ignore[return-value]
    except OutsideValueError as err:
        raise ValueError(str(err)) from None


# --- a Hub answer's size facts ---------------------------------------------------------------------
def hub_parameters(safetensors: Any) -> tuple[tuple[tuple[str, int], ...], int | None]:
    """(parameter count per dtype, the Hub's total) of a `huggingface_hub.SafeTensorsInfo` (or None),
    each count bounded."""
    if safetensors is None:
        return (), None
    raw = {} if safetensors.parameters is None else safetensors.parameters
    if not isinstance(raw, dict):
        raise ValueError("field 'safetensors.parameters': expected an object of counts per dtype")
    parameters = tuple(
        sorted(
            (str(k), int(bounded_number(v, "safetensors.parameters", minimum=0, whole=True) or 0))
            for k, v in raw.items()
        )
    )
    total = whole(bounded_number(safetensors.total, "safetensors.total", minimum=0, whole=True))
    return parameters, total


def hub_siblings(siblings: Any, file_type: type) -> tuple[Any, ...]:
    """A repo's files (`huggingface_hub.RepoSibling`s, or None) with their sizes; a negative,
    fractional or boolean size rejects the row."""
    files = []
    for sibling in () if siblings is None else siblings:
        size = sibling.lfs.size if sibling.lfs is not None else sibling.size
        checked = bounded_number(size, f"siblings[{sibling.rfilename}].size", minimum=0, whole=True)
        files.append(file_type(name=sibling.rfilename, size=whole(checked)))
    return tuple(files)


def hub_used_storage(value: object) -> int | None:
    """`usedStorage` in bytes, or None when absent, zero or not a count (`true` is a bool, not 1 byte)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_NUMBER:
        return None
    return value


_CLASS_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# safetensors dtype names of floating weights → the torch dtype names transformers uses.
_SAFETENSORS_FLOAT_DTYPES = {"F64": "float64", "F32": "float32", "BF16": "bfloat16", "F16": "float16"}


def stored_dtype(parameters: tuple[tuple[str, int], ...]) -> str | None:
    """The floating dtype holding most parameters ("BF16" → "bfloat16"), or None without safetensors counts."""
    names = _SAFETENSORS_FLOAT_DTYPES
    floating = [(n, names[d.upper()]) for d, n in parameters if d.upper() in names]
    return max(floating)[1] if floating else None


def class_names(value: object) -> tuple[str, ...]:
    """`config.architectures` as a tuple of class names; anything that is not one is dropped."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(v for v in value if isinstance(v, str) and _CLASS_NAME_RE.fullmatch(v))


def _shown(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
