"""What the scripts share: where the checkout's folders are, and the one rule for imports.

The rule. A script runs as `python scripts/NAME.py` from a checkout where the package is installed
(`pip install -e .`, as CI, the workflows and DEVELOPERS' setup do), so:
- `import hf_testgen` needs no path edit; `check_package()` (run on import of this module) refuses, in one
  line, a package imported from anywhere but this checkout, so that a script never builds this checkout's
  data with another copy's code;
- a script imports another script by its name (`from hub_pages import ...`, `from reference_values import
  ...`): Python puts the script's own folder, scripts/, first on sys.path; a test that imports a script
  puts scripts/ on sys.path itself;
- only the scripts that reuse the test suite's helpers (benchmark.py, gpu_check.py: the local Hub server,
  the tiny models) reach tests/, through `use_test_helpers()`, the one sys.path edit of scripts/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
FACTS = SCRIPTS / "facts"
TESTS = ROOT / "tests"
PACKAGE_DATA = ROOT / "hf_testgen" / "data"
CURATED = SCRIPTS / "curated"  # hand-curated inputs, each entry with its reason


def check_package() -> None:
    """Exit with one line unless `hf_testgen` is importable from this checkout."""
    try:
        import hf_testgen
    except ImportError:
        sys.exit(f"{Path(sys.argv[0]).name}: hf_testgen is not installed: run `pip install -e .` in {ROOT}")
    where = Path(hf_testgen.__file__).resolve().parent.parent
    if where != ROOT:
        sys.exit(
            f"{Path(sys.argv[0]).name}: hf_testgen is imported from {where}, not from this checkout ({ROOT}): "
            f"run `pip install -e .` in {ROOT} (or use that checkout's scripts)"
        )


def curated(name: str, section: str, *, folder: Path = CURATED) -> dict[str, dict[str, Any]]:
    """The entries of one section of scripts/curated/NAME.json (in `folder`); each must say why it is there.

    Raises:
        ValueError: an entry without a non-empty "why" (the message names it).
    """
    entries = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))[section]["entries"]
    unexplained = [key for key, entry in entries.items() if not str(entry.get("why") or "").strip()]
    if unexplained:
        raise ValueError(f"scripts/curated/{name}.json {section}: {unexplained[0]!r} says no 'why'")
    return entries


def use_test_helpers() -> None:
    """Make tests/'s helper modules (conftest, hubserver, tiny_models, suite_runs...) importable."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))


check_package()
