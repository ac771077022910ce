"""Facts read off stored copies of huggingface.co repository pages, as registry facts.

Input: ``scripts/facts/hub_pages/*.jsonl``, one line per checkpoint, written while reading stored
copies of its Hub pages (the repository's file tree at a commit, its commit history, its model card,
its ``config.json``) through the project's documentation search; each line names the pages it was
read from (``sha_url``, ``tree_url``, ``header_url``, ``card_url``, ``config_url``) and the date
(``read``). A page is used only when its URL's repository is exactly the id: look-alike clones come
back from a similarity search. This module re-reads those lines and turns them into `PageFacts`:

- ``sha``: a 40-hex commit taken from a page URL of the repository itself (a tree or commits page
  at a commit that holds the weights and config), never a short sha or a branch name;
- ``size``: the weight files of one format (``hf_testgen.facts.sizing.WEIGHT_FORMATS`` order) as the tree
  page shows them, three significant digits in SI units, each rounded up by half a unit of its third
  significant digit: an upper bound within 0.5 % (size method ``page_files``). Sharded weights count only when
  every shard ``-0000k-of-0000n`` is listed;
- ``dtype``: ``torch_dtype`` / ``dtype`` of the config page, else the card's "Tensor type";
- ``pipeline_tag``, ``library_name``: the header's task and library words; ``frameworks``: from the
  weight files at the commit (else the header's framework words);
- ``likes``, ``downloads`` (the card's "Downloads last month", or a Hub model listing's figure for the
  repository, ``listing_url``), ``gated`` (the page asks to accept
  conditions), ``architectures`` (config page).

Run ``python scripts/hub_pages.py`` for a summary of what the lines hold; ``--table`` adds, for every
type's offline default at this machine's limit whose repository has a page size, the reported size and
bound beside the page's own figure (shown sizes summed, not rounded up) and the pinned sha, as Markdown.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import ROOT as REPO_ROOT

from hf_testgen.core.records import Framework, SizeEstimate
from hf_testgen.facts.sizing import WEIGHT_FORMATS

FACTS_DIR = REPO_ROOT / "scripts" / "facts" / "hub_pages"
SOURCE_PREFIX = "huggingface.co page copy"

_SHA = re.compile(r"[0-9a-f]{40}")
_SIZE_TEXT = re.compile(r"(\d+(?:\.(\d+))?)\s*(Bytes|kB|MB|GB|TB)")
_UNIT = {"Bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}
_SHARD = re.compile(r"-(\d{5})-of-(\d{5})\.")
_FRAMEWORK_OF_FORMAT: dict[str, Framework] = {
    "safetensors": "pytorch", "pytorch": "pytorch", "tensorflow": "tensorflow", "flax": "jax", "onnx": "onnx",
}  # fmt: skip
_FRAMEWORK_TAGS: dict[str, Framework] = {"pytorch": "pytorch", "tensorflow": "tensorflow", "jax": "jax", "onnx": "onnx"}
_LIBRARY_TAGS = {
    "transformers": "transformers", "sentence-transformers": "sentence-transformers", "timm": "timm",
    "peft": "peft", "diffusers": "diffusers", "open_clip": "open_clip", "mlx": "mlx", "gguf": "gguf",
}  # fmt: skip
_CARD_DTYPES = {"F32": "float32", "BF16": "bfloat16", "F16": "float16", "F64": "float64"}
_CONFIG_DTYPES = frozenset({"float32", "bfloat16", "float16", "float64"})


@dataclass(frozen=True)
class PageFacts:
    """What the stored pages of one repository say, each fact with the page it came from."""

    model_id: str
    model_type: str
    read: str
    sha: str | None = None
    size: SizeEstimate | None = None
    dtype: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    frameworks: tuple[Framework, ...] = ()
    architectures: tuple[str, ...] = ()
    likes: int | None = None
    downloads: int | None = None
    gated: bool = False
    urls: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX} read {self.read}"


def same_repo(url: str | None, model_id: str) -> bool:
    """The page belongs to exactly this repository (not a look-alike that a similarity search returned)."""
    if not url:
        return False
    prefix = f"https://huggingface.co/{model_id}".lower()
    lowered = url.lower()
    return lowered == prefix or lowered.startswith(prefix + "/")


def sha_from(url: str | None, model_id: str) -> str | None:
    """The full commit sha in a tree/commits/blob URL of the repository itself, else None."""
    if not same_repo(url, model_id):
        return None
    rest = url[len(f"https://huggingface.co/{model_id}/") :] if url else ""
    parts = rest.split("/")
    if len(parts) >= 2 and parts[0] in ("tree", "commits", "blob") and _SHA.fullmatch(parts[1]):
        return parts[1]
    return None


def bytes_upper(text: str) -> int | None:
    """"1.12 GB" → 1,125,000,000: the shown figure plus half a unit of its third significant digit.

    The Hub shows sizes to three significant digits in SI units and drops trailing zeros ("5 GB" is
    4.995-5.005 GB, "9.1 MB" 9.095-9.105 MB), so this is an upper bound within 0.5 %.
    """
    match = _SIZE_TEXT.fullmatch(text.strip())
    if match is None:
        return None
    number, _, unit = match.groups()
    value = float(number)
    if unit == "Bytes" or value == 0:
        return int(value)
    half_unit = 0.5 * 10 ** (math.floor(math.log10(value)) - 2)
    return math.ceil((value + half_unit) * _UNIT[unit])


def shown_bytes(text: str) -> int:
    """"1.12 GB" → 1,120,000,000: the figure as the page shows it."""
    match = _SIZE_TEXT.fullmatch(text.strip())
    return int(float(match.group(1)) * _UNIT[match.group(3)]) if match else 0


def page_size(files: dict[str, str], url: str) -> SizeEstimate | None:
    """The weight files of the preferred format that the page lists in full, rounded up; else None."""
    for fmt, pattern in WEIGHT_FORMATS:
        names = sorted(n for n in files if pattern.search(n) and not re.search(r"\.(fp16|bf16|int8|int4)\.", n))
        if not names:
            continue
        if not _all_shards(names):
            return None  # a truncated listing: a sum of some shards could be too low
        sizes = [bytes_upper(files[n]) for n in names]
        if any(s is None for s in sizes):
            return None
        shown = sum(shown_bytes(files[n]) for n in names)
        detail = f"{len(names)} {fmt} file(s) on {url} showing {shown / 1e6:,.1f} MB, each rounded up"
        return SizeEstimate(bytes=sum(s for s in sizes if s is not None), method="page_files", detail=detail)
    return None


def _all_shards(names: list[str]) -> bool:
    shards = [_SHARD.search(n) for n in names]
    if not any(shards):
        return len(names) == 1
    totals = {int(m.group(2)) for m in shards if m}
    return len(totals) == 1 and all(shards) and len(names) == totals.pop()


def count_text(value: object) -> int | None:
    """A count as the page shows it: 631, "1.74k" (1,740: a lower bound, which is what ranking may use)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kM]?)", str(value).strip())
    if match is None:
        return None
    return int(float(match.group(1)) * {"": 1, "k": 1_000, "M": 1_000_000}[match.group(2)])


def pipeline_tag(tags: list[str], known_tasks: frozenset[str]) -> str | None:
    """The first header word that names a pipeline task ("Fill-Mask" → fill-mask)."""
    for tag in tags:
        slug = re.sub(r"\s+", "-", tag.strip().lower())
        if slug in known_tasks:
            return slug
    return None


def frameworks_of(files: dict[str, str], tags: list[str]) -> tuple[Framework, ...]:
    found: set[Framework] = set()
    for name in files:
        for fmt, pattern in WEIGHT_FORMATS:
            if pattern.search(name):
                found.add(_FRAMEWORK_OF_FORMAT[fmt])
    if not found:
        found = {_FRAMEWORK_TAGS[t.lower()] for t in tags if t.lower() in _FRAMEWORK_TAGS}
    return tuple(sorted(found))


def stored_dtype(line: dict[str, Any]) -> str | None:
    configured = line.get("torch_dtype") or line.get("dtype")
    if isinstance(configured, str) and configured in _CONFIG_DTYPES and same_repo(line.get("config_url"), line["id"]):
        return configured
    tensor = str(line.get("tensor_type") or "").split("·")[0].strip().upper()
    return _CARD_DTYPES.get(tensor) if same_repo(line.get("card_url"), line["id"]) else None


def parse_line(line: dict[str, Any], known_tasks: frozenset[str]) -> PageFacts | None:
    """The facts of one line, or None when no page of the exact repository backs it."""
    model_id = line["id"]
    if line.get("status") != "found":
        return None
    pages = [line.get(k) for k in ("sha_url", "tree_url", "header_url", "card_url", "config_url", "gated_url")]
    urls = tuple(dict.fromkeys(u for u in pages if same_repo(u, model_id)))
    if line.get("listing_url") and urls:
        urls = (*urls, str(line["listing_url"]))
    if not urls:
        return None
    tags = [str(t) for t in line.get("tags") or []]
    files = {str(k): str(v) for k, v in (line.get("files") or {}).items()}
    tree_url = line.get("tree_url")
    size = page_size(files, tree_url) if same_repo(tree_url, model_id) else None
    # downloads: the repo's own card, or a Hub model listing that shows the repo with its figures
    card = same_repo(line.get("card_url"), model_id) or str(line.get("listing_url", "")).startswith("https://huggingface.co/")
    downloads = line.get("downloads_last_month") if card else None
    likes = count_text(line.get("likes"))
    configured = same_repo(line.get("config_url"), model_id)
    return PageFacts(
        model_id=model_id,
        model_type=line["type"],
        read=line["read"],
        sha=sha_from(line.get("sha_url"), model_id),
        size=size,
        dtype=stored_dtype(line),
        pipeline_tag=pipeline_tag(tags, known_tasks),
        library_name=next((_LIBRARY_TAGS[t.lower()] for t in tags if t.lower() in _LIBRARY_TAGS), None),
        frameworks=frameworks_of(files, tags),
        architectures=tuple(str(a) for a in line.get("architectures") or ()) if configured else (),
        likes=likes,
        downloads=int(downloads) if isinstance(downloads, int) and downloads >= 0 else None,
        gated=bool(line.get("gated")),
        urls=urls,
    )


def load_page_facts(known_tasks: frozenset[str], facts_dir: Path = FACTS_DIR) -> dict[str, PageFacts]:
    """Lower-cased id → facts, over every line of every file (a later line for an id adds what is missing)."""
    facts: dict[str, PageFacts] = {}
    for path in sorted(facts_dir.glob("*.jsonl")):
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not text.strip():
                continue
            try:
                parsed = parse_line(json.loads(text), known_tasks)
            except (ValueError, KeyError, TypeError) as err:
                raise SystemExit(f"{path}:{number}: {err}") from None
            if parsed is not None:
                key = parsed.model_id.lower()
                facts[key] = merge(facts[key], parsed) if key in facts else parsed
    return facts


def merge(first: PageFacts, later: PageFacts) -> PageFacts:
    """Two readings of one repo: keep each fact the first has, take the later one's where it has none."""
    from dataclasses import fields, replace

    changes = {
        f.name: getattr(later, f.name)
        for f in fields(first)
        if f.name not in ("model_id", "model_type", "read") and not getattr(first, f.name) and getattr(later, f.name)
    }
    changes["urls"] = tuple(dict.fromkeys(first.urls + later.urls))
    return replace(first, **changes)


def defaults_table(facts: dict[str, PageFacts]) -> list[str]:
    """Markdown rows: type, task, default, reported size (bound, dtype), page size, ratio, sha."""
    from hf_testgen.core.config import Settings
    from hf_testgen.core.errors import HfTestgenError
    from hf_testgen.facts import families
    from hf_testgen.selection.chain import SelectionRequest, select

    settings = Settings(use_static_registry=True)
    rows = ["| type | task | default | reported | page shows | reported / page | sha |", "|---" * 7 + "|"]
    for model_type in families.supported_model_types():
        try:
            selection = select(SelectionRequest(model_type), settings)
        except HfTestgenError:
            continue
        page = facts.get(selection.model_id.lower())
        if page is None or page.size is None or selection.size is None:
            continue
        shown = float(re.search(r"showing ([\d,.]+) MB", page.size.detail).group(1).replace(",", "")) * 1e6
        ratio = selection.size.bytes / shown
        rows.append(
            f"| {model_type} | {selection.task} | {selection.model_id} | {selection.size.mb:,.1f} MB "
            f"({selection.size.method}, {selection.size.bound}) | {shown / 1e6:,.1f} MB | {ratio:.3f} | "
            f"{(selection.revision or 'none')[:12]} |"
        )
    return rows


def main() -> int:
    from hf_testgen.facts.tasks import all_tasks

    facts = load_page_facts(frozenset(all_tasks()))
    lines = sum(1 for p in FACTS_DIR.glob("*.jsonl") for t in p.read_text(encoding="utf-8").splitlines() if t.strip())
    count = {
        "sha": sum(f.sha is not None for f in facts.values()),
        "size": sum(f.size is not None for f in facts.values()),
        "dtype": sum(f.dtype is not None for f in facts.values()),
        "pipeline_tag": sum(f.pipeline_tag is not None for f in facts.values()),
        "downloads": sum(f.downloads is not None for f in facts.values()),
        "gated": sum(f.gated for f in facts.values()),
    }
    print(f"{lines} lines, {len(facts)} repositories with facts: " + ", ".join(f"{k} {v}" for k, v in count.items()))
    if "--table" in sys.argv[1:]:
        print("\n".join(defaults_table(facts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
