"""Reference worker: runs one Python function over many inputs, inside the sandbox.

STANDALONE and stdlib-only: it is run by a bare interpreter (`python -S -s`) that cannot
see tolk. Protocol:

    stdin   one JSON object {"source", "function", "inputs": [[arg, ...], ...],
            "timeout_s": per-input seconds, "max_timeouts": stop after this many,
            "max_result_chars": larger results are reported as too large,
            optional "coverage": true, "describe": true}
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

Values: tuples become lists; non-finite floats {"float": "nan" | "inf" | "-inf"}; ints
outside int64 {"bigint": "<digits>"}, or {"bigint": "+" | "-"} when too long to print
(an int result outside int64 never survives vector hygiene; a float slot converts it); anything else {"unsupported": type name}. The function's own output
(print, os.write(1, ...)) goes to stderr, never into the protocol channel.
"""

import copy
import json
import math
import os
import signal
import sys

_INT64 = 2**63


class _InputTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so `except Exception` in user code misses it."""


def _on_alarm(signum, frame):
    raise _InputTimeout()


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
    max_chars = int(request.get("max_result_chars", 20000))
    want_types = bool(request.get("describe"))
    signal.signal(signal.SIGALRM, _on_alarm)

    namespace = {"__name__": "__tolk_reference__", "__builtins__": __builtins__}
    try:
        code = compile(request["source"], "<reference>", "exec")
        signal.setitimer(signal.ITIMER_REAL, max(timeout_s, 5.0))
        try:
            exec(code, namespace)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        fn = namespace.get(request["function"])
        if not callable(fn):
            raise LookupError(f"no function {request['function']!r} after executing the source")
    except _InputTimeout:
        emit({"fatal": "timeout while executing the module"})
        _exit()
    except BaseException as exc:  # SyntaxError, SystemExit, ImportError, ...
        emit({"fatal": _describe(exc)})
        _exit()

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
        try:
            args = copy.deepcopy(args)
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            try:
                if tracer is not None:
                    tracer.start()
                try:
                    value = fn(*args)
                finally:
                    if tracer is not None:
                        tracer.stop()
                record = {"ok": encode(value)}
                if want_types:
                    record["t"] = describe(value)
                line = json.dumps(record)  # still under the timer
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            emit(line if len(line) <= max_chars else {"too_large": len(line)})
        except _InputTimeout:
            timeouts += 1
            emit({"timeout": True})
        except BaseException as exc:  # the reference's own failure is data, not ours
            emit({"error": _describe(exc)})
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
