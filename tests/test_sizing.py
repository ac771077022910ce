"""Sizes: every method, its order, and the substring traps of the size ladder."""

from __future__ import annotations

import pytest

from hf_testgen.core.records import SizeEstimate, WeightFile
from hf_testgen.facts.sizing import (
    dtype_bytes,
    estimate_model_size,
    parameters_from_name,
    size_from_safetensors,
    size_word,
    weights_at,
)


def test_safetensors_counts_times_dtype_bytes():
    size = size_from_safetensors([("F32", 124_056_578), ("I64", 514)])
    assert size == SizeEstimate(bytes=124_056_578 * 4 + 514 * 8, method="safetensors", detail=size.detail)
    assert size.exact


def test_safetensors_total_that_disagrees_with_the_sum_is_not_trusted():
    size = size_from_safetensors([("BF16", 1_000)], total=999_999)
    assert size.bytes == 2_000
    assert "disagrees" in size.detail


def test_unknown_dtype_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="F12"):
        dtype_bytes("F12")


@pytest.mark.parametrize(
    ("files", "expected_bytes", "expected_detail"),
    [
        # safetensors wins over .bin and .h5; only one format is counted
        ([("model.safetensors", 100), ("pytorch_model.bin", 110), ("tf_model.h5", 120)], 100, "safetensors"),
        # shards are summed; the index json is not a weight file
        (
            [
                ("model-00001-of-00002.safetensors", 60),
                ("model-00002-of-00002.safetensors", 40),
                ("model.safetensors.index.json", 1),
            ],
            100,
            "2 safetensors",
        ),
        # a precision variant duplicates the weights and is not added
        ([("model.safetensors", 100), ("model.fp16.safetensors", 50)], 100, "1 safetensors"),
        ([("pytorch_model.bin", 300), ("flax_model.msgpack", 290)], 300, "pytorch"),
        ([("tf_model.h5", 120), ("README.md", 3)], 120, "tensorflow"),
        ([("flax_model.msgpack", 90)], 90, "flax"),
        ([("onnx/model.onnx", 70)], 70, "onnx"),
    ],
)
def test_weight_file_sizes(files, expected_bytes, expected_detail):
    siblings = [WeightFile(name, size) for name, size in files]
    size = estimate_model_size("org/model", siblings=siblings)
    assert size.method == "weight_files"
    assert size.bytes == expected_bytes
    assert expected_detail in size.detail


def test_weight_files_without_sizes_fall_through_to_the_name():
    size = estimate_model_size("facebook/opt-125m", siblings=[WeightFile("pytorch_model.bin", None)])
    assert size.method == "name"


@pytest.mark.parametrize(
    ("model_id", "params"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", 8e9),
        ("EleutherAI/gpt-neo-1.3B", 1.3e9),
        ("facebook/opt-125m", 125e6),
        ("mistralai/Mixtral-8x7B-v0.1", 56e9),
        ("org/model-350M", 350e6),
        ("google-bert/bert-base-uncased", None),
        ("openai-community/gpt2", None),  # "2" has no unit
        ("google/vit-base-patch16-224", None),
        ("org/llama3b-merge", None),  # "3b" is not a whole token
    ],
)
def test_parameter_count_in_the_id(model_id, params):
    assert parameters_from_name(model_id) == params


@pytest.mark.parametrize(
    ("model_id", "word"),
    [
        ("google-bert/bert-base-uncased", "base"),
        ("google-t5/t5-small", "small"),
        ("google/flan-t5-large", "large"),
        ("google/t5-v1_1-xl", "xl"),
        ("google/t5-v1_1-xxl", "xxl"),
        ("openai/whisper-tiny.en", "tiny"),
        # the traps: a size word inside a longer word is not a size word
        ("FacebookAI/xlm-roberta-longformer", None),
        ("org/database-model", None),
        ("org/gemini-clone", None),
        ("sentence-transformers/all-MiniLM-L6-v2", None),
        ("org/smallville-lm", None),
        ("org/xlnet-cased", None),
    ],
)
def test_size_word_is_a_whole_token(model_id, word):
    assert size_word(model_id) == word


def test_xlm_is_not_xl_so_the_type_size_is_used():
    size = estimate_model_size("FacebookAI/xlm-roberta", model_type="xlm-roberta")
    assert size.method == "typical"
    assert size.mb == 2_250


def test_methods_are_tried_in_order():
    with_params = estimate_model_size(
        "org/bert-large-7b", parameters=[("F32", 10)], siblings=[WeightFile("model.safetensors", 999)]
    )
    assert with_params.method == "safetensors"
    assert estimate_model_size("org/bert-large-7b").method == "name"
    assert estimate_model_size("org/bert-large").method == "size_word"
    assert estimate_model_size("org/bert", model_type="bert").method == "typical"


# --- a size is the weights' memory at the dtype the test loads them in ------------------------------
GB = 1_000_000_000


@pytest.mark.parametrize(
    ("stored", "load", "mb"),
    [
        ("bfloat16", "auto", 14_000.0),  # a bf16 7B model loads in bf16 by default: 14 GB, not 28
        ("bfloat16", "float32", 28_000.0),
        ("bfloat16", "float16", 14_000.0),
        ("float32", "auto", 14_000.0),
        ("float32", "bfloat16", 7_000.0),
    ],
)
def test_exact_size_follows_the_load_dtype(stored, load, mb):
    size = weights_at(SizeEstimate(bytes=14 * GB, method="safetensors"), stored, load)
    assert size.mb == mb
    assert size.bound == "exact"
    assert size.dtype == (stored if load == "auto" else load)


def test_unknown_stored_dtype_converts_as_if_narrowest_and_becomes_an_upper_bound():
    files = SizeEstimate(bytes=2 * GB, method="weight_files")
    as_stored = weights_at(files, None, "auto")
    assert (as_stored.mb, as_stored.bound) == (2_000.0, "exact")  # auto loads what is stored: the files' bytes
    widened = weights_at(files, None, "float32")
    assert (widened.mb, widened.bound) == (4_000.0, "upper")  # it may have been fp16: never understated
    narrowed = weights_at(files, None, "bfloat16")
    assert narrowed.mb == 2_000.0  # it may have been bf16 already: not halved


def test_a_parameter_count_of_unknown_dtype_is_counted_at_four_bytes():
    count = SizeEstimate(bytes=4 * GB, method="param_count")  # 1B params x 4 bytes (dtype unknown)
    assert weights_at(count, None, "auto").mb == 4_000.0
    assert weights_at(count, None, "bfloat16").mb == 2_000.0
    assert weights_at(count, None, "bfloat16").bound == "upper"


def test_estimates_are_figured_at_fp32_and_scale_to_the_stored_or_asked_dtype():
    named = estimate_model_size("org/model-7b")
    assert weights_at(named, None, "auto").mb == named.mb
    assert weights_at(named, "bfloat16", "auto").mb == pytest.approx(named.mb / 2, abs=0.1)
    assert weights_at(named, None, "float16").bound == "estimate"


def test_a_default_config_count_is_only_an_estimate():
    """A type's default config says nothing about another checkpoint's size (Intel/dpt-large is ~3x it)."""
    assert SizeEstimate(bytes=491_600_000, method="default_config").bound == "estimate"
    assert SizeEstimate(bytes=491_600_000, method="config_params").bound == "upper"  # the checkpoint's own config


def test_page_sizes_rounded_up_are_an_upper_bound():
    assert SizeEstimate(bytes=1_125_000_000, method="page_files").bound == "upper"


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("Qwen/Qwen1.5-MoE-A2.7B", None),  # only the active count: says nothing about the total
        ("Qwen/Qwen3-30B-A3B", 30e9),  # the total, the active count ignored
        ("microsoft/Phi-3-mini-4k-instruct", None),  # 4k is a context length
        ("meta-llama/Llama-3.1-8B-Instruct-128k", 8e9),
        ("stabilityai/stablelm-2-1_6b", 1.6e9),
        ("mistralai/Mixtral-8x7B-v0.1", 56e9),
        ("facebook/opt-125m", 125e6),
        ("microsoft/bitnet-b1.58-2B-4T", 2e9),  # 4T: the training tokens beside a 2B count
        ("org/model-1T", 1e12),  # alone, a T count is parameters
    ],
)
def test_parameters_from_name_reads_only_totals(model_id, expected):
    assert parameters_from_name(model_id) == expected


@pytest.mark.parametrize(
    ("model_id", "model_type", "real_mb"),
    [
        ("openai/whisper-tiny", "whisper", 151),
        ("facebook/convnext-tiny-224", "convnext", 114),
        ("google/mt5-small", "mt5", 1_200),
        ("albert/albert-xxlarge-v2", "albert", 893),
        ("allenai/OLMoE-1B-7B-0924", "olmoe", 13_838),
        ("EleutherAI/gpt-j-6B", "gptj", 24_200),
    ],
)
def test_estimates_are_not_below_the_real_size(model_id, model_type, real_mb):
    """Real sizes (published weight files) that the first version understated, some by 7x."""
    size = estimate_model_size(model_id, model_type=model_type)
    assert size.mb >= real_mb and size.bound == "estimate"


def test_used_storage_is_an_upper_bound_below_exact_sizes():
    assert estimate_model_size("org/m", used_storage=900_000_000).bound == "upper"
    exact = estimate_model_size("org/m", parameters=[("F32", 10)], used_storage=900_000_000)
    assert exact.method == "safetensors"
