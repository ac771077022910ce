"""The pytest plugin behind every generated test (registered as the `hf_testgen` pytest11 entry point).

A generated module defines MODEL_TYPE, TASK, MODEL_ID, REVISION, TINY_MODEL_ID and its inputs;
its tests ask for these fixtures:

- `device`: "cpu", "cuda" or "mps", one test per device; skipped with the reason where the machine
  lacks it. Only generated modules are parametrised, so a `device` fixture elsewhere is left alone.
- `loaded_model`: the module's `ModelUnderTest` (loaded strictly, once, on first use).
- `record_result`: call it with a test's output: device parity against cpu, goldens, results line.
- `semantic`: skips, with the reason, on a tiny random checkpoint or with HF_TESTGEN_SEMANTIC=0;
  the test's outcome becomes the "semantic" verdict of the results line.
- `documented`: `semantic`, and only when the model under test is the file's MODEL_ID: the output
  transformers documents for that checkpoint (DOCUMENTED_OUTPUT) is a claim about it alone.
- `reference`: the same rule for the outputs transformers' own integration tests state for MODEL_ID
  (REFERENCE_TESTS, replayed from hf_testgen/data/reference_outputs.json).

Two things keep `pytest -n N` (pytest-xdist) from paying twice per worker: each worker gets its share of
the cores for torch's threads (OMP_NUM_THREADS, unless the run sets it), not all of them, so N workers do
not oversubscribe the machine; and a process that loaded a model freezes the garbage collector at the end,
so the interpreter's exit does not walk the ~400,000 objects torch and transformers leave (one to several
seconds per worker, which xdist waits for before the run ends).
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Mapping

import pytest

from .model import DeviceRecord, ModelUnderTest
from .settings import REQUIRED_CONSTANTS, RuntimeSettings, Target

DEVICES = ("cpu", "cuda", "mps")
# junit properties of every generated test case, read back by the coverage page (hf_testgen.suite.coverage).
PROPERTY_PREFIX = "hf_testgen_"
# Several semantic tests share one verdict per device: a failure outweighs a pass, a pass a skip.
VERDICT_RANK = {"skipped": 1, "passed": 2, "failed": 3}


_models_loaded = False  # whether this process loaded a generated module's model (then gc.freeze at exit)


def worker_threads(workers: int | None, env: Mapping[str, str], cpu_count: int | None) -> str | None:
    """OMP_NUM_THREADS for this process: in one of `workers` xdist workers (None: not a worker) whose run sets
    no value, the worker's share of the cores (at least 1); None when nothing should be set."""
    if not workers or workers < 1 or env.get("OMP_NUM_THREADS"):
        return None
    return str(max(1, (cpu_count or 1) // workers))


def pytest_configure(config) -> None:
    workerinput = getattr(config, "workerinput", None)  # set by pytest-xdist in its workers only
    threads = worker_threads(workerinput and workerinput.get("workercount"), os.environ, os.cpu_count())
    if threads is not None:  # before torch is imported: the plugin imports it only when a model loads
        os.environ["OMP_NUM_THREADS"] = threads


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config) -> None:
    if _models_loaded:
        gc.freeze()  # objects stay alive until exit, so the exit skips the final collection's walk over them


def is_generated(module) -> bool:
    return module is not None and all(hasattr(module, name) for name in REQUIRED_CONSTANTS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" in metafunc.fixturenames and is_generated(metafunc.module):
        metafunc.parametrize("device", DEVICES, indirect=True)


def device_missing(device: str) -> str | None:
    """Why this machine cannot run on `device`, or None."""
    if device == "cpu":
        return None
    try:
        import torch
    except ImportError as error:
        return f"torch cannot be imported: {error}"
    if device == "cuda" and not torch.cuda.is_available():
        return "CUDA is not available on this machine"
    if device == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            return "Apple MPS is not available on this machine"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    record_target_properties(item)


def record_target_properties(item: pytest.Item) -> None:
    """Name what a generated test tests in its junit report, before any fixture runs or skips: model type, task,
    model id and revision (a coverage row's key) and, when the test's device is missing here, why. Appended to
    `item.user_properties` as pytest's `record_property` fixture does, without that fixture's warning under
    junit_family xunit2 (the properties are written all the same)."""
    module = getattr(item, "module", None)
    if not is_generated(module):
        return
    values = dict(_target_properties(module))
    if not values:
        return  # the hf_testgen_settings and loaded_model fixtures report what is wrong
    callspec = getattr(item, "callspec", None)
    missing = device_missing(callspec.params["device"]) if callspec and "device" in callspec.params else None
    if missing:
        values["device_missing"] = missing
    item.user_properties.extend((PROPERTY_PREFIX + name, value) for name, value in values.items())


@functools.cache
def _target_properties(module) -> tuple[tuple[str, str], ...]:
    """A generated module's coverage key, read once per module (not per test): () when its constants are bad."""
    try:
        target = Target.from_module(module, RuntimeSettings.from_env(os.environ))
    except (TypeError, ValueError):
        return ()
    return (
        ("model_type", target.model_type),
        ("task", target.task),
        ("model_id", target.model_id),
        ("revision", target.revision or ""),
    )


@pytest.fixture(scope="session")
def hf_testgen_settings() -> RuntimeSettings:
    try:
        return RuntimeSettings.from_env(os.environ)
    except ValueError as err:  # a bad HF_TOKEN or variable: one line stops the run, not an error per test
        pytest.exit(f"hf-testgen: {err}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture
def device(request) -> str:
    name = getattr(request, "param", "cpu")
    reason = device_missing(name)
    if reason:
        pytest.skip(reason)
    return name


@pytest.fixture(scope="module")
def loaded_model(request, hf_testgen_settings):
    global _models_loaded
    _models_loaded = True
    model = ModelUnderTest(Target.from_module(request.module, hf_testgen_settings), hf_testgen_settings)
    yield model
    model.write_results()


@pytest.fixture
def record_result(loaded_model, device):
    return functools.partial(loaded_model.check_and_record, device)


@pytest.fixture
def semantic(loaded_model, device, hf_testgen_settings) -> DeviceRecord:
    record = loaded_model.record_for(device)
    reason = loaded_model.target.semantic_skip_reason(hf_testgen_settings)
    if reason:
        record.semantic = "skipped"
        pytest.skip(reason)
    return record


def _pinned_model_only(loaded_model, semantic: DeviceRecord, claim: str) -> DeviceRecord:
    """`semantic`, skipped unless the model under test is the pinned MODEL_ID: `claim` is about it alone."""
    target = loaded_model.target
    if target.model_id != target.pinned_model_id:
        pytest.skip(f"the {claim} {target.pinned_model_id}'s; this run tests {target.model_id}")
    return semantic


@pytest.fixture
def documented(loaded_model, semantic) -> DeviceRecord:
    """Like `semantic`, and only for the pinned MODEL_ID: a documented output is a claim about it."""
    return _pinned_model_only(loaded_model, semantic, "documented output is")


@pytest.fixture
def reference(loaded_model, semantic) -> DeviceRecord:
    """Like `documented`: transformers' integration tests state their values for the pinned MODEL_ID only."""
    return _pinned_model_only(loaded_model, semantic, "reference outputs are")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    at_test_location(item, report)
    record = getattr(item, "funcargs", {}).get("semantic")
    if report.when == "call" and isinstance(record, DeviceRecord):
        record.semantic = max(record.semantic, report.outcome, key=lambda verdict: VERDICT_RANK.get(verdict, 0))


def at_test_location(item, report) -> None:
    """A skip raised inside this plugin (Hub unreachable, no GPU) is reported at the test's own line, not at a
    line of the installed package, as pytest does for skip marks."""
    longrepr = report.longrepr
    if not (report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3):
        return
    path, _, reason = longrepr
    inside_plugin = os.path.abspath(str(path)).startswith(os.path.dirname(os.path.abspath(__file__)))
    if inside_plugin and item.location[1] is not None:
        report.longrepr = (str(item.path), item.location[1] + 1, reason)
