"""Sizes: every method, its order, and the substring traps of the size ladder."""

from __future__ import annotations

import pytest

from hf_testgen.records import SizeEstimate, WeightFile
from hf_testgen.sizing import (
    dtype_bytes,
    estimate_model_size,
    inference_memory_mb,
    parameters_from_name,
    size_from_safetensors,
    size_word,
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


@pytest.mark.parametrize(("dtype", "mb"), [("fp32", 1200.0), ("fp16", 600.0), ("bf16", 600.0), ("int8", 300.0)])
def test_inference_memory_per_dtype(dtype, mb):
    weights = SizeEstimate(bytes=1_000_000_000, method="safetensors")  # 250M fp32 parameters
    assert inference_memory_mb(weights, dtype) == mb


def test_inference_memory_rejects_unknown_dtype():
    with pytest.raises(ValueError, match="fp8"):
        inference_memory_mb(SizeEstimate(bytes=1, method="typical"), "fp8")  # type: ignore[arg-type]


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
