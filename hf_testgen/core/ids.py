"""Hub ids, once for the package and scripts/: the grammar of a repo id, and which ids are test checkpoints.

`is_hub_id` / `validate_model_id` follow huggingface_hub's REPO_ID_REGEX (utils/_validators.py), kept here so
that the static path does not import huggingface_hub, plus its extra checks ("--", "..", ".git"). The miners
(scripts/mine_*.py, scripts/reference_*.py) keep an id they read in transformers' source only when it passes
`is_hub_id`, so the registry never holds an id the package would refuse.

`is_test_model_id` is the one rule for a test checkpoint: random or dummy weights made for test suites, never
a selected model, only a generated file's TINY_MODEL_ID. The build (scripts/build_registry.py) skips them, the
miners drop them, ranking puts them last. `is_tiny_name` is the miners' extra rule for transformers' own test
files, where a name starting "tiny" is a fixture (tiny-mixtral); it is not part of `is_test_model_id`, since
real models carry such names too (timm/tiny_vit_5m_224.in1k, CohereLabs/tiny-aya-base).

A leaf module: it imports nothing from the package.
"""

from __future__ import annotations

import re

# re.ASCII: the Hub's ids are ASCII; without it \w admits "evil/ｘｙｚ", Arabic digits and "ſ".
_REPO_ID_RE = re.compile(r"(\b[\w\-.]{1,96}\b/)?\b[\w\-.]{1,96}\b", re.ASCII)

# Test checkpoints, by name. Owners that publish only fixtures; words that mark one; a part starting "test"
# ("test", "tests", "testing", "unit-test"; "latest" stays): timm's test_* nets are trained for test suites only
# (test_byobnet.r160_in1k: 45.9 % ImageNet top-1), and np-cr/testing-qwen3-moe, blab-jhu/test-32m-dec are
# fixtures.
_TEST_OWNERS = ("hf-internal-testing/", "hf-tiny-model-private/")
_TEST_WORDS = ("random", "dummy")
_TEST_PART_RE = re.compile(r"(?:^|[-_/.])test", re.IGNORECASE)
_TINY_NAME_RE = re.compile(r"(?:^|/)tiny(?:[-_.]|$)", re.IGNORECASE)  # tiny-random-x, owner/tiny-mimo; not TinyLlama


def is_hub_id(candidate: object) -> bool:
    """True when `candidate` is a valid Hub repo id: 'name' or 'namespace/name', ASCII letters, digits, '-', '_'
    or '.', each part at most 96 characters, starting and ending with a letter or digit; no '--', '..', '.git'."""
    return (
        isinstance(candidate, str)
        and bool(_REPO_ID_RE.fullmatch(candidate))
        and "--" not in candidate
        and ".." not in candidate
        and not candidate.endswith(".git")
    )


def validate_model_id(model_id: object) -> str:
    """Return `model_id` if it is a valid Hub repo id (`is_hub_id`), else raise `ValueError`.

    Raises:
        ValueError: the id does not follow the Hub's repo-id rules (the message names it).
    """
    if not is_hub_id(model_id):
        raise ValueError(
            f"invalid model id {model_id!r}: expected 'name' or 'namespace/name' with letters, digits, "
            "'-', '_' or '.', at most 96 characters each"
        )
    return model_id  # type: ignore[return-value]


def is_test_model_id(model_id: str) -> bool:
    """True for test checkpoints: ``hf-internal-testing/*``, ``*/tiny-random-*``, ``*dummy*``, ``timm/test_*``."""
    lowered = model_id.lower()
    return (
        lowered.startswith(_TEST_OWNERS)
        or any(word in lowered for word in _TEST_WORDS)
        or bool(_TEST_PART_RE.search(lowered))
    )


def is_tiny_name(model_id: str, *, anywhere: bool = False) -> bool:
    """True when a part of the id starts with "tiny" (``tiny-mixtral``), or, with `anywhere`, holds it at all
    (``openai/whisper-tiny``): the miners' extra fixture rule for checkpoints named in transformers' tests."""
    lowered = model_id.lower()
    return "tiny" in lowered if anywhere else bool(_TINY_NAME_RE.search(lowered))
