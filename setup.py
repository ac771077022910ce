"""Build hook: the wheel carries copies of the checkout's top-level data files.

`model_registry.json` and `benchmarks.json` stay where the product brief, scripts/build_registry.py
and the weekly refresh put them: at the top of the checkout, the one canonical copy. When a wheel
is built, `build_py` copies them into the built package as `hf_testgen/data/`, so that an
installed `hf-testgen` finds them without a checkout (see `hf_testgen.core.config.data_file`). Nothing
is copied inside the source tree, so no second copy can be committed.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED_DATA = ("model_registry.json", "benchmarks.json")


class BuildPyWithData(build_py):
    """setuptools' build_py, then the top-level data files into `<build>/hf_testgen/data/`."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's files directly
            return
        target = Path(self.build_lib) / "hf_testgen" / "data"
        target.mkdir(parents=True, exist_ok=True)
        for name in SHIPPED_DATA:
            source = ROOT / name
            if not source.is_file():
                raise FileNotFoundError(f"{source}: needed in the wheel; run scripts/build_registry.py")
            shutil.copyfile(source, target / name)


setup(cmdclass={"build_py": BuildPyWithData})
