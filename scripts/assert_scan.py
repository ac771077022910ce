"""What a transformers integration test asserts, for ``mine_test_checkpoints.py``: whether it compares its outputs
with concrete expected values (``asserts_values``) or only checks a shape (``asserts_shape_only``).

Read with ``ast`` only; see ``mine_test_checkpoints.py`` for what counts as a concrete expected value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

EQUALITY_ASSERTS = {
    "assertEqual",
    "assertEquals",
    "assertListEqual",
    "assertSequenceEqual",
    "assertTupleEqual",
    "assertDictEqual",
    "assertSetEqual",
    "assertCountEqual",
    "assertAlmostEqual",
    "assertIn",
    "assert_close",
    "assert_allclose",
    "assert_almost_equal",
    "assert_array_equal",
    "assert_array_almost_equal",
    "assert_equal",
    "allclose",
    "isclose",
    "equal",
}
WRAPPING_ASSERTS = {"assertTrue", "assert_"}
TOLERANCE_ASSERTS = {"assertLess", "assertLessEqual"}  # assertLess(abs(score - EXPECTED_SCORE), 2e-4)
LITERAL_FACTORIES = {"tensor", "Tensor", "array", "Expectations", "get_expectation", "FloatTensor", "LongTensor"}
EXPECTED_NAME_RE = re.compile(r"expect", re.IGNORECASE)
SHAPE_WORD_RE = re.compile(r"shape|size|len|dim|num_|count|dtype|device|Size", re.IGNORECASE)


def call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def identifiers(expr: ast.expr) -> Iterator[str]:
    """Names and attribute names used anywhere in `expr`."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr


def is_shape_like(expr: ast.expr) -> bool:
    """True when `expr` is about shapes, lengths, dtypes or config fields rather than model output values."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Call) and call_name(node) in {"len", "Size", "size", "dim"}:
            return True
    return any(SHAPE_WORD_RE.search(name) or "config" in name for name in identifiers(expr))


def is_literal_value(expr: ast.expr) -> bool:
    """True for literal expected values: strings, numbers, lists/tuples/dicts of them, ``torch.tensor([...])``."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str | int | float) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.operand, ast.Constant):
        return is_literal_value(expr.operand)
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return bool(expr.elts) and all(is_literal_value(elt) for elt in expr.elts)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult | ast.Add):  # ["a cat"] * 2
        return is_literal_value(expr.left) and is_literal_value(expr.right)
    if isinstance(expr, ast.Dict):
        return bool(expr.values) and all(v is not None and is_literal_value(v) for v in expr.values)
    if isinstance(expr, ast.Call):
        if call_name(expr) in LITERAL_FACTORIES:
            return True
        # torch.tensor([...]).to(device), expectations.get_expectation() and similar chains
        return isinstance(expr.func, ast.Attribute) and is_literal_value(expr.func.value)
    if isinstance(expr, ast.Attribute):
        return is_literal_value(expr.value)
    return False


@dataclass
class AssertScan:
    """Classifies the comparisons of one set of function bodies."""

    value_names: set[str]  # locals / module names bound to literal expected values

    def operand_is_expected(self, expr: ast.expr) -> bool:
        if is_literal_value(expr):
            return True
        return any(EXPECTED_NAME_RE.search(name) or name in self.value_names for name in identifiers(expr))

    def classify(self, operands: list[ast.expr]) -> str | None:
        """Return "values", "shape" or None for one comparison between `operands`."""
        if len(operands) < 2:
            return None
        if any(is_shape_like(op) for op in operands):
            return "shape"
        return "values" if any(self.operand_is_expected(op) for op in operands) else None

    def comparisons(self, expr: ast.expr) -> Iterator[list[ast.expr]]:
        """Operand lists of the equality-type comparisons inside an asserted expression."""
        if isinstance(expr, ast.BoolOp):
            for value in expr.values:
                yield from self.comparisons(value)
        elif isinstance(expr, ast.Compare) and all(isinstance(op, ast.Eq | ast.In) for op in expr.ops):
            yield [expr.left, *expr.comparators]
        elif isinstance(expr, ast.Compare) and all(isinstance(op, ast.Lt | ast.LtE) for op in expr.ops):
            yield from differences(expr.left)
        elif isinstance(expr, ast.Call) and call_name(expr) in EQUALITY_ASSERTS:
            yield comparison_operands(expr)
        elif isinstance(expr, ast.Call) and call_name(expr) in {"all", "item"} and isinstance(expr.func, ast.Attribute):
            yield from self.comparisons(expr.func.value)

    def scan(self, bodies: Iterable[ast.AST]) -> set[str]:
        kinds: set[str] = set()
        for body in bodies:
            for node in ast.walk(body):
                groups: list[list[ast.expr]] = []
                if isinstance(node, ast.Assert):
                    groups.extend(self.comparisons(node.test))
                elif isinstance(node, ast.Call) and call_name(node) in WRAPPING_ASSERTS and node.args:
                    groups.extend(self.comparisons(node.args[0]))
                elif isinstance(node, ast.Call) and call_name(node) in TOLERANCE_ASSERTS and node.args:
                    groups.extend(differences(node.args[0]))
                elif isinstance(node, ast.Call) and call_name(node) in EQUALITY_ASSERTS:
                    groups.append(comparison_operands(node))
                for operands in groups:
                    kind = self.classify(operands)
                    if kind:
                        kinds.add(kind)
        return kinds


def differences(expr: ast.expr) -> Iterator[list[ast.expr]]:
    """Operand pairs of the subtractions in a tolerance check such as ``abs(loss - EXPECTED) < 1e-3``."""
    for node in ast.walk(expr):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            yield [node.left, node.right]


def comparison_operands(call: ast.Call) -> list[ast.expr]:
    operands = list(call.args[:2])
    operands.extend(kw.value for kw in call.keywords if kw.arg in {"expected", "desired", "second", "other"})
    return operands
