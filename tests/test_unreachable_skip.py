"""An unreachable Hub: the skip names the model, its revision and the two ways to run it for real, at the test's
own line, with the real cause and the real wait."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from hf_testgen.testing import loading  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import closed_port, generate_file, run_generated, stalled_endpoint, without_testgen_variables
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import (
        closed_port,
        generate_file,
        run_generated,
        stalled_endpoint,
        without_testgen_variables,
    )

MODEL = "example-org/never-cached-bert"
SHA = "0123456789abcdef0123456789abcdef01234567"
SKIP_RE = re.compile(r"^SKIPPED \[\d+\] (\S+?):(\d+): (.*)$", re.MULTILINE)


def test_an_instant_failure_says_what_failed_and_how_long_it_took():
    reason = loading.unreachable_reason("https://hub.invalid", OSError("Name or service not known"), 0.02)
    assert reason == "https://hub.invalid could not be reached after 0.0 s: OSError: Name or service not known"
    assert "within" not in reason


def test_a_timeout_says_it_waited_the_bound():
    reason = loading.unreachable_reason("https://hub.invalid", TimeoutError("timed out"), loading.PROBE_TIMEOUT_S)
    assert reason.startswith(f"https://hub.invalid did not answer within {loading.PROBE_TIMEOUT_S:g} s")


@pytest.mark.e2e
def test_the_skip_names_model_revision_and_both_ways_to_run_for_real_at_the_tests_line(hub_env, tmp_path):
    path = generate_file(tmp_path / "generated", "bert", "fill-mask", MODEL, "--revision", SHA)
    env = dict(without_testgen_variables(hub_env), HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    counts, _, output = run_generated([path], env, tmp_path)
    assert counts["failed"] == 0 and counts["error"] == 0, output[-4000:]
    hub_skips = [(file, reason) for file, _, reason in SKIP_RE.findall(output) if MODEL in reason]
    assert hub_skips, output[-4000:]
    for file, reason in hub_skips:
        assert file.endswith("generated/test_hf_bert.py"), file  # the test's own location, not the package's
        assert "could not be reached after" in reason and "within" not in reason, reason
        assert f"hf download {MODEL} --revision {SHA}" in reason, reason
        assert "HF_TESTGEN_MODEL_ID=<folder>" in reason, reason


def test_a_silent_hub_says_it_waited_the_bound():
    target = loading.Target("bert", "fill-mask", MODEL, SHA, None, MODEL)
    with stalled_endpoint() as endpoint:
        reason = loading.hub_access(target, loading.RuntimeSettings(endpoint=endpoint))
    loading._UNREACHABLE.pop(endpoint, None)
    assert reason.startswith(f"{endpoint} did not answer within {loading.PROBE_TIMEOUT_S:g} s"), reason
