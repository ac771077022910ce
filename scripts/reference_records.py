"""The reference miner's statements and records: each upstream test method's statements in order, and the
cases it keeps, as JSON (scripts/mine_reference_outputs.py)."""

from __future__ import annotations

import ast
from typing import Any

import reference_values as rv  # the evaluator's values, constants and helpers
from reference_evaluator import Evaluator

# --- statements ------------------------------------------------------------------------------------
CLOSE_FUNCS = {"torch.testing.assert_close": rv.ASSERT_CLOSE_DEFAULT, "torch.allclose": rv.ALLCLOSE_DEFAULT}
COMPARE = {"torch.testing.assert_close": "assert_close", "torch.allclose": "allclose"}  # allclose broadcasts
EQUAL_METHODS = ("assertEqual", "assertListEqual", "assertEquals")


class MethodMiner:
    def __init__(self, evaluator: Evaluator, source: str) -> None:
        self.evaluator = evaluator
        self.source = source
        self.cases: list[dict[str, Any]] = []

    def run(self, body: list[ast.stmt], scope: rv.Scope) -> None:
        for statement in body:
            self.statement(statement, scope)

    def statement(self, node: ast.stmt, scope: rv.Scope) -> None:
        if isinstance(node, ast.With):
            self.run(node.body, scope)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self.assign(node.targets[0].id, node.value, scope)
        elif isinstance(node, (ast.Assert, ast.Expr)):
            self.check(node, scope)
        elif isinstance(node, (ast.Pass, ast.ImportFrom, ast.Import)):
            pass
        else:
            self.taint(node, scope)

    def assign(self, name: str, value: ast.AST, scope: rv.Scope) -> None:
        try:
            scope.names[name] = self.evaluator.value(value, scope)
            scope.tainted.discard(name)
        except rv.Unknown:
            scope.names.pop(name, None)
            scope.tainted.add(name)

    def taint(self, node: ast.AST, scope: rv.Scope) -> None:
        """Every name a statement we do not follow touches becomes unknown (and every model, on a seed)."""
        for child in ast.walk(node):
            if isinstance(child, ast.Name):
                scope.tainted.add(child.id)
            if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name) and child.value.id == "self":
                scope.tainted.add(child.attr)

    def check(self, node: ast.stmt, scope: rv.Scope) -> None:
        call = node.test if isinstance(node, ast.Assert) else node.value
        if isinstance(call, ast.Call) and ast.unparse(call.func) in ("self.assertTrue",) and call.args:
            call = call.args[0]
        if isinstance(call, ast.Call):
            name = ast.unparse(call.func)
            if name in CLOSE_FUNCS:
                return self.close(call, name, scope)
            if name.startswith("self.") and name[5:] in EQUAL_METHODS and len(call.args) == 2:
                return self.equal(call.args[0], call.args[1], scope)
            if name.startswith("self.assert") or name.startswith("torch.testing") or name == "isinstance":
                return
            if (
                isinstance(call.func, ast.Attribute)
                and call.func.attr in ("to", "eval", "cpu")
                and isinstance(scope.names.get(ast.unparse(call.func.value)), rv.Model)
            ):
                return  # model.to(torch_device), model.eval(): where and how it runs, not what it computes
            self.taint(node, scope)  # a call that may change a model (set_seed, model.config...)
        elif isinstance(call, ast.Compare) and len(call.ops) == 1 and isinstance(call.ops[0], ast.Eq):
            self.equal(call.left, call.comparators[0], scope)

    def close(self, call: ast.Call, function: str, scope: rv.Scope) -> None:
        if len(call.args) != 2:
            return
        try:
            actual = self.evaluator.value(call.args[0], scope)
            expected = self.evaluator.value(call.args[1], scope)
            if isinstance(expected, rv.Forward) and not isinstance(actual, rv.Forward):  # (EXPECTED, output)
                actual, expected = expected, actual
            tolerance = dict(CLOSE_FUNCS[function])
            for keyword in call.keywords:
                if keyword.arg not in ("rtol", "atol"):
                    raise rv.Unknown(f"comparison argument {keyword.arg}")
                tolerance[keyword.arg] = float(self.evaluator.value(keyword.value, scope))
        except (rv.Unknown, TypeError, ValueError):
            return
        if not isinstance(actual, rv.Forward) or actual.index is None and not actual.output:
            return
        per_device = _per_device(expected)
        try:
            record = _call_record(actual)
        except rv.Unknown:
            return
        if per_device is None:
            return
        case = {"kind": "forward", "compare": COMPARE[function], **record, "output": list(actual.output)}
        if actual.reduce:
            case[actual.reduce[0]] = actual.reduce[1]
        self.cases.append({**case, "index": actual.index, "expected": per_device, **tolerance, "test": self.source})

    def equal(self, left: ast.AST, right: ast.AST, scope: rv.Scope) -> None:
        for actual_node, expected_node in ((left, right), (right, left)):
            try:
                actual = self.evaluator.value(actual_node, scope)
                expected = self.evaluator.value(expected_node, scope)
            except rv.Unknown:
                continue
            record = (
                _generation_record(actual, expected)
                or _argmax_record(actual, expected)
                or _pipeline_record(actual, expected)
            )
            if record is not None:
                self.cases.append({**record, "test": self.source})
                return


def _pipeline_record(actual: Any, expected: Any) -> dict[str, Any] | None:
    """`assertEqual(nested_simplify(classifier(image, candidate_labels=[...])), [{"score": 0.511, ...}])`."""
    if not isinstance(actual, rv.Pipeline) or actual.decimals is None or not isinstance(expected, (list, dict)):
        return None
    if not _plain(expected):
        return None
    return {
        "kind": "pipeline",
        "checkpoint": actual.checkpoint,
        "class": "pipeline",
        "task": actual.task,
        "load": {},
        "init": dict(actual.init),
        "args": [{"literal": _input(arg)} for arg in actual.args],
        "kwargs": [[name, {"literal": _input(value)}] for name, value in actual.kwargs],
        "decimals": actual.decimals,
        "expected_output": expected,
    }


def _plain(value: Any) -> bool:
    """JSON-like literal: str, numbers, bools, None, lists and str-keyed dicts of them."""
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))


def _argmax_record(actual: Any, expected: Any) -> dict[str, Any] | None:
    """`assertEqual(torch.argmax(output.end_logits), 12)`: an index the model's output must pick, exactly."""
    if not isinstance(actual, rv.Forward) or not actual.reduce or actual.reduce[0] != "argmax":
        return None
    expected = expected.values if isinstance(expected, rv.Tensor) else expected
    try:
        rv.numbers(expected)
        record = _call_record(actual)
    except rv.Unknown:
        return None
    if any(isinstance(v, float) for v in rv.flat(expected)):
        return None
    case = {"kind": "forward", "compare": "assert_close", **record, "output": list(actual.output)}
    return {**case, "index": actual.index, "argmax": actual.reduce[1], "expected": {"default": expected},
            "rtol": 0.0, "atol": 0.0}


def _per_device(expected: Any) -> dict[str, Any] | None:
    entries = dict(expected.per_device) if isinstance(expected, rv.Expected) else {"default": expected}
    out = {}
    for kind, values in entries.items():
        values = values.values if isinstance(values, rv.Tensor) else values
        try:
            if rv.numbers(values) > rv.MAX_VALUES:
                return None
        except rv.Unknown:
            return None
        out[kind] = values
    return out


def _spec(value: Any) -> Any:
    if isinstance(value, rv.Tensor):
        return {"tensor": value.values, "dtype": value.dtype}
    if isinstance(value, rv.Full):
        return {"full": list(value.shape), "fill": value.fill, "dtype": value.dtype}
    if isinstance(value, rv.NotEqual):
        other = {"config": value.other[1]} if isinstance(value.other, tuple) else {"literal": value.other}
        return {"not_equal": _spec(value.tensor), "other": other}
    if isinstance(value, rv.Encoding):
        kwargs = dict(value.kwargs)
        kwargs.pop("return_tensors", None)
        if value.preprocessor.checkpoint is None:
            built = {"init": dict(value.preprocessor.init)}
        else:
            built = {"options": dict(value.preprocessor.init)} if value.preprocessor.init else {}
        return {
            "preprocess": {
                **built,
                "class": value.preprocessor.cls,
                "args": [_input(arg) for arg in value.args],
                "kwargs": {name: _input(arg) for name, arg in kwargs.items()},
            },
            "field": value.field,
        }
    return {"literal": value}


def _input(value: Any) -> Any:
    if isinstance(value, rv.Image):
        return {"image": value.name}
    if isinstance(value, list):
        return [_input(item) for item in value]
    return value


def _call_record(call: rv.Forward | rv.Generate) -> dict[str, Any]:
    for value in (*call.args, *(v for _, v in call.kwargs)):
        value = value.tensor if isinstance(value, rv.NotEqual) else value
        if isinstance(value, rv.Encoding) and value.preprocessor.checkpoint not in (None, call.model.checkpoint):
            raise rv.Unknown("another checkpoint's tokenizer")
        if isinstance(value, rv.Inputs):
            raise rv.Unknown("a dict of inputs passed whole")
    return {
        "checkpoint": call.model.checkpoint,
        "class": call.model.cls,
        "load": dict(call.model.load),
        "args": [_spec(value) for value in call.args],
        "kwargs": [[name, _spec(value)] for name, value in call.kwargs],
    }


def _generation_record(actual: Any, expected: Any) -> dict[str, Any] | None:
    generate = actual.generate if isinstance(actual, rv.Decoded) else actual
    if not isinstance(generate, rv.Generate):
        return None
    kwargs = dict(generate.kwargs)
    if kwargs.get("do_sample") not in (None, False) or kwargs.get("num_beams", 1) != 1:
        return None
    if set(kwargs) - {"do_sample", "num_beams", "max_new_tokens", "max_length", "min_new_tokens"}:
        return None
    if not ({"max_new_tokens", "max_length"} & set(kwargs)):
        return None
    try:
        record = _call_record(generate)
    except rv.Unknown:
        return None
    if isinstance(actual, rv.Decoded):
        texts = expected if isinstance(expected, list) else [expected]
        if not (all(isinstance(text, str) for text in texts) and texts):
            return None
        if not actual.batch:
            texts = texts[:1]
        row = actual.generate.row
        expected_text = texts if actual.batch else texts[0]
        options = {"row": row, "skip_special_tokens": actual.skip_special_tokens, "expected_text": expected_text}
        return {"kind": "generate_text", **record, **options}
    if not generate.tolist or not isinstance(expected, list):
        return None
    try:
        rv.numbers(expected)
    except rv.Unknown:
        return None
    if any(isinstance(v, float) for v in rv.flat(expected)):
        return None
    return {"kind": "generate_ids", **record, "row": generate.row, "expected_ids": expected}
