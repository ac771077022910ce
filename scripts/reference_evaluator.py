"""The reference miner's evaluator: an expression of an upstream test method, read with ``ast``, as a value it
knows (scripts/reference_values.py) or Unknown (scripts/mine_reference_outputs.py)."""

from __future__ import annotations

import ast
import re
from typing import Any

import reference_values as rv  # the evaluator's values, constants and helpers
from reference_builders import Builders


class Evaluator(Builders):
    def __init__(
        self,
        consts: dict[str, Any],
        properties: dict[str, rv.Property],
        images: dict[str, str],
        functions: dict[str, ast.FunctionDef] | None = None,
    ) -> None:
        self.consts = consts
        self.properties = properties  # self.<name> -> the expression its property returns
        self.images = images  # module function -> the shipped photo it opens
        self.functions = functions or {}  # module function whose body is one `return` (`_long_tensor(x)`)
        self.methods: dict[str, ast.FunctionDef] = {}  # self.<name>(): assignments then one `return`

    def value(self, node: ast.AST, scope: rv.Scope) -> Any:
        node = self._strip_device_calls(node)
        if isinstance(node, ast.Name):
            if node.id in scope.tainted or node.id not in scope.names:
                if node.id in self.consts and node.id not in scope.tainted:
                    return self.consts[node.id]
                raise rv.Unknown(node.id)
            return scope.names[node.id]
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
            if node.attr in self.properties and node.attr not in scope.tainted:
                expression, local_names = self.properties[node.attr]
                return self.value(expression, rv.Scope(dict(local_names)))
            raise rv.Unknown(f"self.{node.attr}")
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):  # [input_ids]: elements may be names
            return [self.value(element, scope) for element in node.elts]
        if isinstance(node, ast.Dict) and not rv.has_call(node):  # a literal dict (a pipeline's expected output)
            return rv.literal(node, self.consts)
        if isinstance(node, ast.Dict):  # {"input_ids": torch.tensor(...)}: inputs spread into the call
            if not all(isinstance(key, ast.Constant) and isinstance(key.value, str) for key in node.keys):
                raise rv.Unknown("dict")
            pairs = zip(node.keys, node.values, strict=True)
            items = tuple((key.value, self.input_value(value, scope)) for key, value in pairs)
            return rv.Inputs(items)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self.value(node.operand, scope)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return -value
            raise rv.Unknown("negation")
        if isinstance(node, ast.JoinedStr):
            raise rv.Unknown("f-string")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = self.value(node.left, scope), self.value(node.right, scope)
            full, scale = (left, right) if isinstance(left, rv.Full) else (right, left)
            if isinstance(full, rv.Full) and type(scale) in (int, float):
                return rv.Full(full.shape, full.fill * scale, "float" if type(scale) is float else full.dtype)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)):
            return self.list_arithmetic(node, scope)
        if (
            isinstance(node, ast.IfExp)
            and isinstance(node.test, ast.Call)
            and re.fullmatch(r"is_\w+_available", ast.unparse(node.test.func))
        ):
            return self.value(node.body, scope)  # `X if is_vision_available() else None`: the tests run with it
        if isinstance(node, ast.IfExp) and re.fullmatch(r"IS_\w*(ROCM|XPU|NPU)\w*", ast.unparse(node.test)):
            return self.value(node.orelse, scope)  # `1e-3 if IS_ROCM_SYSTEM else 1e-4`: CPU and CUDA take the else
        if isinstance(node, ast.Call):
            return self.call(node, scope)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.value(node.value, scope), node.attr)
        if isinstance(node, ast.Subscript):
            return self.subscript(self.value(node.value, scope), node.slice)
        raise rv.Unknown(type(node).__name__)

    @staticmethod
    def _strip_device_calls(node: ast.AST) -> ast.AST:
        """x.to(torch_device), x.cpu(), .eval(), .detach(), .float() on a float32 value: the same value."""
        while (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("to", "cpu", "eval", "detach", "float")
            and not node.keywords
            and (
                node.func.attr != "to"
                or len(node.args) == 1
                and isinstance(node.args[0], (ast.Name, ast.Attribute))
                and (ast.unparse(node.args[0]) in rv.DEVICE_ARGUMENTS or ast.unparse(node.args[0]).endswith(".device"))
            )
            and (node.func.attr == "to" or not node.args)
        ):
            node = node.func.value
        return node

    def call(self, node: ast.Call, scope: rv.Scope) -> Any:
        func = node.func
        name = ast.unparse(func)
        if isinstance(func, ast.Attribute) and func.attr == "from_pretrained":
            return self.from_pretrained(ast.unparse(func.value), node, scope)
        if name in ("torch.tensor", "torch.LongTensor", "torch.FloatTensor", "torch.BoolTensor"):
            return self.tensor(name, node, scope)
        if isinstance(func, ast.Name) and func.id == "Expectations" or name.endswith("get_expectation"):
            return self.expectations(node, scope)
        if isinstance(func, ast.Attribute) and func.attr == "generate":
            model = self.value(func.value, scope)
            if not isinstance(model, rv.Model):
                raise rv.Unknown("generate on a non-model")
            return rv.Generate(model, self.args(node, scope), self.kwargs(node, scope))
        if isinstance(func, ast.Attribute) and func.attr == "encode":  # == tokenizer(text).input_ids
            encoding = self.call(ast.Call(func.value, node.args, node.keywords), scope)
            is_text = isinstance(encoding, rv.Encoding) and len(encoding.args) == 1
            if not is_text or not isinstance(encoding.args[0], str):
                raise rv.Unknown("encode")
            return rv.Encoding(encoding.preprocessor, encoding.args, encoding.kwargs, "input_ids")
        if isinstance(func, ast.Attribute) and func.attr in ("decode", "batch_decode"):
            return self.decode(func, node, scope)
        if isinstance(func, ast.Attribute) and func.attr == "tolist" and not node.args:
            target = self.value(func.value, scope)
            if isinstance(target, rv.Generate):
                return rv.Generate(target.model, target.args, target.kwargs, target.row, tolist=True)
            raise rv.Unknown("tolist")
        if isinstance(func, ast.Name) and func.id in self.functions and func.id not in self.images:
            return self.inline(self.functions[func.id], node, scope)
        if name == "pipeline":
            return self.pipeline(node, scope)
        if name == "nested_simplify":
            return self.simplified(node, scope)
        if name in ("torch.ones", "torch.zeros"):
            return self.full(name, node, scope)
        if name == "torch.arange" and len(node.args) == 1 and not node.keywords:
            stop = self.value(node.args[0], scope)
            if not isinstance(stop, int) or isinstance(stop, bool) or not 0 < stop <= rv.MAX_VALUES:
                raise rv.Unknown("arange")
            return rv.Tensor(list(range(stop)), "long")
        if isinstance(func, ast.Attribute) and func.attr == "unsqueeze" and rv.args_are(node, 0):
            target = self.value(func.value, scope)
            if isinstance(target, rv.Tensor):
                return rv.Tensor([target.values], target.dtype)
            raise rv.Unknown("unsqueeze")
        if isinstance(func, ast.Attribute) and func.attr == "reshape" and rv.args_are(node, 1, -1):
            target = self.value(func.value, scope)
            if isinstance(target, rv.Tensor) and all(not isinstance(v, list) for v in target.values):
                return rv.Tensor([target.values], target.dtype)
            raise rv.Unknown("reshape")
        if name == "torch.argmax" or isinstance(func, ast.Attribute) and func.attr in ("argmax", "mean"):
            return self.reduce(node, scope)
        if isinstance(func, ast.Attribute) and func.attr == "ne" and len(node.args) == 1 and not node.keywords:
            return self.not_equal(func.value, node.args[0], scope)
        if isinstance(func, ast.Name) and func.id in self.images and not node.args and not node.keywords:
            return rv.Image(self.images[func.id])
        if name == "Image.open" and len(node.args) == 1 and not node.keywords:
            path = rv.literal(node.args[0], self.consts)
            if path in rv.SHIPPED_IMAGES:
                return rv.Image(rv.SHIPPED_IMAGES[path])
        if isinstance(func, ast.Name) and rv.BUILT_PROCESSOR_RE.fullmatch(func.id):
            if node.args:
                raise rv.Unknown("processor built with positional arguments")
            init = tuple(sorted((k.arg, rv.literal(k.value, self.consts)) for k in node.keywords if k.arg))
            if len(init) != len(node.keywords):
                raise rv.Unknown("processor built with **kwargs")
            return rv.Preprocessor(None, func.id, init)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
            and func.attr in self.methods
            and not node.args
            and not node.keywords
            and func.attr not in scope.tainted
        ):
            return self.method_value(self.methods[func.attr])
        callee = self.value(func, scope)
        if isinstance(callee, rv.Pipeline) and callee.args is None:
            args = tuple(self.preprocessor_input(arg, scope) for arg in node.args)
            kwargs = tuple((k.arg, self.pipeline_option(k.value, scope)) for k in node.keywords if k.arg)
            if len(kwargs) != len(node.keywords):
                raise rv.Unknown("pipeline call with **kwargs")
            strings = [v for v in rv.flat([list(args), [value for _, value in kwargs]]) if isinstance(v, str)]
            if any(re.search(r"https?://|\.(jpg|jpeg|png|wav|flac|mp3)$", text) for text in strings):
                raise rv.Unknown("pipeline input read from the network or a file")  # the shipped photo is an Image
            return rv.Pipeline(callee.checkpoint, callee.task, callee.init, args, kwargs)
        if isinstance(callee, rv.Model):
            return rv.Forward(callee, self.args(node, scope), self.kwargs(node, scope))
        if isinstance(callee, rv.Preprocessor):
            args = tuple(self.preprocessor_input(arg, scope) for arg in node.args)
            kwargs = {k.arg: self.preprocessor_input(k.value, scope) for k in node.keywords if k.arg}
            if len(kwargs) != len(node.keywords) or kwargs.get("return_tensors") != "pt":
                raise rv.Unknown("preprocessor call without return_tensors='pt'")
            return rv.Encoding(callee, args, tuple(sorted(kwargs.items())))
        raise rv.Unknown(name)

    def attribute(self, target: Any, name: str) -> Any:
        if isinstance(target, rv.Forward) and target.index is None and not target.reduce:
            return rv.Forward(target.model, target.args, target.kwargs, (*target.output, name))
        if isinstance(target, rv.Encoding) and target.field is None and name in rv.ENCODING_FIELDS:
            return rv.Encoding(target.preprocessor, target.args, target.kwargs, name)
        if isinstance(target, rv.Generate) and name == "sequences":
            raise rv.Unknown("return_dict_in_generate")
        raise rv.Unknown(f".{name}")

    def subscript(self, target: Any, index: ast.AST) -> Any:
        if isinstance(target, rv.Forward) and target.reduce:
            raise rv.Unknown("index after a reduction")
        row = index.value if isinstance(index, ast.Constant) else None
        if isinstance(target, rv.Decoded) and target.batch and type(row) is int and target.generate.row is None:
            generate = target.generate  # batch_decode(out)[i] == decode(out[i])
            rowed = rv.Generate(generate.model, generate.args, generate.kwargs, row, generate.tolist)
            return rv.Decoded(rowed, False, target.skip_special_tokens)
        if isinstance(target, rv.Forward) and target.index is None:
            if (
                isinstance(index, ast.Constant)
                and isinstance(index.value, (int, str))
                and not isinstance(index.value, bool)
            ):
                return rv.Forward(target.model, target.args, target.kwargs, (*target.output, index.value))
            if not target.output:
                raise rv.Unknown("index on the whole output")
            return rv.Forward(target.model, target.args, target.kwargs, target.output, rv.index_of(index))
        if isinstance(target, rv.Encoding) and isinstance(index, ast.Constant) and index.value in rv.ENCODING_FIELDS:
            return rv.Encoding(target.preprocessor, target.args, target.kwargs, index.value)
        row = index.value if isinstance(index, ast.Constant) else None
        one_row = isinstance(row, int) and not isinstance(row, bool)
        if isinstance(target, rv.Generate) and target.row is None and one_row:
            return rv.Generate(target.model, target.args, target.kwargs, row)
        raise rv.Unknown("subscript")

    def args(self, node: ast.Call, scope: rv.Scope) -> tuple[Any, ...]:
        out = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise rv.Unknown("*args")
            out.append(self.input_value(arg, scope))
        return tuple(out)

    def kwargs(self, node: ast.Call, scope: rv.Scope) -> tuple[tuple[str, Any], ...]:
        out = []
        for keyword in node.keywords:
            value = self.input_value(keyword.value, scope)
            if keyword.arg is None and isinstance(value, rv.Inputs):
                out.extend(value.items)
            elif keyword.arg is None:
                if not (isinstance(value, rv.Encoding) and value.field is None):
                    raise rv.Unknown("**kwargs")
                out.append(("**", value))
            else:
                out.append((keyword.arg, value))
        return tuple(out)

    def input_value(self, node: ast.AST, scope: rv.Scope) -> Any:
        value = self.value(node, scope)
        if isinstance(value, (rv.Tensor, rv.Encoding, rv.NotEqual, rv.Inputs, rv.Full)) or value is None:
            return value
        if isinstance(value, (bool, int, float, str)):
            return value
        raise rv.Unknown("input")
