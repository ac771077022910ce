"""Issue 15, readers of outside data: hostile registry, benchmarks, results lines, goldens, junit and
Hub rows, special files, and hostile command-line and environment values. Each test failed before the
reader was bounded (or, for the "own" attacks, shows a reader that was already safe stays so); the
table is in docs/faults_readers.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
from factories import (
    candidate_row,
    clean_command_env,
    hub_record,
    one_line,
    registry_dict,
    settings_for,
    write_registry,
)

from hf_testgen.cli.main import find_main, generate_main, select_main
from hf_testgen.core.errors import RegistryError
from hf_testgen.core.records import ModelCandidate, validate_model_id
from hf_testgen.facts import benchmarks
from hf_testgen.registry.store import load_registry
from hf_testgen.selection.chain import SelectionRequest, select
from hf_testgen.suite import shards
from hf_testgen.suite.merge import MAX_SAMPLES, merge_results_files
from hf_testgen.testing.settings import RuntimeSettings

ROOT = Path(__file__).resolve().parent.parent
GOOD = "google-bert/bert-base-uncased"
SHA = "86b5e0934494bd15c9632b12f734a8a67f723594"
DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = "9" * 5000


@pytest.fixture
def env(monkeypatch, tmp_path):
    return clean_command_env(monkeypatch, tmp_path, unset=("HF_ENDPOINT",), USE_STATIC_REGISTRY="1")


def code_of(call) -> int:
    try:
        return call()
    except SystemExit as err:
        return int(err.code)


def registry_text(tmp_path: Path, rows_json: str, *, updated: str = "2026-11-01T00:00:00Z") -> Path:
    """A registry whose bert candidates are the raw JSON text `rows_json` (to hold what json.dumps cannot)."""
    good = json.dumps(candidate_row(GOOD, "bert", pipeline_tag="fill-mask", architectures=["BertForMaskedLM"]))
    text = (
        f'{{"schema_version": 1, "updated": "{updated}", "generated_by": "t", "model_types": {{"bert": '
        f'{{"updated": "{updated}", "refreshed_from": "t", "default": "{GOOD}", "candidates": [{good}{rows_json}]}}}}}}'
    )
    path = tmp_path / "registry.json"
    path.write_text(text)
    return path


def selected(path: Path):
    settings = settings_for(None, path, use_static_registry=True)
    return select(SelectionRequest("bert", hardware="none"), settings, now=datetime(2026, 11, 27, tzinfo=timezone.utc))


def warnings(selection) -> list[str]:
    return [note.text for note in selection.notes if note.severity == "warning"]


def run_python(code: str, *, timeout: float = 30, **kwargs) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter; a hang is a TimeoutExpired (the test fails, it does not hang)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
        **kwargs,
    )  # fmt: skip


# --- cause 5: readers that crash or hang on outside data -------------------------------------------
@pytest.mark.parametrize(
    ("field", "raw"),
    [("size_mb", "1e303"), ("parameters", "Infinity"), ("downloads", HUGE_INT), ("size_mb", "1e400")],
)
def test_a_bad_number_in_a_registry_row_skips_that_row_only(tmp_path, field, raw):
    bad = f', {{"id": "org/bad", "frameworks": ["pytorch"], "{field}": {raw}}}'
    selection = selected(registry_text(tmp_path, bad))
    assert selection.model_id == GOOD
    (warning,) = [w for w in warnings(selection) if "org/bad" in w]
    assert f"'{field}'" in warning and "candidates[1]" in warning and len(warning) < 300


@pytest.mark.parametrize("reader", ["registry", "benchmarks", "results", "goldens", "local-config"])
def test_json_nested_100000_deep_is_one_clean_error(tmp_path, reader, capsys):
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    if reader == "registry":
        with pytest.raises(RegistryError, match="nested too deeply"):
            load_registry(path)
    elif reader == "benchmarks":
        registry = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
        settings = settings_for(None, registry, use_static_registry=True, benchmarks_path=path)
        selection = select(SelectionRequest("bert", hardware="none"), settings)
        assert any("nested too deeply" in w for w in warnings(selection))
    elif reader == "results":
        good = json.dumps(result_row())
        path.write_text(f"{good}\n{DEEP}\n")
        report = merge_results_files(tmp_path / "b.json", [path])
        assert report.new_samples == 1 and any("deep.json:2" in w and "nested" in w for w in report.warnings)
    elif reader == "goldens":
        from hf_testgen.testing import goldens

        with pytest.raises(ValueError, match="nested too deeply"):
            goldens.lookup(str(path), "k", "r")
    else:
        from hf_testgen.testing.loading import LoadFailure, check_local_folder
        from hf_testgen.testing.settings import Target

        folder = tmp_path / "model"
        folder.mkdir()
        (folder / "config.json").write_text(DEEP)
        target = Target("bert", "fill-mask", str(folder), None, None, str(folder))
        with pytest.raises(LoadFailure, match="config.json is corrupt"):
            check_local_folder(target)


def result_row(**changes) -> dict:
    row = {
        "model_type": "bert", "task": "fill-mask", "model_id": "org/bert", "revision": "c" * 40, "device": "cpu",
        "load_seconds": 1.5, "inference_seconds": 0.25, "peak_memory_mb": 900.0, "peak_memory_method": "ru_maxrss",
    }  # fmt: skip
    row.update(changes)
    return row


def write_lines(path: Path, rows: list) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def test_a_5000_digit_integer_in_a_results_line_skips_that_line(tmp_path):
    huge = json.dumps(result_row(load_seconds=0.5)).replace("0.5", HUGE_INT)
    lines = write_lines(tmp_path / "r.jsonl", [result_row(), huge])
    report = merge_results_files(tmp_path / "b.json", [lines])
    assert report.new_samples == 1
    assert any("r.jsonl:2" in w and "digits" in w for w in report.warnings)


@pytest.mark.parametrize("measured", [{"org/bert": [1, "x"]}, {"org/bert": {"a": 1}}, {"org/bert": [{"samples": 3}]}])
def test_measured_entries_of_the_wrong_shape_give_a_clean_message(tmp_path, measured, capsys):
    bench = tmp_path / "benchmarks.json"
    bench.write_text(json.dumps({"schema_version": 1, "models": {}, "measured": measured}))
    lines = write_lines(tmp_path / "r.jsonl", [result_row()])
    assert find_main(["--merge-results", str(lines), "--benchmarks", str(bench)]) == 1
    line = one_line(capsys.readouterr().err)
    assert "measured.org/bert" in line and str(bench) in line
    document = json.loads(bench.read_text())
    assert benchmarks.Benchmarks.from_document(document).measured_peak("org/bert", None, None) is None


@pytest.mark.parametrize("shard", ["²/3", "1/100000000", "３/4", "1/0x3"])
def test_hostile_shards_are_one_usage_line(tmp_path, env, shard, capsys):
    registry = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
    argv = ["--all", "--shard", shard, "--registry", str(registry), "--output-dir", str(tmp_path / "out")]
    assert code_of(lambda: generate_main(argv)) == 2
    assert "--shard" in one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("flag", "value"), [("--request-delay", "1e308"), ("--max-requests", "1" + "0" * 30)])
def test_a_huge_refresh_number_is_one_usage_line(tmp_path, env, flag, value, capsys):
    env.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    env.setenv("HF_TESTGEN_API_DEADLINE", "1")
    registry = write_registry(tmp_path / "r.json", registry_dict({"bert": [candidate_row(GOOD, "bert")]}))
    argv = ["--update-registry", "--all", flag, value, "--dry-run", "--registry", str(registry)]
    assert code_of(lambda: find_main(argv)) == 2
    assert flag in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:99999", "http://[::1", "https://hub\r\nX-Evil: 1", "ftp://h"])
def test_a_malformed_hf_endpoint_is_one_line_and_exit_2(env, endpoint, capsys):
    env.setenv("HF_ENDPOINT", endpoint)
    env.delenv("USE_STATIC_REGISTRY")
    assert code_of(lambda: select_main(["--model-type", "bert", "--json"])) == 2
    assert "HF_ENDPOINT" in one_line(capsys.readouterr().err)
    with pytest.raises(ValueError, match="HF_ENDPOINT"):
        RuntimeSettings.from_env({"HF_ENDPOINT": endpoint})


def test_an_existing_generated_file_that_is_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "test_hf_bert.py"
    os.mkfifo(fifo)
    done = run_python(f"""
        from hf_testgen.generation.render import write_test
        from hf_testgen.core.errors import GenerationError
        try:
            write_test("# x\\n", {str(fifo)!r})
        except GenerationError as err:
            print("refused:", err)
    """, timeout=20)  # fmt: skip
    assert "refused:" in done.stdout and "not a regular file" in done.stdout
    assert fifo.is_fifo()


def test_a_huge_existing_generated_file_is_not_read_whole(tmp_path):
    huge = tmp_path / "test_hf_bert.py"
    with open(huge, "wb") as handle:  # sparse: 3 GB that take no disk
        handle.write(b"# Generated by hf-testgen\n")
        handle.truncate(3 * 1024**3)
    done = run_python(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
        from hf_testgen.generation.render import write_test
        from hf_testgen.core.errors import GenerationError
        try:
            write_test("# x\\n", {str(huge)!r})
            print("outcome: written")
        except GenerationError as err:
            print("outcome: refused", err)
    """, timeout=60)  # fmt: skip
    assert "outcome:" in done.stdout, done.stderr[-2000:]


@pytest.mark.parametrize("kind", ["fifo", "huge"])
def test_hf_testgen_golden_that_is_a_fifo_or_huge_is_refused(tmp_path, kind):
    path = tmp_path / "goldens.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        with open(path, "wb") as handle:
            handle.truncate(3 * 1024**3)
    done = run_python(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
        from hf_testgen.testing import goldens
        try:
            goldens.lookup({str(path)!r}, "k", "r")
        except ValueError as err:
            print("refused:", err)
    """, timeout=20)  # fmt: skip
    assert "refused:" in done.stdout and str(path) in done.stdout, done.stderr[-2000:]
    assert "regular file" in done.stdout or "limit" in done.stdout


# --- cause 7: outside values trusted ---------------------------------------------------------------
@pytest.mark.parametrize("model_id", ["evil/ｘｙｚ", "org/model١٢٣", "ſtrange/model", "org/naïve"])
def test_ids_are_ascii_by_the_hubs_grammar(model_id):
    with pytest.raises(ValueError, match="invalid model id"):
        validate_model_id(model_id)


def hub_candidate(**fields):
    from huggingface_hub.hf_api import ModelInfo

    return ModelCandidate.from_model_info(ModelInfo(**hub_record(GOOD, "bert", **fields)), model_type="bert")


def test_a_weight_file_of_negative_size_is_rejected():
    siblings = [{"rfilename": "config.json"}, {"rfilename": "model.safetensors", "size": -40_000_000_000}]
    with pytest.raises(ValueError, match="size"):
        hub_candidate(siblings=siblings)


def test_used_storage_true_is_not_a_size_bound():
    assert hub_candidate(usedStorage=True).used_storage is None


@pytest.mark.parametrize("parameters", [{"F32": 10**40}, {"F32": -5}])
def test_hub_parameter_counts_out_of_range_are_refused(parameters):
    with pytest.raises(ValueError, match="parameters"):
        hub_candidate(safetensors={"parameters": parameters, "total": 1})


def test_a_registry_dated_9999_is_stale_and_future_dates_do_not_win(tmp_path):
    row = candidate_row("org/future", "bert", last_modified="9999-12-31T00:00:00Z")
    path = write_registry(tmp_path / "r.json", registry_dict({"bert": [row]}, updated="9999-12-31T00:00:00Z"))
    selection = selected(path)
    assert any("future" in w and "update-registry" in w for w in warnings(selection))
    candidate = load_registry(path).candidates("bert")[0]
    assert candidate.last_modified <= datetime.now(timezone.utc)


def test_schema_version_true_is_refused(tmp_path):
    data = registry_dict({"bert": [candidate_row(GOOD, "bert")]})
    data["schema_version"] = True
    with pytest.raises(RegistryError, match="schema_version"):
        load_registry(write_registry(tmp_path / "r.json", data))


def test_duplicate_keys_and_case_variants_of_an_id_are_noticed(tmp_path):
    upper = json.dumps(candidate_row(GOOD.upper(), "bert"))
    dup = json.dumps(candidate_row("org/other", "bert"))[:-1] + ', "downloads": 99999999}'
    selection = selected(registry_text(tmp_path, f", {upper}, {dup}"))
    found = warnings(selection)
    assert any("listed twice" in w and GOOD.upper() in w for w in found)
    assert any("duplicate key" in w and "downloads" in w for w in found)
    registry = load_registry(tmp_path / "registry.json")
    assert [c.model_id for c in registry.candidates("bert")] == [GOOD, "org/other"]
    assert registry.candidates("bert")[1].downloads == 1000  # the first of the two keys is kept


@pytest.mark.parametrize("bad", ["../../../etc/passwd", "org/ｘ", "a/b/c"])
def test_a_results_line_model_id_is_validated_and_never_stored(tmp_path, bad):
    lines = write_lines(tmp_path / "r.jsonl", [result_row(), result_row(model_id=bad)])
    bench = tmp_path / "b.json"
    report = merge_results_files(bench, [lines])
    assert report.new_samples == 1 and any("r.jsonl:2" in w and "model_id" in w for w in report.warnings)
    assert bad not in bench.read_text(encoding="utf-8") and list(json.loads(bench.read_text())["measured"]) == [
        "org/bert"
    ]


def test_a_nan_measured_time_does_not_skew_sharding():
    entry = {"model_type": "bert", "device": "cpu", "load_seconds": "nan", "inference_seconds": 1.0}
    ok = {"model_type": "gpt2", "device": "cpu", "load_seconds": 2.0, "inference_seconds": 1.0}
    seconds = shards.measured_seconds({"measured": {"org/bert": [entry], "org/gpt2": [ok]}})
    assert seconds == {"gpt2": 3.0}
    names = [f"type{n}" for n in range(20)] + ["gpt2"]
    assert all(shards.assign(names, 4, {**seconds, "type0": float("nan")}))


@pytest.mark.parametrize(("name", "value"), [("HF_TESTGEN_SEMANTIC", "O"), ("HF_HUB_OFFLINE", "of")])
def test_a_misspelt_runtime_boolean_is_refused(name, value):
    with pytest.raises(ValueError, match=name):
        RuntimeSettings.from_env({name: value})
    assert RuntimeSettings.from_env({name: "off"}) == RuntimeSettings.from_env({name: "0"})


# --- cause 4: results dated in the future, torn lines ----------------------------------------------
def test_results_dated_9999_do_not_evict_real_samples(tmp_path):
    bench = tmp_path / "b.json"
    real = [result_row(inference_seconds=float(n), date=f"2026-11-{n + 1:02d}") for n in range(MAX_SAMPLES)]
    merge_results_files(bench, [write_lines(tmp_path / "real.jsonl", real)], today="2026-11-27")
    forged = [result_row(inference_seconds=99.0 + n, date="9999-12-31") for n in range(MAX_SAMPLES)]
    report = merge_results_files(bench, [write_lines(tmp_path / "forged.jsonl", forged)], today="2026-11-27")
    assert report.new_samples == 0 and any("future" in w for w in report.warnings)
    (entry,) = json.loads(bench.read_text())["measured"]["org/bert"]
    assert entry["inference_seconds"] == 7.0 and entry["date"] == "2026-11-15"


def test_a_full_disk_leaves_no_torn_results_line(tmp_path):
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(result_row()) + "\n")
    size = results.stat().st_size
    done = run_python(f"""
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({size + 50}, {size + 50}))  # a disk that fills mid-line
        from hf_testgen.testing.results import append_line
        try:
            append_line({str(results)!r}, {{"model_id": "org/bert", "pad": "x" * 300}})
        except OSError as err:
            print("failed:", err)
    """)  # fmt: skip
    assert "failed:" in done.stdout, done.stderr
    assert results.stat().st_size == size  # the partial line was taken back


def test_the_merge_skips_one_torn_line_with_a_warning(tmp_path, capsys):
    torn = json.dumps(result_row(inference_seconds=9.0))[:40]
    lines = write_lines(tmp_path / "r.jsonl", [result_row(), result_row(load_seconds=7.0)])
    with open(lines, "a") as handle:
        handle.write(torn)
    bench = tmp_path / "b.json"
    assert find_main(["--merge-results", str(lines), "--benchmarks", str(bench)]) == 0
    assert f"{lines}:3: not JSON" in capsys.readouterr().err
    assert json.loads(bench.read_text())["measured"]["org/bert"][0]["runs"] == 2


# --- cause 9: slow paths ---------------------------------------------------------------------------
def test_merging_20000_lines_for_one_model_is_linear(tmp_path):
    rows = [result_row(revision=f"{n:040x}", inference_seconds=0.5) for n in range(20_000)]
    lines = write_lines(tmp_path / "r.jsonl", rows)
    done = run_python(f"""
        from hf_testgen.suite.merge import merge_results_files
        print(merge_results_files(__import__("pathlib").Path({str(tmp_path / "b.json")!r}), [{str(lines)!r}]).entries)
    """, timeout=40)  # fmt: skip  # minutes before the fix, a second or two after
    assert done.stdout.strip() == "20000", done.stderr[-2000:]


def test_a_120kb_junit_test_name_is_parsed_at_once():
    from hf_testgen.suite.coverage import junit_cases

    name = "test_x" + "[-" * 60_000 + "]x"  # 120 KB: every "[" starts a search that scans to the end
    xml = f'<testsuite><testcase classname="out.test_hf_bert" name="{name}"/>' + (
        '<testcase classname="out.test_hf_bert" name="test_y[fill-cpu]"/></testsuite>'
    )
    done = run_python(f"""
        from hf_testgen.suite.coverage import junit_cases
        print([(c.model_type, c.device) for c in junit_cases({xml!r}, "j.xml")])
    """, timeout=20)  # fmt: skip  # 31 s and more before the fix
    assert done.stdout.strip() == "[('bert', 'cpu')]", done.stderr[-2000:]
    assert [c.device for c in junit_cases(xml.replace("]x", "-cpu]"), "j.xml")] == ["cpu", "cpu"]


def test_candidate_lookup_indexes_benchmarks_once(tmp_path):
    path = tmp_path / "b.json"
    models = {f"org/m{n}": [{"task": "t", "metric": "m", "value": 1.0}] for n in range(20_000)}
    path.write_text(json.dumps({"schema_version": 1, "models": models}))
    done = run_python(f"""
        from pathlib import Path
        from hf_testgen.facts.benchmarks import load_benchmarks
        b = load_benchmarks(Path({str(path)!r}))
        print(sum(len(b.for_model(f"org/x{{n}}")) + len(b.measured_for(f"org/y{{n}}")) for n in range(100_000)),
              len(b.for_model("org/m7")))
    """, timeout=30)  # fmt: skip  # each lookup scanned the 1 MB text: minutes before
    assert done.stdout.split() == ["0", "1"], done.stderr[-2000:]


def test_10000_bad_rows_give_one_collapsed_warning(tmp_path):
    bad = "".join(f', {{"id": "org/bad{n}", "downloads": -1}}' for n in range(10_000))
    selection = selected(registry_text(tmp_path, bad))
    rows = [w for w in warnings(selection) if "candidates[" in w or "like these" in w]
    assert len(rows) <= 5 and any("10,000" in w for w in rows)
