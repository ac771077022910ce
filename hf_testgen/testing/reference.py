"""Replay transformers' own integration-test cases (`hf_testgen/data/reference_outputs.json`) on a checkpoint.

A case names the model class the upstream test loaded, its inputs (literal tensors, or the checkpoint's own
tokenizer / image processor on literal text or a shipped photo), the output it read (`[0]`, `.logits`), the
index it took and the values it expected with its `rtol` / `atol`; or a greedy `generate()` and the ids or text
it expected. The model is the one the generated test loaded when the class and dtype agree, else the class is
loaded from the same checkpoint and revision, strictly (missing weights fail, as in the main test).
"""

from __future__ import annotations

import contextlib
from functools import cache
from importlib import resources
from typing import Any

from ..facts.reference import reference_cases
from .loading import LoadFailure, LoadSkip, first_line, weight_problems

DATA = "hf_testgen.testing"
_STORED_FLOAT32 = (None, "float32")


@cache
def _photo(name: str):
    """A shipped photo opened as transformers' prepare_img() opens it (no conversion)."""
    from PIL import Image

    with resources.files(DATA).joinpath("data", name).open("rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


class Replayer:
    """The reference models and preprocessors of one generated module, loaded once each."""

    def __init__(self, loaded, target) -> None:
        self.loaded, self.target = loaded, target
        self._models: dict[tuple, Any] = {}
        self._preprocessors: dict[str, Any] = {}

    def cases(self, tests: tuple[str, ...]) -> list[dict[str, Any]]:
        """The cases of the pinned checkpoint that the file names (a name that matches nothing fails)."""
        cases = [case for case in reference_cases(self.target.pinned_model_id) if case["test"] in tests]
        found = {case["test"] for case in cases}
        missing = [test for test in tests if test not in found]
        assert not missing, f"hf-testgen's reference table has no case of {missing} for {self.target.pinned_model_id}"
        return cases

    # --- loading -------------------------------------------------------------------------------------
    def model(self, case: dict[str, Any], device: str):
        loaded, transformers = self.loaded, self.loaded.transformers
        dtype = case["load"].get("dtype", "auto")
        stored = getattr(loaded.model.config, "dtype", None)
        stored = None if stored is None else str(stored).removeprefix("torch.")
        extra = {k: v for k, v in case["load"].items() if k not in ("dtype", "revision")}
        same_weights = dtype == "float32" or stored in _STORED_FLOAT32
        if type(loaded.model).__name__ == case["class"] and not extra and same_weights:
            return loaded.model.to(device)
        key = (case["class"], dtype, tuple(sorted(extra.items())), _reads_hidden_states(case))
        if key not in self._models:
            cls = getattr(transformers, case["class"], None)
            if cls is None:
                raise LoadSkip(f"transformers {transformers.__version__} has no {case['class']}")
            self._models[key] = self._strict(cls, dtype, extra, reads_hidden_states=_reads_hidden_states(case))
        return self._models[key].to(device)

    def _strict(self, cls, dtype: str, extra: dict[str, Any], *, reads_hidden_states: bool):
        torch, target = self.loaded.torch, self.target
        major = int(self.loaded.transformers.__version__.split(".")[0])
        dtype_value = torch.float32 if dtype == "float32" else "auto"
        kwargs = {("dtype" if major >= 5 else "torch_dtype"): dtype_value, **extra}
        try:
            model, info = cls.from_pretrained(
                target.model_id, revision=target.revision, output_loading_info=True, **kwargs
            )
        except Exception as error:
            raise LoadFailure(f"{target.model_id} does not load as {cls.__name__}: {first_line(error)}") from error
        if reads_hidden_states:  # a pooler the checkpoint lacks is initialised, as upstream, and not read
            info = dict(info, missing_keys=[k for k in info.get("missing_keys") or () if not _is_pooler(k)])
        problems, _ = weight_problems(model, info)
        if problems:
            raise LoadFailure(f"{target.model_id} is not a complete {cls.__name__} checkpoint: " + "; ".join(problems))
        return model.eval()

    def preprocessor(self, name: str, init: dict[str, Any] | None = None, options: dict[str, Any] | None = None):
        """The checkpoint's own preprocessor (loaded with the upstream test's `options`, such as use_fast=False),
        or (`init` given) one built from the class's defaults as upstream."""
        key = (name, tuple(sorted((init or {}).items())), tuple(sorted((options or {}).items())), init is None)
        if key not in self._preprocessors:
            transformers, target = self.loaded.transformers, self.target
            if init is not None:
                cls = getattr(transformers, name, None)
                if cls is None:
                    raise LoadSkip(f"transformers {transformers.__version__} has no {name}")
                self._preprocessors[key] = cls(**init)
            else:
                cls = getattr(transformers, name, None) or getattr(transformers, _auto_for(name))
                self._preprocessors[key] = cls.from_pretrained(
                    target.model_id, revision=target.revision, **(options or {})
                )
        return self._preprocessors[key]

    # --- inputs --------------------------------------------------------------------------------------
    def value(self, spec: dict[str, Any], device: str, model=None):
        torch = self.loaded.torch
        if "not_equal" in spec:  # input_ids.ne(model.config.pad_token_id): the attention mask upstream built
            other = spec["other"]
            value = getattr(model.config, other["config"]) if "config" in other else other["literal"]
            return self.value(spec["not_equal"], device, model).ne(value)
        if "full" in spec:  # torch.ones(size=...) * 0.5 upstream: one value in a stated shape
            dtype = {"long": torch.long, "float": torch.float32}[spec["dtype"]]
            return torch.full(spec["full"], spec["fill"], dtype=dtype).to(device)
        if "tensor" in spec:
            dtype = {"long": torch.long, "float": torch.float32, "bool": torch.bool}[spec["dtype"]]
            return torch.tensor(spec["tensor"], dtype=dtype).to(device)
        if "preprocess" in spec:
            call = spec["preprocess"]
            processor = self.preprocessor(call["class"], call.get("init"), call.get("options"))
            args = [_input(arg) for arg in call["args"]]
            kwargs = {name: _input(arg) for name, arg in call["kwargs"].items()}
            encoding = processor(*args, **kwargs, return_tensors="pt").to(device)
            return encoding if spec["field"] is None else encoding[spec["field"]]
        return spec["literal"]

    def call_arguments(self, case: dict[str, Any], device: str, model=None) -> tuple[list[Any], dict[str, Any]]:
        args = [self.value(spec, device, model) for spec in case["args"]]
        kwargs: dict[str, Any] = {}
        for name, spec in case["kwargs"]:
            value = self.value(spec, device, model)
            kwargs.update(value if name == "**" else {name: value})
        return args, kwargs

    # --- replay --------------------------------------------------------------------------------------
    def problems(self, case: dict[str, Any], device: str) -> list[str]:
        """What differs from the upstream expectation (empty when the checkpoint reproduces it)."""
        if case["kind"] == "pipeline":
            return self._pipeline(case, device)
        model = self.model(case, device)
        args, kwargs = self.call_arguments(case, device, model)
        with self.loaded.torch.inference_mode():
            if case["kind"] == "forward":
                return self._forward(model, args, kwargs, case, device)
            return self._generate(model, args, kwargs, case)

    def _forward(self, model, args, kwargs, case, device: str) -> list[str]:
        torch = self.loaded.torch
        expected_values = case["expected"].get(device, case["expected"].get("default"))
        if expected_values is None:
            raise LoadSkip(f"{case['test']} states values for {', '.join(case['expected'])} only, not {device}")
        output = model(*args, **kwargs)
        for step in case["output"]:
            output = output[step]
        if case["index"] is not None:
            output = output[_index(case["index"])]
        if "argmax" in case:  # the upstream test compared the index of the largest value
            output = output.argmax() if case["argmax"] is None else output.argmax(dim=case["argmax"])
        if "mean" in case:  # ... or the mean along a dimension
            output = output.mean(dim=case["mean"])
        actual = output.detach().cpu()
        expected = torch.tensor(expected_values, dtype=actual.dtype if actual.is_floating_point() else None)
        if case.get("compare") == "allclose" and actual.shape != expected.shape:
            with contextlib.suppress(RuntimeError):  # torch.allclose broadcasts, as the upstream test did
                expected = expected.broadcast_to(actual.shape)
        try:
            torch.testing.assert_close(actual, expected.to(actual.dtype), rtol=case["rtol"], atol=case["atol"])
        except AssertionError as error:
            return [f"{case['test']}: " + " ".join(str(error).split())[:600]]
        return []

    def _generate(self, model, args, kwargs, case) -> list[str]:
        sequences = model.generate(*args, **kwargs)  # the upstream call: greedy, its max_new_tokens / max_length
        rows = sequences if case["row"] is None else sequences[case["row"]]
        if case["kind"] == "generate_ids":
            actual = rows.tolist()
            expected = case["expected_ids"]
        else:
            tokenizer = self._tokenizer(case)
            skip = case["skip_special_tokens"]
            decode = tokenizer.batch_decode if case["row"] is None else tokenizer.decode
            actual = decode(rows, skip_special_tokens=skip)
            expected = case["expected_text"]
        return [] if actual == expected else [f"{case['test']}: generated {actual!r}, expected {expected!r}"]

    def _pipeline(self, case: dict[str, Any], device: str) -> list[str]:
        """transformers.pipeline(task, model=<the pinned checkpoint>) on the upstream inputs, its output rounded
        as transformers' nested_simplify rounds it (`decimals`), equal to the upstream literal."""
        transformers, target = self.loaded.transformers, self.target
        init = case.get("init") or {}
        key = ("pipeline", case["task"], tuple(sorted(init.items())), device)
        if key not in self._models:
            self._models[key] = transformers.pipeline(
                case["task"], model=target.model_id, revision=target.revision, device=device, **init
            )
        args = [_input(spec["literal"]) for spec in case["args"]]
        kwargs = {name: _input(spec["literal"]) for name, spec in case["kwargs"]}
        with self.loaded.torch.inference_mode():
            actual = _simplify(self._models[key](*args, **kwargs), case["decimals"])
        expected = case["expected_output"]
        return [] if actual == expected else [f"{case['test']}: pipeline gave {actual!r}, expected {expected!r}"]

    def _tokenizer(self, case: dict[str, Any]):
        for _, spec in case["kwargs"] + [[None, spec] for spec in case["args"]]:
            if "preprocess" in spec:
                call = spec["preprocess"]
                return self.preprocessor(call["class"], call.get("init"), call.get("options"))
        return self.preprocessor("AutoTokenizer")


def _simplify(value: Any, decimals: int) -> Any:
    """transformers.testing_utils.nested_simplify: lists, dicts, tensors and numbers, floats rounded."""
    if isinstance(value, (list, tuple)):
        return [_simplify(item, decimals) for item in value]
    if isinstance(value, dict):
        return {_simplify(k, decimals): _simplify(v, decimals) for k, v in value.items()}
    if hasattr(value, "tolist"):
        return _simplify(value.tolist(), decimals)
    if isinstance(value, float):
        return round(value, decimals)
    return value


def _reads_hidden_states(case: dict[str, Any]) -> bool:
    """The case reads the encoder's hidden states (`[0]` / `.last_hidden_state` of a base model), not a head."""
    first = case.get("output", [None])[0] if case.get("output") else None
    return case["kind"] == "forward" and first in (0, "last_hidden_state") and not case["class"].count("For")


def _is_pooler(key: str) -> bool:
    return key.startswith("pooler.") or ".pooler." in key


def _auto_for(name: str) -> str:
    """The Auto class for a preprocessor class this transformers lacks (renamed or removed)."""
    for word, auto in (("Tokenizer", "AutoTokenizer"), ("ImageProcessor", "AutoImageProcessor")):
        if word in name:
            return auto
    return "AutoFeatureExtractor" if "FeatureExtractor" in name else "AutoProcessor"


def _input(value: Any) -> Any:
    if isinstance(value, dict) and "image" in value:
        return _photo(value["image"])
    if isinstance(value, list):
        return [_input(item) for item in value]
    return value


def _index(items: list[Any]) -> tuple:
    """[0, [None, 3, None], "..."] -> (0, slice(None, 3, None), Ellipsis)."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            out.append(slice(*item))
        elif item == "...":
            out.append(Ellipsis)
        else:
            out.append(item)
    return tuple(out)
