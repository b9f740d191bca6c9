"""Reference worker: runs one Python function over many inputs, inside the sandbox.

STANDALONE and stdlib-only: it is run by a bare interpreter (`python -S -s`) that cannot
see tolk. Protocol:

    stdin   one JSON object {"source", "function", "inputs": [[arg, ...], ...],
            "timeout_s": per-input seconds, "max_timeouts": stop after this many,
            "max_result_chars": larger results are reported as too large,
            optional "coverage": true, "describe": true, "int64": true,
            "mutants": [source, ...]}
    stdout  one JSON line per input, in order:
                {"ok": value} | {"error": "Type: message"} | {"timeout": true}
                | {"too_large": n_chars}
            ("ok" records carry "t": the result's type descriptor when "describe" is set;
            with "coverage", each input's record is followed by {"cov": [lines],
            "arcs": [[from, to], ...]}: the lines of the function (and its comprehensions)
            that ran, and the line-to-line arcs of the function's own frame, -1 for exit);
            then a trailer {"done": n_inputs_run, "stopped": "" | "max_timeouts"} (with
            coverage also "lines": the function's executable lines, "first": its def line);
            or a single {"fatal": "..."} when the source or function cannot be set up.
            With "int64", an input on which the function computes an integer outside
            int64 anywhere (inputs, intermediates, result) reports {"int64": "detail"}.
            With "mutants" (mutation search), each mutant's source (a def of the same
            function, run in a copy of the module's namespace) runs over the inputs and
            only its records that differ from the original's, on inputs where the
            original returned, are written, as {"m": j, "i": k, <record>} (with
            "emit_base", the original's records come first as {"b": k, <record>}); a mutant that cannot be set up gives
            {"m": j, "fatal": "..."}; a mutant stops at its first timeout (the limit
            then is min(timeout_s, 20x the original's slowest input)) or after
            "max_kills" differing records.

The int64 contract: with "int64", every function body of the module is rewritten (AST)
so that each arithmetic result, unary minus, call result and augmented assignment
passes through a check that raises when an int leaves [-2^63, 2^63); module-level code
is left as is (a constant like 2**64 at module level is not the function's arithmetic),
and the check is armed only while the function runs on an input (module set-up may call
the module's functions on values of its own, e.g. 128-bit addresses).

Values: tuples become lists; non-finite floats {"float": "nan" | "inf" | "-inf"}; ints
outside int64 {"bigint": "<digits>"}, or {"bigint": "+" | "-"} when too long to print
(an int result outside int64 never survives vector hygiene; a float slot converts it); anything else {"unsupported": type name}. The function's own output
(print, os.write(1, ...)) goes to stderr, never into the protocol channel.
"""

import ast
import copy
import json
import math
import os
import signal
import sys
import time

_INT64 = 2**63


class _InputTimeout(BaseException):
    """Raised by SIGPROF (the CPU-time limit) or SIGALRM (the wall-clock backstop); a
    BaseException so `except Exception` in user code misses it."""


def _on_alarm(signum, frame):
    raise _InputTimeout()


# A time limit that follows the machine's load makes the suite follow it too: on a loaded
# machine (CI, two runs side by side) a wall-clock limit timed out other inputs from run to
# run, and even CPU time moves by tens of percent under contention. With the int64 guard
# (every test-generation run), the limit is first a count of guarded operations (each
# arithmetic result and call result, _i64): STEPS_PER_SECOND of them per second of limit
# (this code does 8-9 million a CPU second on the 2-core machine that measured it, so the
# count decides well before the backstop), and a slow input times out at the same step
# whatever the load. CPU time at CPU_FACTOR times the
# limit is the backstop for work the count misses (builtins, loops without arithmetic),
# and the wall clock at WALL_FACTOR for code that blocks (sleep, a lock).
STEPS_PER_SECOND = 6_000_000
CPU_FACTOR = 3.0
WALL_FACTOR = 8.0
_NO_STEP_LIMIT = 1 << 62


def _arm(seconds, steps=None):
    _STEPS[0] = 0
    _STEPS[1] = _NO_STEP_LIMIT if steps is None else steps
    signal.setitimer(signal.ITIMER_PROF, seconds * (CPU_FACTOR if _STATE["steps"] else 1.0))
    signal.setitimer(signal.ITIMER_REAL, seconds * WALL_FACTOR)


def _disarm():
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)


class _Int64Escape(BaseException):
    """An integer left int64 (BaseException: the function's `except Exception` misses it)."""


_ARMED = [False]  # checks count only during a call on an input, not at module set-up
_STEPS = [0, 0]  # int64-guarded operations done in this call, and the call's step limit


def _i64(v):
    if _ARMED[0]:
        _STEPS[0] += 1
        if _STEPS[0] > _STEPS[1]:
            raise _InputTimeout()
        if v.__class__ is int and not -_INT64 <= v < _INT64:
            raise _Int64Escape("int %s%d bits" % ("-" if v < 0 else "", v.bit_length()))
    return v


class _Int64Guard(ast.NodeTransformer):
    """Wraps every int-producing expression of function bodies in `__tolk_i64__(...)`."""

    def __init__(self):
        self.depth = 0

    def _wrap(self, node):
        # __x__ names are never mangled: the check works inside class bodies' methods too
        call = ast.Call(func=ast.Name(id="__tolk_i64__", ctx=ast.Load()), args=[node],
                        keywords=[])
        return ast.copy_location(call, node)

    def visit_FunctionDef(self, node):
        self.depth += 1
        node.body = [self.visit(s) for s in node.body]
        node.body = [x for s in node.body for x in (s if isinstance(s, list) else [s])]
        self.depth -= 1
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.depth += 1
        node.body = self.visit(node.body)
        self.depth -= 1
        return node

    def visit_match_case(self, node):
        # Patterns (`case -1:`) must stay literals: only the guard and the body are code.
        if node.guard is not None:
            node.guard = self.visit(node.guard)
        body = [self.visit(s) for s in node.body]
        node.body = [x for s in body for x in (s if isinstance(s, list) else [s])]
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return self._wrap(node) if self.depth else node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        return self._wrap(node) if self.depth and not isinstance(node.op, ast.Not) else node

    def visit_Call(self, node):
        self.generic_visit(node)
        return self._wrap(node) if self.depth else node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if not self.depth or not isinstance(node.target, (ast.Name, ast.Subscript, ast.Attribute)):
            return node
        target = copy.deepcopy(node.target)
        for n in ast.walk(target):
            if hasattr(n, "ctx"):
                n.ctx = ast.Load()
        if isinstance(target, ast.Subscript) and any(
                isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield))
                for n in ast.walk(target.slice)):
            return node  # re-reading the target would repeat a side effect
        check = ast.copy_location(ast.Expr(value=self._wrap(target)), node)
        return [node, check]


def _compile(source, int64):
    if not int64:
        return compile(source, "<reference>", "exec")
    tree = ast.fix_missing_locations(_Int64Guard().visit(ast.parse(source)))
    return compile(tree, "<reference>", "exec")


def encode(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        if -_INT64 <= v < _INT64:
            return v
        # Exact digits while str() allows them (a float result may need the value).
        return {"bigint": str(v) if v.bit_length() <= 12000 else ("+" if v > 0 else "-")}
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return {"float": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    return {"unsupported": type(v).__name__}


def describe(v):
    """A type descriptor in annotation syntax: "list[int]", "tuple[int, str]", "list[?]".

    Mirrors tolk.ir.infer.describe_value (this file cannot import tolk)."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float, str)):
        return type(v).__name__
    if isinstance(v, tuple):
        return "tuple[" + ", ".join(describe(x) for x in v[:16]) + "]" if v else "tuple[]"
    if isinstance(v, list):
        elem = "?"
        for x in v[:256]:
            elem = unify(elem, describe(x))
        return f"list[{elem}]"
    return "other:" + type(v).__name__


def unify(a, b):
    """The descriptor covering a and b ("?" is unknown; int widens to float), or "mixed"."""
    if a == "?" or a == b:
        return b
    if b == "?":
        return a
    if {a, b} == {"int", "float"}:
        return "float"
    if a.startswith("list[") and b.startswith("list["):
        inner = unify(a[5:-1], b[5:-1])
        return "mixed" if inner == "mixed" else f"list[{inner}]"
    return "mixed"


class _Tracer:
    """Line and arc coverage of one function's code (and its comprehensions) via settrace."""

    def __init__(self, fn):
        self.main = fn.__code__
        self.codes = set(_code_tree(self.main))
        self.lines = set()
        self.arcs = set()
        self._last = {}

    def executable(self):
        out = {ln for c in self.codes for _, _, ln in c.co_lines() if ln is not None}
        out.discard(self.main.co_firstlineno)  # the def line: RESUME, never a line event
        return sorted(out)

    def start(self):
        self.lines, self.arcs, self._last = set(), set(), {}
        sys.settrace(self._global)

    def stop(self):
        sys.settrace(None)
        return {"cov": sorted(self.lines), "arcs": sorted(self.arcs)}

    def _global(self, frame, event, arg):
        return self._local if frame.f_code in self.codes else None

    def _local(self, frame, event, arg):
        if event == "line":
            line = frame.f_lineno
            self.lines.add(line)
            if frame.f_code is self.main:
                prev = self._last.get(id(frame))
                if prev is not None:
                    self.arcs.add((prev, line))
                self._last[id(frame)] = line
        elif event == "return" and frame.f_code is self.main:
            prev = self._last.pop(id(frame), None)
            if prev is not None:
                self.arcs.add((prev, -1))
        return self._local


def _code_tree(code):
    yield code
    for c in code.co_consts:
        if hasattr(c, "co_lines"):
            yield from _code_tree(c)


def _describe(exc):
    return f"{type(exc).__name__}: {exc}"[:200]


def _call(fn, args, timeout_s, tracer=None, steps=None):
    """One call under the per-input limits: (record line or dict, timed out?)."""
    if steps is None and _STATE["steps"]:
        steps = int(timeout_s * STEPS_PER_SECOND)
    try:
        args = copy.deepcopy(args)
        _arm(timeout_s, steps)
        try:
            if tracer is not None:
                tracer.start()
            _ARMED[0] = True
            try:
                value = fn(*args)
            finally:
                _ARMED[0] = False
                if tracer is not None:
                    tracer.stop()
            record = {"ok": encode(value)}
            if _STATE["describe"]:
                record["t"] = describe(value)
            line = json.dumps(record)  # still under the timer
        finally:
            _disarm()
        return (line if len(line) <= _STATE["max_chars"] else {"too_large": len(line)}), False
    except _InputTimeout:
        return {"timeout": True}, True
    except _Int64Escape as exc:
        return {"int64": str(exc)}, False
    except BaseException as exc:  # the reference's own failure is data, not ours
        return {"error": _describe(exc)}, False


_STATE = {"describe": False, "max_chars": 20000, "steps": False}


def _setup(source, function, namespace, int64, timeout_s):
    """Execute source in namespace (under a timer) and return the function."""
    code = _compile(source, int64)
    _arm(max(timeout_s, 5.0))
    try:
        exec(code, namespace)
    finally:
        _disarm()
    fn = namespace.get(function)
    if not callable(fn):
        raise LookupError(f"no function {function!r} after executing the source")
    return fn


def _as_text(record):
    return record if isinstance(record, str) else json.dumps(record)


def _mutants(request, namespace, fn, emit, timeout_s, int64):
    """Mutation search: the original's records, then each mutant's differing ones."""
    inputs = request["inputs"]
    max_kills = int(request.get("max_kills", 0)) or len(inputs)
    base = []
    slowest = 0.0
    most_steps = 0
    for a in inputs:
        t0 = time.process_time()
        base.append(_as_text(_call(fn, a, timeout_s)[0]))
        slowest = max(slowest, time.process_time() - t0)
        most_steps = max(most_steps, _STEPS[0])
        if request.get("emit_base"):
            obj = json.loads(base[-1])
            obj["b"] = len(base) - 1
            emit(obj)
    usable = [text.startswith('{"ok"') for text in base]
    # A mutant that loops forever costs one timeout: make it a small multiple of the
    # original's slowest input rather than the full per-input limit.
    # In steps where counted (the limit that decides), in CPU time as the backstop.
    steps = min(int(timeout_s * STEPS_PER_SECOND),
                max(int(0.05 * STEPS_PER_SECOND), 20 * most_steps)) if _STATE["steps"] else None
    timeout_s = min(timeout_s, max(0.05, 20 * slowest))
    for j, source in enumerate(request["mutants"]):
        ns = dict(namespace)
        try:
            mfn = _setup(source, request["function"], ns, int64, timeout_s)
        except BaseException as exc:  # noqa: B036 - the mutant's failure is data
            emit({"m": j, "fatal": _describe(exc)})
            continue
        kills = 0
        for k, args in enumerate(inputs):
            record, timed_out = _call(mfn, args, timeout_s, steps=steps)
            text = _as_text(record)
            if usable[k] and text != base[k]:  # where the original returned
                obj = json.loads(text)
                obj.update(m=j, i=k)
                emit(obj)
                kills += 1
            if timed_out or kills >= max_kills:
                break
    emit({"done": len(inputs), "stopped": ""})
    _exit()


def main():
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # fd 1 (and so print) now writes to stderr
    sys.stdout = sys.stderr

    def emit(obj):
        proto.write((obj if isinstance(obj, str) else json.dumps(obj)) + "\n")
        proto.flush()

    request = json.loads(sys.stdin.read())
    timeout_s = float(request.get("timeout_s", 2.0))
    max_timeouts = int(request.get("max_timeouts", 1))
    _STATE["max_chars"] = int(request.get("max_result_chars", 20000))
    _STATE["describe"] = bool(request.get("describe"))
    int64 = bool(request.get("int64"))
    _STATE["steps"] = int64  # the guard is what counts steps
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.signal(signal.SIGPROF, _on_alarm)

    namespace = {"__name__": "__tolk_reference__", "__builtins__": __builtins__,
                 "__tolk_i64__": _i64}
    try:
        fn = _setup(request["source"], request["function"], namespace, int64, timeout_s)
    except _InputTimeout:
        emit({"fatal": "timeout while executing the module"})
        _exit()
    except BaseException as exc:  # SyntaxError, SystemExit, ImportError, ...
        emit({"fatal": _describe(exc)})
        _exit()
    if request.get("mutants"):
        _mutants(request, namespace, fn, emit, timeout_s, int64)

    tracer = None
    if request.get("coverage") and hasattr(fn, "__code__"):
        tracer = _Tracer(fn)
    timeouts = run = 0
    stopped = ""
    for args in request["inputs"]:
        if timeouts >= max_timeouts:
            stopped = "max_timeouts"
            break
        run += 1
        record, timed_out = _call(fn, args, timeout_s, tracer)
        timeouts += timed_out
        emit(record)
        if tracer is not None:
            emit(tracer.stop())  # idempotent: stop() again returns the same sets
    trailer = {"done": run, "stopped": stopped}
    if tracer is not None:
        trailer.update(lines=tracer.executable(), first=tracer.main.co_firstlineno)
    emit(trailer)
    _exit()


def _exit():
    # Skip interpreter shutdown: leftover threads or atexit hooks of the module under
    # test must not turn a finished run into a hang or a crash.
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
