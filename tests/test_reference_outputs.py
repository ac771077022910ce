"""Reference outputs from transformers' integration tests: the shipped table, the generated files, and the proof
that a random model served under a real checkpoint's id fails `test_reference_output`."""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from pathlib import Path

import pytest

from hf_testgen.facts import reference
from hf_testgen.generation.render import GenerationSpec, render_test

TABLE = Path(reference.__file__).parent.parent / "data" / "reference_outputs.json"
TEST_ID_RE = re.compile(r"tests/(models/[\w]+/test_modeling_\w+|pipelines/test_pipelines_\w+)\.py::\w+::test\w*")


def _numbers(values) -> list[float]:
    if isinstance(values, list):
        return [number for value in values for number in _numbers(value)]
    assert isinstance(values, (int, float)) and not isinstance(values, bool), values
    return [values]


def test_every_case_names_its_upstream_test_commit_inputs_and_tolerance():
    document = json.loads(TABLE.read_text(encoding="utf-8"))
    assert re.fullmatch(r"[0-9a-f]{40}", document["source"]["commit"])
    assert document["generated_by"] == "scripts/mine_reference_outputs.py"
    cases = [case for cases in document["outputs"].values() for case in cases]
    assert len(document["outputs"]) >= 100 and len(cases) >= 130
    for case in cases:
        assert TEST_ID_RE.fullmatch(case["test"]), case["test"]
        assert case["args"] + case["kwargs"], case
        if case["kind"] == "pipeline":  # pipeline(task, model=<id>) on literal inputs, nested_simplify's rounding
            assert case["test"].startswith("tests/pipelines/") and case["task"] and case["decimals"] >= 0, case
            assert case["expected_output"] and not re.search(r"https?://", json.dumps(case["args"])), case
            continue
        assert case["class"][0].isupper(), case
        if case["kind"] == "forward":
            assert case["output"], case  # [0], "logits", ...: never the bare output object
            assert all(math.isfinite(x) for values in case["expected"].values() for x in _numbers(values)), case
            assert 0 <= case["atol"] <= 1 and 0 <= case["rtol"] <= 1, case
        else:
            assert case["kind"] in ("generate_ids", "generate_text"), case


def test_shipped_photo_is_the_fixture_the_upstream_tests_open():
    document = json.loads(TABLE.read_text(encoding="utf-8"))
    photos = {
        arg["image"]
        for cases in document["outputs"].values()
        for case in cases
        for _, spec in case["kwargs"]
        for arg in (spec.get("preprocess") or {}).get("kwargs", {}).values()
        if isinstance(arg, dict)
    }
    assert photos == {"coco_cats.png"}
    data = (Path(reference.__file__).parent.parent / "testing" / "data" / "coco_cats.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) == 694_498  # byte for byte transformers' fixture


def _miner():
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "scripts" / "mine_reference_outputs.py"
    if str(path.parent) not in sys.path:  # it imports its sibling scripts by name (scripts/_common.py)
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location("mine_reference_outputs", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


MINED_SOURCE = """
class FooModelIntegrationTest(unittest.TestCase):
    @slow
    def test_inference(self):
        model = FooModel.from_pretrained("org/foo-base").to(torch_device)
        input_ids = torch.tensor([[5, 6, 7]])
        with torch.no_grad():
            output = model(input_ids, attention_mask=torch.tensor([[1, 1, 1]]))[0]
        expected_slice = torch.tensor([[[0.1, 0.2], [0.3, 0.4]]])
        torch.testing.assert_close(output[:, :2, 1:3], expected_slice, rtol=1e-3, atol=2e-3)

    @slow
    def test_inference_fp16(self):
        model = FooModel.from_pretrained("org/foo-base", dtype=torch.float16)
        output = model(torch.tensor([[5, 6, 7]]))[0]
        torch.testing.assert_close(output[:, :1, :1], torch.tensor([[[0.5]]]), atol=1e-2, rtol=1e-2)

    @slow
    def test_inference_changed(self):
        model = FooModel.from_pretrained("org/foo-base")
        model.config.output_scale = 2.0
        output = model(torch.tensor([[5, 6, 7]]))[0]
        torch.testing.assert_close(output[:, :1, :1], torch.tensor([[[0.5]]]), atol=1e-2, rtol=1e-2)
"""


def test_the_miner_keeps_a_faithful_case_and_drops_a_half_precision_or_changed_model():
    cases = _miner().mine_file("tests/models/foo/test_modeling_foo.py", MINED_SOURCE)
    assert [case["test"].rsplit("::", 1)[1] for case in cases] == ["test_inference"]
    case = cases[0]
    assert (case["checkpoint"], case["class"], case["load"]) == ("org/foo-base", "FooModel", {"dtype": "auto"})
    assert case["args"] == [{"tensor": [[5, 6, 7]], "dtype": "long"}]
    assert case["kwargs"] == [["attention_mask", {"tensor": [[1, 1, 1]], "dtype": "long"}]]
    assert (case["output"], case["index"]) == ([0], [[None, None, None], [None, 2, None], [1, 3, None]])
    assert case["expected"] == {"default": [[[0.1, 0.2], [0.3, 0.4]]]}
    assert (case["rtol"], case["atol"], case["compare"]) == (1e-3, 2e-3, "assert_close")


MINED_PATTERNS = """
def _long_tensor(tok_lst):
    return torch.tensor(tok_lst, dtype=torch.long, device=torch_device)


def prepare_img():
    image = Image.open("./tests/fixtures/tests_samples/COCO/000000039769.png")
    return image


class BarIntegrationTest(unittest.TestCase):
    tokenizer = None

    @classmethod
    def setUpClass(cls):
        cls.tokenizer = AutoTokenizer.from_pretrained("org/bar", use_fast=False)

    def get_model(self):
        model_id = "org/bar"
        return BarModel.from_pretrained(model_id)

    @slow
    def test_inference_no_head(self):
        model = BarModel.from_pretrained("org/bar").to(torch_device)
        input_ids = _long_tensor([2 * [0, 31414] + [2]])
        attention_mask = input_ids.ne(model.config.pad_token_id)
        output = model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        torch.testing.assert_close(torch.tensor([[0.5]]), output[0, :1, :1], rtol=1e-3, atol=1e-3)

    @slow
    def test_logits(self):
        model = self.get_model()
        inputs = {"input_ids": torch.tensor([1, 2, 3], dtype=torch.long).reshape(1, -1)}
        output = model(**inputs).logits
        self.assertEqual(torch.argmax(output, dim=-1).tolist(), [[4, 5, 6]])
        predicted = torch.argmax(output, dim=2)
        assert torch.allclose(predicted, torch.tensor([[4, 5, 6]]))

    @slow
    def test_segmentation(self):
        image_processor = BarImageProcessorPil(size=64)
        model = BarForSemanticSegmentation.from_pretrained("org/bar")
        inputs = image_processor(images=prepare_img(), return_tensors="pt")
        output = model(inputs.pixel_values)
        torch.testing.assert_close(output.logits[0, :1, :1, :1], torch.tensor([[[0.1]]]), rtol=1e-4, atol=1e-4)

    @slow
    def test_generation(self):
        model = BarForCausalLM.from_pretrained("org/bar")
        input_ids = self.tokenizer("Hello", return_tensors="pt").input_ids.to(model.device)
        out = model.generate(input_ids, max_new_tokens=3, do_sample=False)
        text = self.tokenizer.batch_decode(out, skip_special_tokens=True)[0]
        self.assertEqual(text, "Hello world")
"""


def test_the_miner_follows_helpers_attention_masks_input_dicts_argmax_built_processors_and_decoded_rows():
    mined = _miner().mine_file("tests/models/bar/x.py", MINED_PATTERNS)
    cases = {case["test"].rsplit("::", 1)[1]: case for case in mined}
    mask = cases["test_inference_no_head"]
    assert mask["kwargs"] == [
        ["input_ids", {"tensor": [[0, 31414, 0, 31414, 2]], "dtype": "long"}],
        ["attention_mask", {"not_equal": {"tensor": [[0, 31414, 0, 31414, 2]], "dtype": "long"},
                            "other": {"config": "pad_token_id"}}],
    ]
    assert (mask["output"], mask["index"], mask["expected"]) == (["last_hidden_state"], [0, [None, 1, None],
                                                                  [None, 1, None]], {"default": [[0.5]]})
    argmax = cases["test_logits"]  # the allclose one (the .tolist() equality is not replayed)
    assert (argmax["argmax"], argmax["kwargs"], argmax["rtol"]) == (2, [["input_ids", {"tensor": [[1, 2, 3]],
                                                                    "dtype": "long"}]], 1e-5)
    built = cases["test_segmentation"]["args"][0]["preprocess"]
    assert (built["class"], built["init"], built["kwargs"]) == ("BarImageProcessorPil", {"size": 64},
                                                              {"images": {"image": "coco_cats.png"}})
    generation = cases["test_generation"]
    assert (generation["kind"], generation["row"], generation["expected_text"]) == ("generate_text", 0, "Hello world")
    tokenizer = generation["args"][0]["preprocess"]
    assert (tokenizer["class"], tokenizer["options"]) == ("AutoTokenizer", {"use_fast": False})  # loaded as upstream


def test_an_argmax_equality_is_an_exact_forward_case():
    source = MINED_PATTERNS.replace("self.assertEqual(torch.argmax(output, dim=-1).tolist(), [[4, 5, 6]])",
                                    "self.assertEqual(torch.argmax(output[0, 1]), 5)")
    cases = [c for c in _miner().mine_file("tests/models/bar/x.py", source) if c["test"].endswith("test_logits")]
    exact = [case for case in cases if case["rtol"] == 0.0]
    assert len(exact) == 1 and exact[0]["argmax"] is None and exact[0]["expected"] == {"default": 5}
    assert exact[0]["index"] == [0, 1]


def test_a_legacy_id_is_keyed_under_the_one_namespaced_registry_id_of_its_name():
    aliases = _miner().aliases(
        {"distilbert-base-uncased", "gpt2"}, {"distilbert/distilbert-base-uncased", "a/gpt2", "b/gpt2"}
    )
    assert aliases == {"distilbert-base-uncased": "distilbert/distilbert-base-uncased"}  # gpt2: two candidates


def _spec(model_type: str, task: str, model_id: str) -> GenerationSpec:
    return GenerationSpec(model_type, model_id, None, task, _family(model_type, task), "registry", None, None, "x")


def _family(model_type: str, task: str) -> str:
    from hf_testgen.facts.families import resolve_head

    return resolve_head(model_type, task).family.name


def test_the_generated_file_of_a_checkpoint_with_cases_replays_them_and_others_do_not():
    text = render_test(_spec("bert", "fill-mask", "google-bert/bert-base-uncased"))
    assert "def test_reference_output(loaded_model, device, reference):" in text
    assert '"tests/models/bert/test_modeling_bert.py::BertModelIntegrationTest::' in text
    assert reference.source()["commit"] in text
    other = render_test(_spec("bert", "fill-mask", "dbmdz/bert-base-german-cased"))
    assert "test_reference_output" not in other and "REFERENCE_TESTS" not in other


def test_at_least_eighty_five_types_default_files_carry_reference_outputs(tmp_path, monkeypatch):
    """The default pick of each type (static registry, --all): how many files replay upstream outputs."""
    from hf_testgen.cli.main import generate_main

    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")

    code = generate_main(["--all", "--hardware", "none", "--output-dir", str(tmp_path)])
    assert code in (0, 1)
    files = sorted(tmp_path.glob("test_hf_*.py"))
    with_reference = [path for path in files if "def test_reference_output(" in path.read_text(encoding="utf-8")]
    assert len(files) >= 300
    assert len(with_reference) >= 85, len(with_reference)  # 86 of 371 at transformers decba1d (65 before)


# --- a random model under a real id ----------------------------------------------------------------------
torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("PIL")

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import generate_file, run_generated, without_testgen_variables
    from tiny_models import build_random_bert_pretraining, build_tiny_model
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import generate_file, run_generated, without_testgen_variables
    from tests.tiny_models import build_random_bert_pretraining, build_tiny_model

# (type, task, the real checkpoint id whose upstream cases the file replays)
IMPOSTORS = (
    ("bert", "fill-mask", "google-bert/bert-base-uncased"),  # literal input_ids, BertModel output[0][:, 1:4, 1:4]
    ("vit", "image-classification", "google/vit-base-patch16-224"),  # image processor on the COCO photo, logits
    # _long_tensor([...]) ids and input_ids.ne(model.config.pad_token_id) as the mask, read from the served config
    ("bart", "summarization", "facebook/bart-large"),
    # a pipeline test: zero-shot-image-classification on the COCO photo, scores rounded by nested_simplify
    ("clip", "zero-shot-image-classification", "openai/clip-vit-base-patch32"),
)
BART_VOCAB = 50265  # facebook/bart-large's: its upstream ids (46078) index the random model's embeddings
FAILED_RE = re.compile(r"^FAILED (\S+)::test_reference_output\[cpu\]", re.MULTILINE)
# the assertion line of a failed replay: the upstream test it replays, then torch's comparison
MISMATCH_RE = re.compile(
    r"^E +AssertionError: (tests/\S+::test\w*): (?:Tensor-likes are not close!|pipeline gave \[)", re.MULTILINE
)


def _serve(hub, repo_id: str, model_type: str, task: str, files: dict[str, bytes]) -> str:
    sha = hashlib.sha1(repo_id.encode()).hexdigest()
    hub.publish_checkpoint(repo_id, sha, model_type, task, files)
    return sha


@pytest.mark.e2e
def test_a_random_model_served_under_a_real_checkpoint_id_fails_test_reference_output(local_hub, hub_env, tmp_path):
    generated = []
    for model_type, task, repo_id in IMPOSTORS:
        folder = tmp_path / "models" / model_type
        if model_type == "bert":
            files = build_random_bert_pretraining(folder)
        elif model_type == "bart":
            files = _random_bart(folder)
        else:
            files = build_tiny_model(model_type, folder)
        sha = _serve(local_hub, repo_id, model_type, task, files)
        out_dir = tmp_path / "generated" / model_type
        generated.append(generate_file(out_dir, model_type, task, repo_id, "--revision", sha))
    counts, _, output = run_generated(generated, without_testgen_variables(hub_env), tmp_path)
    failed = FAILED_RE.findall(output)
    assert sorted(Path(path).name for path in failed) == sorted(path.name for path in generated), output[-6000:]
    mismatches = set(MISMATCH_RE.findall(output))  # the values tell the impostor apart, not a load error
    expected = {test for _, _, repo_id in IMPOSTORS for test in reference.reference_tests(repo_id)}
    assert mismatches == expected, output[-6000:]
    for _, _, repo_id in IMPOSTORS:  # the file loaded the served repository at its pinned sha
        assert local_hub.requests(f"/{repo_id}/resolve/{hashlib.sha1(repo_id.encode()).hexdigest()}/"), repo_id


def _random_bart(folder: Path) -> dict[str, bytes]:
    """The tiny random BART checkpoint with facebook/bart-large's vocabulary size (its tokenizer files kept)."""
    from transformers import BartConfig, BartForConditionalGeneration

    build_tiny_model("bart", folder)
    config = BartConfig.from_pretrained(folder)
    config.vocab_size = BART_VOCAB
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(folder)
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


def _case(output: list) -> dict:
    return {
        "kind": "forward",
        "class": "BertModel",
        "load": {"dtype": "auto"},
        "args": [{"tensor": [[2, 5, 6, 3]], "dtype": "long"}],
        "kwargs": [],
        "output": output,
        "index": [0, [None, 1, None], [None, 2, None]],
        "expected": {"default": [[0.0, 0.0]]},
        "rtol": 1e-4,
        "atol": 1e-4,
        "compare": "assert_close",
        "test": "tests/models/bert/test_modeling_bert.py::Example::test_x",
    }


def test_a_checkpoint_without_a_pooler_replays_hidden_states_but_not_the_pooler_output(tmp_path):
    from hf_testgen.testing.loading import LoadFailure, load
    from hf_testgen.testing.reference import Replayer
    from hf_testgen.testing.settings import RuntimeSettings, Target

    build_tiny_model("bert", tmp_path / "bert")  # BertForMaskedLM: no pooler weights
    target = Target("bert", "fill-mask", str(tmp_path / "bert"), None, None, "google-bert/bert-base-uncased")
    replayer = Replayer(load(target, RuntimeSettings()), target)
    problems = replayer.problems(_case([0]), "cpu")  # loads as BertModel; the values decide
    assert len(problems) == 1 and "Tensor-likes are not close" in problems[0], problems
    with pytest.raises(LoadFailure, match="pooler"):
        replayer.problems(_case([1]), "cpu")  # pooler_output would be read from random weights


def test_the_replayer_builds_masks_filled_tensors_and_reductions_as_the_upstream_code_did(tmp_path):
    """Each new input and output form, replayed on a tiny BERT, against the values the upstream statements give
    there (`ids.ne(model.config.pad_token_id)`, `torch.ones(size) * 0.5`, `torch.argmax(x, dim=2)`, `x.mean(-1)`)."""
    from transformers import BertForMaskedLM

    from hf_testgen.testing.loading import load
    from hf_testgen.testing.reference import Replayer
    from hf_testgen.testing.settings import RuntimeSettings, Target

    build_tiny_model("bert", tmp_path / "bert")
    model = BertForMaskedLM.from_pretrained(tmp_path / "bert").eval()
    ids = [[2, 5, 6, 0, 0]]
    with torch.no_grad():
        logits = model(torch.tensor(ids), attention_mask=torch.tensor(ids).ne(model.config.pad_token_id)).logits
        embeds = model(inputs_embeds=torch.ones(size=(1, 4, model.config.hidden_size)) * 0.5).logits
    ids_spec = {"tensor": ids, "dtype": "long"}
    mask = {"not_equal": ids_spec, "other": {"config": "pad_token_id"}}
    base = {**_case(["logits"]), "class": "BertForMaskedLM", "args": [], "index": None, "rtol": 0.0, "atol": 0.0}
    masked = {**base, "kwargs": [["input_ids", ids_spec], ["attention_mask", mask]]}
    full = {**base, "kwargs": [["inputs_embeds", {"full": [1, 4, model.config.hidden_size], "fill": 0.5,
                                                 "dtype": "float"}]], "rtol": 1e-5, "atol": 1e-5}
    cases = [
        ({**masked, "argmax": 2}, logits.argmax(dim=2).tolist()),
        ({**masked, "mean": -1, "rtol": 1e-5, "atol": 1e-5}, logits.mean(-1).tolist()),
        ({**full, "index": [0, [None, 2, None], [None, 3, None]]}, embeds[0, :2, :3].tolist()),
    ]
    target = Target("bert", "fill-mask", str(tmp_path / "bert"), None, None, "google-bert/bert-base-uncased")
    replayer = Replayer(load(target, RuntimeSettings()), target)
    for case, values in cases:
        assert replayer.problems({**case, "expected": {"default": values}}, "cpu") == [], case
        shifted = _numbers(values)[0] + 1  # one value off: the replay must notice
        wrong = json.loads(json.dumps(values).replace(json.dumps(_numbers(values)[0]), json.dumps(shifted), 1))
        assert replayer.problems({**case, "expected": {"default": wrong}}, "cpu"), case
