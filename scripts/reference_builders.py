"""The evaluator's builders: what a call of from_pretrained, torch.tensor, Expectations, a pipeline, decode,
torch.ones, argmax / mean, a helper method or function becomes (scripts/mine_reference_outputs.py)."""

from __future__ import annotations

import ast
import re
from typing import Any

import reference_values as rv  # the evaluator's values, constants and helpers

from hf_testgen.core.ids import is_hub_id, is_test_model_id, is_tiny_name


class Builders:
    """Mixed into Evaluator, which provides value(), args(), kwargs(), input_value() and the module's names."""

    def pipeline(self, node: ast.Call, scope: rv.Scope) -> rv.Pipeline:
        """pipeline("task", model="<id>") / pipeline(task=..., model=...): nothing else (a dtype, a device)."""
        keywords = {k.arg: k.value for k in node.keywords}
        if len(node.args) > 1 or None in keywords or bool(node.args) == ("task" in keywords):
            raise rv.Unknown("pipeline arguments")
        task = self.string(node.args[0] if node.args else keywords.pop("task"), scope)
        if "model" not in keywords:
            raise rv.Unknown("pipeline without a model")
        checkpoint = self.string(keywords.pop("model"), scope)
        if not is_hub_id(checkpoint) or is_test_model_id(checkpoint):
            raise rv.Unknown("pipeline checkpoint")
        init = []
        for name, value in sorted(keywords.items()):
            if name in ("tokenizer", "feature_extractor", "image_processor"):  # the checkpoint's own files only
                if self.string(value, scope) != checkpoint:
                    raise rv.Unknown("another checkpoint's preprocessor")
            elif name == "device" or name == "dtype" and ast.unparse(value) in rv.FLOAT32_WORDS:
                continue  # where it runs; float32 is what the replay loads with no dtype either
            elif name in rv.PIPELINE_OPTIONS:
                init.append((name, rv.literal(value, self.consts)))
            else:
                raise rv.Unknown(f"pipeline argument {name}")
        return rv.Pipeline(checkpoint, task, tuple(init))

    def pipeline_option(self, node: ast.AST, scope: rv.Scope) -> Any:
        value = self.value(node, scope)
        if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
            return value
        if isinstance(value, (str, int, float, bool, rv.Image)) or value is None:
            return value
        raise rv.Unknown("pipeline option")

    def simplified(self, node: ast.Call, scope: rv.Scope) -> rv.Pipeline:
        keywords = {k.arg: k.value for k in node.keywords}
        if len(node.args) != 1 or set(keywords) - {"decimals"}:
            raise rv.Unknown("nested_simplify arguments")
        called = self.value(node.args[0], scope)
        decimals = rv.literal(keywords["decimals"], {}) if "decimals" in keywords else 3  # its default
        if not isinstance(called, rv.Pipeline) or called.args is None or called.decimals is not None:
            raise rv.Unknown("nested_simplify of a non-pipeline")
        return rv.Pipeline(called.checkpoint, called.task, called.init, called.args, called.kwargs, decimals)

    def full(self, name: str, node: ast.Call, scope: rv.Scope) -> rv.Full:
        keywords = {k.arg: k.value for k in node.keywords}
        if set(keywords) - {"size", "dtype", "device"} or len(node.args) > 1 or bool(node.args) == ("size" in keywords):
            raise rv.Unknown(name)
        shape = self.value(node.args[0] if node.args else keywords["size"], scope)
        if not isinstance(shape, list) or not shape or not all(type(n) is int and n > 0 for n in shape):
            raise rv.Unknown(f"{name} shape")
        dtype = ast.unparse(keywords["dtype"]).removeprefix("torch.") if "dtype" in keywords else "float32"
        kinds = {"float32": "float", "float": "float", "long": "long", "int64": "long"}
        if dtype not in kinds:
            raise rv.Unknown(f"{name} dtype")
        return rv.Full(tuple(shape), 1 if name == "torch.ones" else 0, kinds[dtype])

    def list_arithmetic(self, node: ast.BinOp, scope: rv.Scope) -> list[Any]:
        """`512 * [0, 31414]`, `[1] + [306, 338] * 2048`: literal token lists built by arithmetic."""
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        if isinstance(node.op, ast.Add) and isinstance(left, list) and isinstance(right, list):
            out = left + right
        elif isinstance(node.op, ast.Mult) and isinstance(left, list) and type(right) is int:
            out = left * right
        elif isinstance(node.op, ast.Mult) and isinstance(right, list) and type(left) is int:
            out = right * left
        else:
            raise rv.Unknown("arithmetic")
        if rv.numbers(out) > 4 * rv.MAX_VALUES:
            raise rv.Unknown("list too long")
        return out

    def reduce(self, node: ast.Call, scope: rv.Scope) -> rv.Forward:
        """torch.argmax(output.logits, dim=2) / logits.argmax(-1): the index of the largest value;
        out.mean(-1): the mean along a dimension."""
        func = node.func
        if ast.unparse(func) == "torch.argmax":
            if not node.args:
                raise rv.Unknown("argmax")
            target_node, rest, op = node.args[0], node.args[1:], "argmax"
        else:
            target_node, rest, op = func.value, node.args, func.attr
        keywords = {k.arg: k.value for k in node.keywords}
        if set(keywords) - {"dim"} or len(rest) + len(keywords) > 1:
            raise rv.Unknown("argmax arguments")
        dim_node = rest[0] if rest else keywords.get("dim")
        dim = None if dim_node is None else rv.literal(dim_node, {})
        target = self.value(target_node, scope)
        if dim is not None and type(dim) is not int or op == "mean" and dim is None:
            raise rv.Unknown(f"{op} dim")
        if not isinstance(target, rv.Forward) or not target.output or target.reduce:
            raise rv.Unknown(f"{op} of a non-output")
        return rv.Forward(target.model, target.args, target.kwargs, target.output, target.index, (op, dim))

    def method_value(self, method: ast.FunctionDef) -> Any:
        """`self.get_model()`: the method's assignments evaluated in order, then its `return`."""
        scope = rv.Scope()
        for statement in method.body[:-1]:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                raise rv.Unknown(f"self.{method.name}()")
            target = statement.targets[0]
            if not isinstance(target, ast.Name):
                raise rv.Unknown(f"self.{method.name}()")
            scope.names[target.id] = self.value(statement.value, scope)
        return self.value(method.body[-1].value, scope)

    def inline(self, function: ast.FunctionDef, node: ast.Call, scope: rv.Scope) -> Any:
        """A module function whose body is one `return`: its expression, with the call's arguments bound."""
        params = [arg.arg for arg in function.args.args]
        if node.keywords or len(node.args) != len(params) or function.args.defaults:
            raise rv.Unknown(f"call of {function.name}")
        bound = {param: self.value(arg, scope) for param, arg in zip(params, node.args, strict=True)}
        return self.value(function.body[-1].value, rv.Scope(bound))

    def not_equal(self, target: ast.AST, other: ast.AST, scope: rv.Scope) -> rv.NotEqual:
        tensor = self.input_value(target, scope)
        if not isinstance(tensor, (rv.Tensor, rv.Encoding)) or isinstance(tensor, rv.Encoding) and tensor.field is None:
            raise rv.Unknown("ne")
        text = ast.unparse(other)
        match = re.fullmatch(r"(\w+)\.config\.(pad_token_id)", text)
        if match and isinstance(scope.names.get(match.group(1)), rv.Model) and match.group(1) not in scope.tainted:
            return rv.NotEqual(tensor, ("config", match.group(2)))
        value = self.value(other, scope)
        if isinstance(value, int) and not isinstance(value, bool):
            return rv.NotEqual(tensor, value)
        raise rv.Unknown("ne")

    def preprocessor_input(self, node: ast.AST, scope: rv.Scope) -> Any:
        value = self.value(node, scope)
        if isinstance(value, list) and all(isinstance(item, (str, rv.Image)) for item in value) and value:
            return value
        if isinstance(value, (str, rv.Image, bool, int, float)) or value is None:
            return value
        raise rv.Unknown("preprocessor input")

    def string(self, node: ast.AST, scope: rv.Scope) -> str:
        value = self.value(node, scope)
        if not isinstance(value, str):
            raise rv.Unknown("not a string")
        return value

    def from_pretrained(self, cls: str, node: ast.Call, scope: rv.Scope) -> rv.Model | rv.Preprocessor:
        if len(node.args) != 1:
            raise rv.Unknown("from_pretrained arguments")
        checkpoint = self.string(node.args[0], scope)
        if not is_hub_id(checkpoint):
            raise rv.Unknown("checkpoint")
        if is_test_model_id(checkpoint) or is_tiny_name(checkpoint):
            raise rv.Unknown("fixture checkpoint")  # tiny-random-x; a real model's tiny size (whisper-tiny) stays
        if any(word in cls for word in ("Tokenizer", "Processor", "FeatureExtractor")):
            # its loading options (use_fast=False, padding_side="left", src_lang=...) change the encoding: kept
            # (a revision is the file's pinned one, as for the model)
            options = tuple(sorted((k.arg, rv.literal(k.value, self.consts)) for k in node.keywords if k.arg))
            if len(options) != len(node.keywords):
                raise rv.Unknown("preprocessor loading arguments")
            options = tuple(item for item in options if item[0] != "revision")
            return rv.Preprocessor(checkpoint, cls, options)
        if not ("Model" in cls or "For" in cls) or "Config" in cls:
            raise rv.Unknown(f"not a model class: {cls}")
        load = [("dtype", "auto")]  # transformers 5 loads a checkpoint in its stored dtype unless told otherwise
        for keyword in node.keywords:
            if keyword.arg in ("dtype", "torch_dtype"):
                words = rv.FLOAT32_WORDS
                if ast.unparse(keyword.value) not in words and rv.literal(keyword.value, {}) not in words:
                    raise rv.Unknown("not float32")
                load[0] = ("dtype", "float32")
            elif keyword.arg in rv.SAFE_LOAD_KWARGS:
                load.append((keyword.arg, rv.literal(keyword.value, self.consts)))
            elif keyword.arg == "device_map" or keyword.arg == "use_safetensors":
                continue  # where it runs or which file format it reads, not what it computes
            elif keyword.arg == "return_dict" and rv.literal(keyword.value, {}) is True:
                continue  # the default
            else:
                raise rv.Unknown(f"loading argument {keyword.arg}")
        return rv.Model(checkpoint, cls, tuple(sorted(load)))

    def tensor(self, name: str, node: ast.Call, scope: rv.Scope) -> rv.Tensor | rv.Expected:
        if len(node.args) != 1:
            raise rv.Unknown("tensor arguments")
        if isinstance(node.args[0], ast.Call):  # torch.tensor(expectations.get_expectation())
            expected = self.value(node.args[0], scope)
            if isinstance(expected, rv.Expected) and not node.keywords:
                return expected
            raise rv.Unknown("tensor of a call")
        values = self.value(node.args[0], scope)
        rv.numbers(values)
        dtype = {"torch.LongTensor": "long", "torch.FloatTensor": "float", "torch.BoolTensor": "bool"}.get(name)
        for keyword in node.keywords:
            if keyword.arg == "dtype":
                dtype = {"long": "long", "int64": "long", "float32": "float", "float": "float", "bool": "bool"}.get(
                    ast.unparse(keyword.value).removeprefix("torch.")
                )
                if dtype is None:
                    raise rv.Unknown("tensor dtype")
            elif keyword.arg != "device":
                raise rv.Unknown(f"tensor argument {keyword.arg}")
        if dtype is None:
            dtype = "float" if rv.has_float(values) else "long"
        return rv.Tensor(values, dtype)

    def expectations(self, node: ast.Call, scope: rv.Scope) -> rv.Expected:
        if isinstance(node.func, ast.Attribute):  # Expectations({...}).get_expectation() / name.get_expectation()
            return self.value(node.func.value, scope)
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Dict):
            raise rv.Unknown("Expectations")
        entries: dict[str, Any] = {}
        for key, value in zip(node.args[0].keys, node.args[0].values, strict=True):
            device = rv.literal(key, {})[0] if isinstance(key, ast.Tuple) else None
            kind = "default" if device is None else device
            if kind not in ("default", "cpu", "cuda"):
                continue
            try:
                resolved = self.value(value, scope)
            except rv.Unknown:
                continue
            resolved = resolved.values if isinstance(resolved, rv.Tensor) else resolved
            entries.setdefault(kind, resolved)  # the first cuda entry (older major versions come first)
        if not entries:
            raise rv.Unknown("no usable expectation")
        return rv.Expected(tuple(sorted(entries.items())))

    def decode(self, func: ast.Attribute, node: ast.Call, scope: rv.Scope) -> rv.Decoded:
        tokenizer = self.value(func.value, scope)
        if not isinstance(tokenizer, rv.Preprocessor) or len(node.args) != 1:
            raise rv.Unknown("decode")
        generated = self.value(node.args[0], scope)
        if not isinstance(generated, rv.Generate):
            raise rv.Unknown("decode of a non-generation")
        kwargs = dict(self.kwargs(node, scope))
        if set(kwargs) - {"skip_special_tokens"}:
            raise rv.Unknown("decode arguments")
        batch = func.attr == "batch_decode"
        if batch == (generated.row is not None):
            raise rv.Unknown("decode shape")
        if tokenizer.checkpoint != generated.model.checkpoint:
            raise rv.Unknown("another checkpoint's tokenizer")
        return rv.Decoded(generated, batch, bool(kwargs.get("skip_special_tokens", False)))
