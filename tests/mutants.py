"""Deliberately broken and harmlessly re-saved copies of a real checkpoint folder (not a test module).

A generated test's worth is its mutation score (DESIGN.md, "Generated tests"): the share of harmful
changes to a working checkpoint that it fails, with no failure on a benign re-save. Each `Mutant`
edits a copy of a real folder in place: its weights (noise, a zeroed or swapped layer, permuted
embeddings, fresh random weights), its config (activation, heads, layer norm eps, labels) or its
tokenizer (shuffled vocabulary, lower-casing turned off), or re-saves it harmlessly (another
weight format, a float16 round trip, extra files, reordered config keys, `save_pretrained`).
Every random change is seeded, so a run builds the same folders every time.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

WEIGHTS = "model.safetensors"
SEED = 1234
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")
SPECIAL_TOKENS = frozenset({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})


@dataclass(frozen=True)
class Mutant:
    """One change to a checkpoint folder; `harmful` says whether a generated test must fail on it."""

    name: str
    harmful: bool
    what: str
    change: Callable[[Path], None]
    classifier_only: bool = False


# --- file helpers ----------------------------------------------------------------------------------
def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _edit_config(folder: Path, **changes) -> None:
    config = _read_json(folder / "config.json")
    config.update(changes)
    _write_json(folder / "config.json", config)


def _edit_weights(folder: Path, edit: Callable[[dict], None]) -> None:
    from safetensors.torch import load_file, save_file

    weights = load_file(folder / WEIGHTS)
    edit(weights)
    save_file({name: tensor.contiguous() for name, tensor in weights.items()}, folder / WEIGHTS, {"format": "pt"})


def _generator():
    import torch

    return torch.Generator().manual_seed(SEED)


def _layer_prefix(weights: dict, index: int) -> str:
    (prefix,) = {name.split("encoder.layer.")[0] for name in weights if "encoder.layer." in name}
    return f"{prefix}encoder.layer.{index}."


def _embedding(weights: dict, kind: str) -> str:
    (name,) = [name for name in weights if name.endswith(f"embeddings.{kind}.weight")]
    return name


# --- weights ---------------------------------------------------------------------------------------
def _noise(scale: float) -> Callable[[Path], None]:
    """Gaussian noise of `scale` x each float tensor's own standard deviation, on every tensor."""

    def change(folder: Path) -> None:
        import torch

        def edit(weights: dict) -> None:
            generator = _generator()
            for name, tensor in weights.items():
                if tensor.is_floating_point() and tensor.numel() > 1:
                    noise = torch.randn(tensor.shape, generator=generator, dtype=torch.float32)
                    weights[name] = tensor + (scale * tensor.float().std() * noise).to(tensor.dtype)

        _edit_weights(folder, edit)

    return change


def _fresh_weights(folder: Path) -> None:
    """Every weight replaced by the architecture's own random initialisation (config and tokenizer kept)."""
    import torch
    import transformers

    config = transformers.AutoConfig.from_pretrained(folder)
    cls = getattr(transformers, config.architectures[0])
    torch.manual_seed(SEED)
    for path in folder.glob("*.safetensors"):
        path.unlink()
    cls(config).save_pretrained(folder)


def _zero_ffn_output(layer: int) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        def edit(weights: dict) -> None:
            prefix = _layer_prefix(weights, layer) + "output.dense."
            for name in (prefix + "weight", prefix + "bias"):
                weights[name] = weights[name] * 0

        _edit_weights(folder, edit)

    return change


def _swap_layers(first: int, second: int) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        def edit(weights: dict) -> None:
            a, b = _layer_prefix(weights, first), _layer_prefix(weights, second)
            for name in [name for name in weights if name.startswith(a)]:
                other = b + name[len(a) :]
                weights[name], weights[other] = weights[other], weights[name]

        _edit_weights(folder, edit)

    return change


def _permute_positions(folder: Path) -> None:
    import torch

    def edit(weights: dict) -> None:
        name = _embedding(weights, "position_embeddings")
        weights[name] = weights[name][torch.randperm(weights[name].shape[0], generator=_generator())]

    _edit_weights(folder, edit)


# --- tokenizer -------------------------------------------------------------------------------------
def _shuffle_vocab(folder: Path) -> None:
    """The ordinary tokens of vocab.txt and tokenizer.json change ids (special tokens keep theirs)."""
    import torch

    tokens = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    movable = [index for index, token in enumerate(tokens) if token not in SPECIAL_TOKENS]
    order = torch.randperm(len(movable), generator=_generator()).tolist()
    shuffled = list(tokens)
    for slot, source in zip(movable, order, strict=True):
        shuffled[slot] = tokens[movable[source]]
    (folder / "vocab.txt").write_text("\n".join(shuffled) + "\n", encoding="utf-8")
    fast = _read_json(folder / "tokenizer.json")
    fast["model"]["vocab"] = {token: index for index, token in enumerate(shuffled)}
    _write_json(folder / "tokenizer.json", fast)


def _no_lower_case(folder: Path) -> None:
    """An uncased model's tokenizer told to keep case (tokenizer_config.json and tokenizer.json agree)."""
    config = _read_json(folder / "tokenizer_config.json")
    config["do_lower_case"] = False
    _write_json(folder / "tokenizer_config.json", config)
    fast = _read_json(folder / "tokenizer.json")
    fast["normalizer"]["lowercase"] = False
    _write_json(folder / "tokenizer.json", fast)


# --- config ----------------------------------------------------------------------------------------
def _config(**changes) -> Callable[[Path], None]:
    return lambda folder: _edit_config(folder, **changes)


def _labels(names: dict[int, str]) -> Callable[[Path], None]:
    return _config(id2label={str(k): v for k, v in names.items()}, label2id={v: k for k, v in names.items()})


def _swap_labels(folder: Path) -> None:
    config = _read_json(folder / "config.json")
    names = {int(k): v for k, v in config["id2label"].items()}
    _labels({index: names[len(names) - 1 - index] for index in names})(folder)


def _rename_positive(folder: Path) -> None:
    config = _read_json(folder / "config.json")
    names = {int(k): ("NEUTRAL" if v == "POSITIVE" else v) for k, v in config["id2label"].items()}
    _labels(names)(folder)


# --- benign ----------------------------------------------------------------------------------------
def _as_bin(folder: Path) -> None:
    import torch
    from safetensors.torch import load_file

    weights = load_file(folder / WEIGHTS)
    (folder / WEIGHTS).unlink()
    torch.save(weights, folder / "pytorch_model.bin")


def _fp16_round_trip(folder: Path) -> None:
    import torch

    def edit(weights: dict) -> None:
        for name, tensor in weights.items():
            if tensor.dtype == torch.float32:
                weights[name] = tensor.half().float()

    _edit_weights(folder, edit)


def _extra_files(folder: Path) -> None:
    (folder / "NOTES.md").write_text("Copied for a test; nothing here is read by transformers.\n", encoding="utf-8")
    _write_json(folder / "trainer_state.json", {"global_step": 0, "log_history": []})
    (folder / "onnx").mkdir(exist_ok=True)
    (folder / "onnx" / "README.txt").write_text("no export here\n", encoding="utf-8")


def _reorder_config(folder: Path) -> None:
    config = _read_json(folder / "config.json")
    _write_json(folder / "config.json", dict(reversed(list(config.items()))))


def _save_pretrained(folder: Path) -> None:
    """Load with transformers and save again (the config and weights files are rewritten)."""
    import transformers

    config = transformers.AutoConfig.from_pretrained(folder)
    model = getattr(transformers, config.architectures[0]).from_pretrained(folder)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    for path in [*folder.glob("*.safetensors"), folder / "config.json", *(folder / name for name in TOKENIZER_FILES)]:
        path.unlink(missing_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)


ORIGINAL = Mutant("original", False, "the checkpoint unchanged", lambda folder: None)
MUTANTS: tuple[Mutant, ...] = (
    Mutant("fresh_weights", True, "every weight freshly initialised at random", _fresh_weights),
    Mutant("noise_01std", True, "noise of 0.1 x each tensor's std on every weight", _noise(0.1)),
    Mutant("noise_05std", True, "noise of 0.5 x each tensor's std on every weight", _noise(0.5)),
    Mutant("zeroed_ffn_output_layer2", True, "layer 2's feed-forward output zeroed", _zero_ffn_output(2)),
    Mutant("swapped_layers_2_3", True, "encoder layers 2 and 3 swapped", _swap_layers(2, 3)),
    Mutant("permuted_position_embeddings", True, "position embedding rows permuted", _permute_positions),
    Mutant("shuffled_vocab", True, "ordinary tokens of the vocabulary shuffled", _shuffle_vocab),
    Mutant("lower_case_off", True, "do_lower_case flipped off on an uncased model", _no_lower_case),
    Mutant("hidden_act_relu", True, "config hidden_act gelu -> relu", _config(hidden_act="relu")),
    Mutant("heads_6", True, "config num_attention_heads 12 -> 6", _config(num_attention_heads=6)),
    Mutant("heads_24", True, "config num_attention_heads 12 -> 24", _config(num_attention_heads=24)),
    Mutant("layer_norm_eps_1", True, "config layer_norm_eps 1e-12 -> 1.0", _config(layer_norm_eps=1.0)),
    Mutant("swapped_labels", True, "id2label names swapped", _swap_labels, classifier_only=True),
    Mutant("renamed_labels", True, "POSITIVE renamed NEUTRAL in id2label", _rename_positive, classifier_only=True),
    Mutant("bin_format", False, "weights as pytorch_model.bin instead of safetensors", _as_bin),
    Mutant("fp16_round_trip", False, "float32 weights rounded through float16", _fp16_round_trip),
    Mutant("extra_files", False, "unrelated extra files in the folder", _extra_files),
    Mutant("reordered_config", False, "config.json keys in reverse order", _reorder_config),
    Mutant("save_pretrained", False, "loaded and re-saved with save_pretrained", _save_pretrained),
)


def mutants_for(*, classifier: bool) -> tuple[Mutant, ...]:
    return tuple(mutant for mutant in MUTANTS if classifier or not mutant.classifier_only)


def build(source: Path, root: Path, mutant: Mutant) -> Path:
    """A copy of `source` under `root` with `mutant`'s change applied; returns the folder."""
    folder = root / mutant.name
    shutil.copytree(source, folder)
    mutant.change(folder)
    return folder
