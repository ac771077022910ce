"""Facts read off stored Hub pages (scripts/hub_pages.py): only the repository's own pages count,
sizes are rounded up, a truncated shard listing gives no size."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from hub_pages import bytes_upper, count_text, page_size, parse_line, same_repo, sha_from  # noqa: E402

SHA = "d9d8a8ea5eb94b1c6654ae9249df7793cd2933d3"
TASKS = frozenset({"fill-mask", "text-classification"})


@pytest.mark.parametrize(
    ("text", "upper"),
    [("1.12 GB", 1_125_000_000), ("5 GB", 5_005_000_000), ("9.1 MB", 9_105_000), ("615 Bytes", 615)],
)
def test_a_shown_size_is_rounded_up_by_half_its_third_significant_digit(text, upper):
    assert bytes_upper(text) == upper


def test_only_the_repository_itself_counts():
    repo = "FacebookAI/xlm-roberta-base"
    assert same_repo(f"https://huggingface.co/{repo}/tree/{SHA}", repo)
    assert not same_repo(f"https://huggingface.co/{repo}-v2/tree/main", repo)
    assert not same_repo("https://huggingface.co/CollectionStudio/dinov2-base/commits/main", "facebook/dinov2-base")
    assert sha_from(f"https://huggingface.co/org/model/commits/{SHA}", "org/model") == SHA
    assert sha_from(f"https://huggingface.co/org/other/tree/{SHA}", "org/model") is None  # a look-alike's commit
    assert sha_from("https://huggingface.co/org/model/tree/d9d8a8e", "org/model") is None  # a short sha
    assert sha_from("https://huggingface.co/org/model/tree/main", "org/model") is None  # a moving branch


def test_a_truncated_shard_listing_gives_no_size():
    url = f"https://huggingface.co/org/model/tree/{SHA}"
    listed = {"model-00001-of-00002.safetensors": "4.98 GB", "config.json": "600 Bytes"}
    assert page_size(listed, url) is None
    listed["model-00002-of-00002.safetensors"] = "2.01 GB"
    size = page_size(listed, url)
    assert size is not None and size.method == "page_files" and size.bytes == 4_985_000_000 + 2_015_000_000
    assert size.bound == "upper" and url in size.detail


def test_a_line_backed_only_by_look_alike_pages_gives_no_facts():
    line = {
        "id": "org/model", "type": "bert", "read": "2026-12-03", "status": "found",
        "sha_url": f"https://huggingface.co/org/model-v2/tree/{SHA}", "tags": ["Fill-Mask"],
        "header_url": "https://huggingface.co/org/model-v2/tree/main",
    }  # fmt: skip
    assert parse_line(line, TASKS) is None
    line["header_url"] = "https://huggingface.co/org/model/tree/main"
    facts = parse_line(line, TASKS)
    assert facts is not None and facts.sha is None and facts.pipeline_tag == "fill-mask"


def test_counts_as_pages_show_them():
    shown = (count_text(631), count_text("1.74k"), count_text("2.3M"), count_text("many"))
    assert shown == (631, 1740, 2_300_000, None)
