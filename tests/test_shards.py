"""`test_generator_fixed.py --all --shard I/N`: every generated file in exactly one shard, the same
split on every run, balanced by measured seconds when benchmarks.json has them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hf_testgen.cli.generate import main
from hf_testgen.core.errors import UsageError
from hf_testgen.suite.shards import assign, hash_shard, measured_seconds, parse_shard

NAMES = ["bert", "gpt2", "t5", "vit", "whisper", "clip", "llama", "bart", "roberta", "deit", "wav2vec2"]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 20])
def test_every_name_lands_in_exactly_one_shard(count):
    shards = assign(NAMES, count)
    assert len(shards) == count
    assert Counter(name for shard in shards for name in shard) == Counter(NAMES)
    assert assign(list(reversed(NAMES)), count) == [sorted(s, key=NAMES[::-1].index) for s in shards]


def test_a_hashed_type_keeps_its_shard_when_others_come_and_go():
    before = {name: i for i, shard in enumerate(assign(NAMES, 4)) for name in shard}
    after = {name: i for i, shard in enumerate(assign([*NAMES[3:], "new-type"], 4)) for name in shard}
    assert all(after[name] == before[name] for name in NAMES[3:])
    assert hash_shard("bert", 4) == before["bert"]  # sha256, not Python's salted hash()


def test_measured_seconds_balance_longest_first():
    seconds = {"llama": 50.0, "whisper": 30.0, "t5": 20.0, "bert": 5.0, "gpt2": 5.0}
    shards = assign(["bert", "gpt2", "t5", "whisper", "llama"], 2, seconds)
    assert shards == [["bert", "llama"], ["gpt2", "t5", "whisper"]]  # 55 s and 55 s
    assert assign(["bert", "gpt2", "t5", "whisper", "llama"], 2, seconds) == shards
    # a type never measured counts as the median (20 s), not as free
    split = assign(["llama", "t5", "new", "bert"], 2, {"llama": 50, "t5": 20, "bert": 5})
    assert split == [["llama"], ["t5", "new", "bert"]]


def test_measured_seconds_prefer_cpu_runs_and_skip_odd_entries():
    document = {"measured": {
        "org/a": [{"model_type": "bert", "device": "cuda", "load_seconds": 9, "inference_seconds": 1},
                  {"model_type": "bert", "device": "cpu", "load_seconds": 2, "inference_seconds": 1}],
        "org/b": [{"model_type": "gpt2", "device": "cpu", "load_seconds": "x", "inference_seconds": 1},
                  {"device": "cpu", "load_seconds": 1, "inference_seconds": 1}],
    }}  # fmt: skip
    assert measured_seconds(document) == {"bert": 3.0}


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "2", "-1/2", ""])
def test_bad_shard_specs_are_usage_errors(text):
    with pytest.raises(UsageError, match="expected I/N"):
        parse_shard(text)


def generate_all(out: Path, *extra: str) -> set[str]:
    assert main(["--all", "--hardware", "cpu-small", "--output-dir", str(out), *extra]) == 0
    return {path.name for path in out.glob("test_hf_*.py")}


@pytest.fixture
def static_env(monkeypatch, tmp_path):
    monkeypatch.setenv("USE_STATIC_REGISTRY", "true")
    monkeypatch.setenv("HF_TESTGEN_BENCHMARKS", str(tmp_path / "benchmarks.json"))
    return tmp_path / "benchmarks.json"


def test_shards_of_the_real_registry_cover_every_generated_file_once(static_env, tmp_path, capsys):
    everything = generate_all(tmp_path / "all")
    assert len(everything) > 50
    hashed = [generate_all(tmp_path / f"hash-{i}", "--shard", f"{i}/3") for i in (1, 2, 3)]
    assert "by a hash of the type" in capsys.readouterr().err
    assert Counter(name for files in hashed for name in files) == Counter(everything)
    # with measured seconds for a few types the split changes, and still covers everything once
    measured = {f"org/{t}": [{"model_type": t, "device": "cpu", "load_seconds": s, "inference_seconds": 1.0}]
                for t, s in (("bert", 40.0), ("gpt2", 30.0), ("t5", 20.0))}  # fmt: skip
    static_env.write_text(json.dumps({"schema_version": 1, "models": {}, "measured": measured}))
    balanced = [generate_all(tmp_path / f"bal-{i}", "--shard", f"{i}/2") for i in (1, 2)]
    assert "balanced by measured seconds" in capsys.readouterr().err
    assert Counter(name for files in balanced for name in files) == Counter(everything)
    # the longest type opens shard 1; the rest (gpt2's 31 s is the median every unmeasured type counts
    # as) fill the shards to about the same total, so they hold about as many files
    assert "test_hf_bert.py" in balanced[0] and abs(len(balanced[0]) - len(balanced[1])) <= 2


def test_shard_needs_a_batch(static_env, tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["--generate", "bert", "--shard", "1/2", "--output-dir", str(tmp_path)])
    assert caught.value.code == 2
    assert main(["--all", "--shard", "3/2", "--output-dir", str(tmp_path)]) == 2
