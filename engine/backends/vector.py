"""The vector backend: the same AST over columnar frames, one row per subject at once.

Each node kind has a compile handler in ``HANDLERS`` returning a closure over a
:class:`VectorContext`. Values carry ``known`` and ``err`` masks so that every row gets exactly
the outcome the scalar backend gives it — unknown where it has an unknown, an error where it
would raise — including its order of evaluation: ``and``/``or``, ``if``, ``any``/``all`` and
eligibility trees count an error only on rows where the scalar backend evaluates that part.

Loops (aggregates and list comprehensions) run in a child *space* of rows, one per (owner row,
item) pair, in the scalar iteration order; reductions are segment operations over the owners.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np

from engine import ast
from engine.backends import vector_values as vv
from engine.backends.branchless import choose
from engine.backends.vector_shared import Sharing, shared_signatures, signatures
from engine.backends.vector_values import Bools, Days, Lists, Months, Num, Refs, Texts, Vec, Windows
from engine.frames import Frames
from engine.library import FUNCTIONS
from engine.periods import Month

Compiled = Callable[["VectorContext"], Vec]


class VectorContext:
    """Subjects (root rows), the current loop space, loop variables and computed variables."""

    def __init__(
        self,
        ruleset,
        frames: Frames,
        period,
        subject_person: np.ndarray,  # type: ignore[no-untyped-def]
        subject_household: np.ndarray,
        variables: dict,
        program: VectorProgram,
        cache: dict,
        measure_code: str = "",
        sharing: Sharing | None = None,
    ):
        self.ruleset = ruleset
        self.frames = frames
        self.period = period  # engine.values.PeriodValue
        self.as_of_day = (period.start - _EPOCH).days
        self.subject_person = subject_person
        self.subject_household = subject_household
        self.n_root = len(subject_person)
        self.variables = variables  # name → Variable
        self.program = program
        self.cache = cache  # memo of pure functions of the frames (income tables ...)
        self.measure_code = measure_code  # whose application ``application`` means (engine.batch)
        self.sharing = sharing  # variables shared with other measures (engine.backends.vector_shared)
        self.values: dict[str, Vec] = {}
        self.ups: list[np.ndarray] = []  # ups[d - 1] maps rows of space d to rows of space d - 1
        self.sizes: list[int] = [self.n_root]
        self.loops: dict[str, tuple[int, Vec]] = {}
        self._index_cache: dict[tuple[int, int], np.ndarray] = {}

    # -- spaces ---------------------------------------------------------------------------------

    @property
    def depth(self) -> int:
        return len(self.ups)

    @property
    def n(self) -> int:
        return self.sizes[-1]

    def index_to(self, depth: int) -> np.ndarray:
        """For each row of the current space, its row in the space at ``depth``."""
        key = (self.depth, depth)
        found = self._index_cache.get(key)
        if found is None:
            found = np.arange(self.n)
            for level in range(self.depth, depth, -1):
                found = self.ups[level - 1][found]
            self._index_cache[key] = found
        return found

    def from_root(self, value: Vec) -> Vec:
        return value if self.depth == 0 else vv.take(value, self.index_to(0))

    def root_rows(self) -> np.ndarray:
        return self.index_to(0)

    def push(self, owner: np.ndarray) -> None:
        self.ups.append(owner)
        self.sizes.append(len(owner))

    def pop(self) -> None:
        depth = self.depth
        self.ups.pop()
        self.sizes.pop()
        for key in [k for k in self._index_cache if k[0] >= depth]:
            del self._index_cache[key]

    # -- variables ------------------------------------------------------------------------------

    def variable(self, name: str) -> Vec:
        value = self.values.get(name)
        shared = None if value is not None or self.sharing is None else self.sharing.key(name)
        if shared is not None:
            value = self.sharing.store.get(shared, self.sharing.rows)  # type: ignore[union-attr]
        if value is None:
            saved_ups, saved_sizes, saved_loops = self.ups, self.sizes, self.loops
            self.ups, self.sizes, self.loops = [], [self.n_root], {}
            saved_cache = self._index_cache
            self._index_cache = {}
            try:
                value = self.program.formula(self.variables[name].formula)(self)
            finally:
                self.ups, self.sizes, self.loops, self._index_cache = saved_ups, saved_sizes, saved_loops, saved_cache
            if shared is not None:
                self.sharing.store.put(shared, self.sharing.rows, self.sharing.size, value)  # type: ignore[union-attr]
        self.values[name] = value
        return self.from_root(value)

    def narrowed(self, index: np.ndarray) -> VectorContext:
        """The same evaluation for a subset of the subjects (at the root, outside any loop).

        Every function is row-wise, so a row's values do not depend on which other rows are
        evaluated with it: conditions and amounts need only be computed for the rows still open.
        """
        assert self.depth == 0, "narrowing inside a loop"
        sub = VectorContext(
            self.ruleset,
            self.frames,
            self.period,
            self.subject_person[index],
            self.subject_household[index],
            self.variables,
            self.program,
            self.cache,
            self.measure_code,
            None if self.sharing is None else self.sharing.narrowed(index),
        )
        sub.values = _NarrowedValues(self.values, index)
        return sub

    # -- helpers --------------------------------------------------------------------------------

    def ones(self) -> np.ndarray:
        return np.ones(self.n, dtype=bool)

    def zeros(self) -> np.ndarray:
        return np.zeros(self.n, dtype=bool)


class _NarrowedValues(dict):  # type: ignore[type-arg]
    """The computed variables of a narrowed context: taken from the wider context's on first use
    (a measure narrowed to its eligible rows reads only the few its amount needs)."""

    def __init__(self, wider: dict, index: np.ndarray) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.wider, self.index = wider, index

    def get(self, name: str, default: Vec | None = None) -> Vec | None:  # type: ignore[override]
        if name in self:
            return self[name]  # type: ignore[no-any-return]
        value = self.wider.get(name)
        if value is None:
            return default
        taken = self[name] = value.take(self.index)  # type: ignore[attr-defined]
        return taken  # type: ignore[no-any-return]


_EPOCH = __import__("datetime").date(1970, 1, 1)


class VectorProgram:
    """Compiled vector closures for the formulas of one rule set."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Any, Compiled]] = {}
        self.parameters: dict[tuple[str, tuple[str, ...]], Any] = {}  # (name, key) → series arrays
        self._signatures: dict[tuple[str, Any], dict[str, tuple[str, bool]]] = {}
        self._shared: set[str] | None = None
        self.result_types: dict[str, tuple[Any, Any]] = {}  # measure code → (measure, engine.batch types)
        self.expression_keys: dict[tuple[str, Any], dict[int, Any]] = {}  # per measure version: id(node) → key

    def signatures_of(self, measure: str, version: Any, variables: dict) -> dict[str, tuple[str, bool]]:
        """The signatures of a measure version's variables (``vector_shared``), computed once."""
        found = self._signatures.get((measure, version))
        if found is None:
            found = self._signatures[(measure, version)] = signatures(variables)
        return found

    def shared_signatures(self, ruleset: Any) -> set[str]:
        if self._shared is None:
            self._shared = shared_signatures(ruleset)
        return self._shared

    def formula(self, formula) -> Compiled:  # type: ignore[no-untyped-def]
        entry = self._cache.get(id(formula))
        if entry is None or entry[0] is not formula:
            entry = (formula, compile_expr(formula.expr, frozenset()))
            self._cache[id(formula)] = entry
        return entry[1]


def compile_expr(node: ast.Expr, loops: frozenset[str]) -> Compiled:
    handler = HANDLERS.get(type(node))
    if handler is None:
        raise NotImplementedError(f"vector backend has no handler for {type(node).__name__}")
    return handler(node, loops)


# -- segments: reductions over the pairs of a loop, owners ascending ------------------------------


def segment_bounds(owner: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(owner, minlength=n)
    ends = np.cumsum(counts)
    return ends - counts, ends


def seg_any(mask: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner[mask], minlength=n) > 0


def seg_count(mask: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner[mask], minlength=n).astype(np.int64)


def seg_sum(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Exact sums per owner (values zero where not counted)."""
    starts, ends = segment_bounds(owner, n)
    if values.dtype == object:
        total = np.zeros(n, dtype=object)
        np.add.at(total, owner, values)
        return total
    if values.size and int(np.abs(values).max()) * max(1, values.size) >= vv.INT64_SAFE:
        return seg_sum(values.astype(object), owner, n)
    running = np.concatenate([[0], np.cumsum(values, dtype=np.int64)])
    return running[ends] - running[starts]


def seg_extreme(values: np.ndarray, mask: np.ndarray, owner: np.ndarray, n: int, pick: str) -> np.ndarray:
    """Minimum or maximum of the masked values per owner (0 where there are none)."""
    result = np.zeros(n, dtype=values.dtype)
    chosen = np.flatnonzero(mask)
    if chosen.size == 0:
        return result
    kept_owner = owner[chosen]
    kept = values[chosen]
    if kept.dtype == object:  # Python integers beyond int64: a plain loop, exact
        best: dict[int, object] = {}
        better = min if pick == "min" else max
        for o, v in zip(kept_owner.tolist(), kept.tolist(), strict=True):
            best[o] = v if o not in best else better(best[o], v)
        for o, v in best.items():
            result[o] = v
        return result
    order = np.lexsort((kept, kept_owner))
    sorted_owner = kept_owner[order]
    sorted_values = kept[order]
    if pick == "min":
        edge = np.concatenate([[True], sorted_owner[1:] != sorted_owner[:-1]])
    else:
        edge = np.concatenate([sorted_owner[1:] != sorted_owner[:-1], [True]])
    result[sorted_owner[edge]] = sorted_values[edge]
    return result


def exclusive_group_cumsum(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """For each pair, the sum of ``values`` over the earlier pairs of the same owner."""
    if values.size == 0:
        return values.astype(np.int64)
    running = np.cumsum(values.astype(np.int64))
    counts = np.bincount(owner)  # owners ascend: each owner's pairs are one run
    group_start = (np.cumsum(counts) - counts)[owner]
    before_group = running[group_start] - values[group_start].astype(np.int64)
    return running - values.astype(np.int64) - before_group


# -- value helpers -----------------------------------------------------------------------------------


def select(mask: np.ndarray, a: Vec, b: Vec) -> Vec:
    """Row-wise ``a if mask else b`` for values of the same kind."""
    known = _choose_mask(mask, a.known, b.known)
    err = _choose_mask(mask, a.err, b.err)
    if isinstance(a, Num) and isinstance(b, Num):
        left, right, scale = vv.aligned(a, b)
        if left.dtype == object or right.dtype == object:
            left, right = left.astype(object), right.astype(object)
        return Num(known, err, choose(mask, left, right), scale)
    if isinstance(a, Bools | Days | Months | Texts) and type(a) is type(b):
        return type(a)(known, err, choose(mask, a.v, b.v))
    if isinstance(a, Windows) and isinstance(b, Windows):
        return Windows(known, err, choose(mask, a.first, b.first), choose(mask, a.last, b.last))
    if isinstance(a, Refs) and isinstance(b, Refs) and a.kind == b.kind:
        return Refs(known, err, a.kind, choose(mask, a.idx, b.idx))
    if isinstance(a, Lists) and isinstance(b, Lists):
        rows = np.arange(len(mask))
        left = a.take(rows[mask])
        right = b.take(rows[~mask])
        return _merge_lists(mask, left, right, known, err)
    raise TypeError(f"cannot choose between {type(a).__name__} and {type(b).__name__}")


def _choose_mask(mask: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``where(mask, a, b)`` of two masks, uniform when both are the same uniform value."""
    same = vv.uniform(a)
    if same is not None and vv.uniform(b) is same:
        return a
    return choose(mask, a, b)


def _merge_lists(mask: np.ndarray, left: Lists, right: Lists, known: np.ndarray, err: np.ndarray) -> Lists:
    rows = np.arange(len(mask))
    left_rows = rows[mask][left.owner]
    right_rows = rows[~mask][right.owner]
    owner = np.concatenate([left_rows, right_rows])
    items = concat([left.items, right.items])
    order = np.argsort(owner, kind="stable")
    return Lists(known, err, owner[order], vv.take(items, order))


def concat(values: list[Vec]) -> Vec:
    first = values[0]
    known = np.concatenate([v.known for v in values])
    err = np.concatenate([v.err for v in values])
    if isinstance(first, Num):
        scale = max(v.scale for v in values)  # type: ignore[attr-defined]
        parts = [v.rescaled(scale) for v in values]  # type: ignore[attr-defined]
        if any(p.dtype == object for p in parts):
            parts = [p.astype(object) for p in parts]
        return Num(known, err, np.concatenate(parts), scale)
    if isinstance(first, Bools | Days | Months | Texts):
        return type(first)(known, err, np.concatenate([v.v for v in values]))  # type: ignore[attr-defined]
    if isinstance(first, Refs):
        return Refs(known, err, first.kind, np.concatenate([v.idx for v in values]))  # type: ignore[attr-defined]
    if isinstance(first, Windows):
        return Windows(
            known,
            err,
            np.concatenate([v.first for v in values]),  # type: ignore[attr-defined]
            np.concatenate([v.last for v in values]),
        )  # type: ignore[attr-defined]
    raise TypeError(f"cannot join {type(first).__name__}")


def constant(value: Any, n: int) -> Vec:
    known, err = vv.ones(n), vv.zeros(n)
    if isinstance(value, bool):
        return Bools(known, err, vv.ones(n) if value else vv.zeros(n))
    if isinstance(value, Decimal):
        return vv.num_constant(value, n)
    if isinstance(value, str):  # a read-only view of one object: no n-element copy
        return Texts(known, err, vv.spread(value, n, object))
    raise TypeError(value)


# -- handlers -------------------------------------------------------------------------------------


def _constant(node: ast.Number | ast.Text | ast.Bool, loops: frozenset[str]) -> Compiled:
    value = node.value
    return lambda ctx: constant(value, ctx.n)


def _list(node: ast.ListOf, loops: frozenset[str]) -> Compiled:
    items = [compile_expr(item, loops) for item in node.items]

    def run(ctx: VectorContext) -> Vec:
        n = ctx.n
        values = [item(ctx) for item in items]
        known = np.logical_and.reduce([v.known for v in values]) if values else np.ones(n, dtype=bool)
        err = np.logical_or.reduce([v.err for v in values]) if values else np.zeros(n, dtype=bool)
        if not values:
            return Lists(
                known,
                err,
                np.zeros(0, dtype=np.int64),
                Texts(np.zeros(0, bool), np.zeros(0, bool), np.zeros(0, dtype=object)),
            )
        joined = concat(values)  # item-major: item 0 of every row, then item 1 ...
        k = len(values)
        order = (np.arange(n)[:, None] + np.arange(k)[None, :] * n).reshape(-1)  # row-major
        owner = np.repeat(np.arange(n), k)
        return Lists(known, err, owner, vv.take(joined, order))

    return run


def _name(node: ast.Name, loops: frozenset[str]) -> Compiled:
    from engine.backends.vector_ops import root_name

    name = node.id
    if name in loops:

        def run_loop(ctx: VectorContext) -> Vec:
            depth, value = ctx.loops[name]
            return value if depth == ctx.depth else vv.take(value, ctx.index_to(depth))

        return run_loop
    special = root_name(name)
    if special is not None:
        return special
    return lambda ctx: ctx.variable(name)


def _attribute(node: ast.Attribute, loops: frozenset[str]) -> Compiled:
    from engine.backends.vector_ops import field

    base = compile_expr(node.value, loops)
    name = node.name

    def run(ctx: VectorContext) -> Vec:
        obj = base(ctx)
        value = field(ctx, obj, name)
        value.known = vv.both(value.known, obj.known)
        value.err = vv.either(value.err, obj.err)
        return value

    return run


def _unary(node: ast.Unary, loops: frozenset[str]) -> Compiled:
    operand = compile_expr(node.operand, loops)
    if node.op == "not":

        def run_not(ctx: VectorContext) -> Vec:
            value = operand(ctx)
            return Bools(value.known, value.err, ~value.v)  # type: ignore[attr-defined]

        return run_not

    def run_negate(ctx: VectorContext) -> Vec:
        value = operand(ctx)
        return vv.negate(value)  # type: ignore[arg-type]

    return run_negate


def _binop(node: ast.BinOp, loops: frozenset[str]) -> Compiled:
    left = compile_expr(node.left, loops)
    right = compile_expr(node.right, loops)
    operation = {"+": lambda a, b: vv.add(a, b), "-": lambda a, b: vv.add(a, b, -1), "*": vv.mul, "/": vv.div}[node.op]
    return lambda ctx: operation(left(ctx), right(ctx))


def _boolop(node: ast.BoolOp, loops: frozenset[str]) -> Compiled:
    """``and``/``or`` as the scalar backend reads them, left to right: an operand counts only for
    the rows the operands before it left undecided (its errors and unknowns elsewhere are
    ignored). At the subjects' level an operand is evaluated for those rows alone once they are
    at most half of them (``cheap_test and costly_test``: the costly one for the few rows left)."""
    values = [compile_expr(value, loops) for value in node.values]
    decisive = node.op == "or"

    def run(ctx: VectorContext) -> Vec:
        active = ctx.ones()
        decided = ctx.zeros()
        unknown = ctx.zeros()
        err = ctx.zeros()
        for position, compiled in enumerate(values):
            if position and ctx.depth == 0 and not active.all():
                rows = np.flatnonzero(active)
                if len(rows) == 0:
                    break  # every row decided: the operands left count for none
                value = _on_rows(compiled, ctx, rows) if 2 * len(rows) <= ctx.n else compiled(ctx)
            else:
                value = compiled(ctx)
            err |= active & value.err
            active &= ~value.err
            settles = active & value.known & (value.v == decisive)  # type: ignore[attr-defined]
            decided |= settles
            unknown |= active & ~value.known
            active &= ~settles
        known = decided | ~unknown
        return Bools(known, err, decided if decisive else ~decided)

    return run


def _on_rows(compiled: Compiled, ctx: VectorContext, rows: np.ndarray) -> Bools:
    """A condition evaluated for some of the subjects (``rows``), as a column of every subject:
    the other rows read as known and false, and the caller ignores them."""
    part = compiled(ctx.narrowed(rows))
    assert isinstance(part, Bools)
    value, known, err = ctx.zeros(), ctx.ones(), ctx.zeros()
    value[rows], known[rows], err[rows] = part.v, part.known, part.err
    return Bools(known, err, value)


def compare_values(op: str, a: Vec, b: Vec) -> Bools:
    known = vv.both(a.known, b.known)
    err = vv.either(a.err, b.err)
    if op in ("in", "not in"):
        assert isinstance(b, Lists)
        member = _contains(a, b)
        return Bools(known, err, member if op == "in" else ~member)
    if isinstance(a, Num) and isinstance(b, Num):
        left, right = vv.compare(a, b)
    elif isinstance(a, Refs) and isinstance(b, Refs):
        left, right = a.idx, b.idx
    elif isinstance(a, Windows) and isinstance(b, Windows):
        same = (a.first == b.first) & (a.last == b.last)
        return Bools(known, err, same if op == "==" else ~same)
    else:
        if isinstance(a, Texts) and isinstance(b, Texts) and op in ("==", "!="):
            equal = vv.text_equal(a, b)
            if equal is not None:  # a categorical column against a literal: integer codes
                return Bools(known, err, equal if op == "==" else ~equal)
        left, right = a.v, b.v  # type: ignore[attr-defined]
    result = {
        "==": lambda: left == right,
        "!=": lambda: left != right,
        "<": lambda: left < right,
        "<=": lambda: left <= right,
        ">": lambda: left > right,
        ">=": lambda: left >= right,
    }[op]()
    return Bools(known, err, np.asarray(result, dtype=bool))


def _contains(value: Vec, items: Lists) -> np.ndarray:
    n = len(value.known)
    if items.owner.size == 0:
        return np.zeros(n, dtype=bool)
    needle = vv.take(value, items.owner)
    equal = compare_values("==", needle, items.items).v
    return seg_any(equal, items.owner, n)


def _compare(node: ast.Compare, loops: frozenset[str]) -> Compiled:
    left = compile_expr(node.left, loops)
    right = compile_expr(node.right, loops)
    op = node.op
    if op in ("in", "not in") and _literal_texts(node.right):
        texts = tuple(item.value for item in node.right.items)  # type: ignore[attr-defined]

        def text_in(ctx: VectorContext) -> Vec:
            """A text in a list of literals (``role in ['applicant', 'spouse']``): compared with
            each, no list built per row."""
            value = left(ctx)
            if not isinstance(value, Texts):
                return compare_values(op, value, right(ctx))
            member = vv.text_in(value, texts)
            return Bools(value.known, value.err, member if op == "in" else ~member)

        return text_in
    return lambda ctx: compare_values(op, left(ctx), right(ctx))


def _literal_texts(node: ast.Expr) -> bool:
    return isinstance(node, ast.ListOf) and bool(node.items) and all(isinstance(i, ast.Text) for i in node.items)


def _ifelse(node: ast.IfElse, loops: frozenset[str]) -> Compiled:
    condition = compile_expr(node.condition, loops)
    then = compile_expr(node.then, loops)
    otherwise = compile_expr(node.otherwise, loops)

    def run(ctx: VectorContext) -> Vec:
        test = condition(ctx)
        yes = then(ctx)
        no = otherwise(ctx)
        taken = test.v  # type: ignore[attr-defined]
        result = select(taken, yes, no)
        result.known = vv.both(test.known, result.known)
        result.err = vv.either(test.err, vv.both(test.known, result.err))
        return result

    return run


def _loop(ctx: VectorContext, source: Lists, var: str, body: Callable[[VectorContext], Any]) -> Any:
    """Run ``body`` in the child space of the pairs of ``source``, ``var`` bound to the items."""
    ctx.push(source.owner)
    saved = ctx.loops.get(var)
    ctx.loops[var] = (ctx.depth, source.items)
    try:
        return body(ctx)
    finally:
        if saved is None:
            ctx.loops.pop(var, None)
        else:
            ctx.loops[var] = saved
        ctx.pop()


def _aggregate(node: ast.Aggregate, loops: frozenset[str]) -> Compiled:
    source = compile_expr(node.source, loops)
    inner = loops | {node.var}
    element = compile_expr(node.element, inner)
    condition = compile_expr(node.condition, inner) if node.condition is not None else None
    func = node.func

    def run(ctx: VectorContext) -> Vec:
        items = source(ctx)
        assert isinstance(items, Lists)
        n = ctx.n
        owner = items.owner

        def body(child: VectorContext) -> tuple[Vec | None, Vec | None]:
            keep = condition(child) if condition is not None else None
            value = element(child) if func != "count" else None
            return keep, value

        keep, value = _loop(ctx, items, node.var, body)
        pairs = len(owner)
        keep_known = keep.known if keep is not None else np.ones(pairs, dtype=bool)
        keep_true = keep_known & (keep.v if keep is not None else np.ones(pairs, dtype=bool))  # type: ignore[attr-defined]
        keep_err = keep.err if keep is not None else np.zeros(pairs, dtype=bool)
        value_known = value.known if value is not None else np.ones(pairs, dtype=bool)
        value_err = value.err if value is not None else np.zeros(pairs, dtype=bool)
        pair_err = keep_err | (keep_true & value_err)
        pair_unknown = ~keep_err & (~keep_known | (keep_true & ~value_err & ~value_known))
        kept = keep_true & ~value_err & value_known
        if func in ("any", "all"):
            target = func == "any"
            settles = kept & (value.v == target)  # type: ignore[union-attr]
            settled = seg_any(settles, owner, n)
            if pair_err.any() or pair_unknown.any():  # only those before the settling pair count
                before = exclusive_group_cumsum(settles, owner) > 0 if pairs else settles
                err_rows = seg_any(pair_err & ~before, owner, n)
                unknown_rows = seg_any(pair_unknown & ~before, owner, n)
            else:
                err_rows = unknown_rows = np.zeros(n, dtype=bool)
            known = settled | ~unknown_rows
            result = Bools(items.known & known, items.err | (items.known & err_rows), settled if target else ~settled)
            return result
        err_rows = seg_any(pair_err, owner, n)
        unknown_rows = seg_any(pair_unknown, owner, n)
        known = items.known & ~unknown_rows
        err = items.err | (items.known & err_rows)
        if func == "count":
            return Num(known, err, seg_count(kept, owner, n), 0)
        assert value is not None
        if func == "sum":
            if isinstance(value, Num):
                mantissa = choose(kept, value.m, 0)
                if value.m.dtype == object:
                    mantissa = mantissa.astype(object)
                return Num(known, err, seg_sum(mantissa, owner, n), value.scale)
            raise TypeError("sum() of non-numbers")
        # min / max
        empty = seg_count(kept, owner, n) == 0
        err = err | (items.known & known & empty)
        if isinstance(value, Num):
            result = seg_extreme(value.m, kept, owner, n, func)
            return Num(known, err, result, value.scale)
        extreme = seg_extreme(value.v, kept, owner, n, func)  # type: ignore[union-attr]
        return type(value)(known, err, extreme)  # type: ignore[call-arg]

    return _shared(node, run)


def _list_comp(node: ast.ListComp, loops: frozenset[str]) -> Compiled:
    source = compile_expr(node.source, loops)
    inner = loops | {node.var}
    element = compile_expr(node.element, inner)
    condition = compile_expr(node.condition, inner) if node.condition is not None else None

    def run(ctx: VectorContext) -> Vec:
        items = source(ctx)
        assert isinstance(items, Lists)
        n = ctx.n
        owner = items.owner

        def body(child: VectorContext) -> tuple[Vec | None, Vec]:
            return (condition(child) if condition is not None else None), element(child)

        keep, value = _loop(ctx, items, node.var, body)
        pairs = len(owner)
        keep_known = keep.known if keep is not None else np.ones(pairs, dtype=bool)
        keep_true = keep_known & (keep.v if keep is not None else np.ones(pairs, dtype=bool))  # type: ignore[attr-defined]
        keep_err = keep.err if keep is not None else np.zeros(pairs, dtype=bool)
        pair_err = keep_err | (keep_true & value.err)
        pair_unknown = ~keep_err & (~keep_known | (keep_true & ~value.err & ~value.known))
        kept = keep_true & ~value.err & value.known
        known = items.known & ~seg_any(pair_unknown, owner, n)
        err = items.err | (items.known & seg_any(pair_err, owner, n))
        chosen = np.flatnonzero(kept)
        return Lists(known, err, owner[chosen], vv.take(value, chosen))

    return run


def _call(node: ast.Call, loops: frozenset[str]) -> Compiled:
    from engine.backends.vector_functions import IMPLEMENTATIONS
    from engine.backends.vector_ops import person_subject

    function = FUNCTIONS[node.func]
    implementation = IMPLEMENTATIONS[node.func]
    args = [compile_expr(arg, loops) for arg in node.args]
    keywords = [(name, compile_expr(value, loops)) for name, value in node.keywords]
    implicit_person = function.person_first and len(node.args) == len(function.args)

    def run(ctx: VectorContext) -> Vec:
        values = [person_subject(ctx)] if implicit_person else []
        values += [arg(ctx) for arg in args]
        named = {name: compiled(ctx) for name, compiled in keywords}
        everything = values + list(named.values())
        known, err = vv.ones(ctx.n), vv.zeros(ctx.n)
        for value in everything:
            known, err = vv.both(known, value.known), vv.either(err, value.err)
        result = implementation(ctx, node, *values, **named)
        result.err = vv.either(err, vv.both(known, result.err))
        result.known = vv.both(known, result.known)
        return result

    return _shared(node, run)


def _shared(node: ast.Expr, run: Compiled) -> Compiled:
    """``run``, its value kept for the other measures when the expression is shared with them
    (``engine.backends.vector_shared``) and evaluated at the subjects' level."""

    def shared(ctx: VectorContext) -> Vec:
        sharing = ctx.sharing
        key = sharing.expression(node) if sharing is not None and ctx.depth == 0 else None
        if key is None:
            return run(ctx)
        value = sharing.store.get(key, sharing.rows)  # type: ignore[union-attr]
        if value is None:
            value = run(ctx)
            sharing.store.put(key, sharing.rows, sharing.size, value)  # type: ignore[union-attr]
        return value

    return shared


HANDLERS: dict[type, Callable[[Any, frozenset[str]], Compiled]] = {
    ast.Number: _constant,
    ast.Text: _constant,
    ast.Bool: _constant,
    ast.ListOf: _list,
    ast.Name: _name,
    ast.Attribute: _attribute,
    ast.Unary: _unary,
    ast.BinOp: _binop,
    ast.BoolOp: _boolop,
    ast.Compare: _compare,
    ast.IfElse: _ifelse,
    ast.Aggregate: _aggregate,
    ast.ListComp: _list_comp,
    ast.Call: _call,
}

__all__ = ["HANDLERS", "Month", "VectorContext", "VectorProgram", "compile_expr"]
