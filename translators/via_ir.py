"""The via-ir strategy's check: is the model's Python rewrite in the lowering subset, and
does it compute what the original computes?

Key contracts: `check_rewrite(fn, suite, answer)` never raises for anything in the answer.
It extracts `def <name>` (tree-sitter), runs the front end on it (the rewrite must keep
the signature and must have body IR), then runs the rewrite as the reference over every
vector of the suite in the sandbox (cheap: no target toolchain) and compares with the
original's results. On success `RewriteCheck.function` is the rewrite (its own Program:
lowerings read only body IR and signature); on failure `reason` is a closed reason
(`rejected_static:no_definition`, `via_ir:frontend:<r>`, `via_ir:signature_changed`,
`via_ir:<body_reason>`, `via_ir:reference:<status>`, `via_ir:vector_mismatch`) and
`feedback` is what the next repair round tells the model (naming the constructs outside
the subset, or the first differing vector).
"""

from __future__ import annotations

from dataclasses import dataclass

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, content_id
from tolk.ir.vectors import TestSuite
from tolk.outcome import Rejected
from tolk.translators.extract import extract_python
from tolk.validators.compare import Tolerance, input_scale, values_equal
from tolk.validators.reference import OutcomeKind, RunStatus, run_module
from tolk.validators.sandbox import SandboxPolicy

__all__ = ["RewriteCheck", "check_rewrite", "NO_DEFINITION"]

NO_DEFINITION = "rejected_static:no_definition"

# What the front end's body reasons mean, in words a model acts on.
_HINTS = {
    "generator_expression": "generator expressions are outside the subset: write the loop",
    "comprehension": "comprehensions are outside the subset: build the list "
                          "with a loop and .append",
    "nested_function": "nested (helper) functions are outside the subset: inline the helper",
    "lambda": "lambdas are outside the subset: inline the expression",
    "unsupported_call": "this call is outside the subset: write it out with loops",
}


@dataclass(frozen=True, slots=True)
class RewriteCheck:
    function: Function | None  # the accepted rewrite
    code: str  # the extracted rewrite ('' when none)
    reason: str = ""
    feedback: str = ""

    @property
    def ok(self) -> bool:
        return self.function is not None


def _hint(body_reason: str) -> str:
    for key, hint in _HINTS.items():
        if key in body_reason:
            return hint
    return "write it with plain loops, ifs, assignments and the allowed builtins"


def check_rewrite(fn: Function, suite: TestSuite, answer: str, *,
                  policy: SandboxPolicy | None = None, tolerance: Tolerance = Tolerance(),
                  executor: str = "auto") -> RewriteCheck:
    code = extract_python(answer, fn.name)
    if code is None:
        return RewriteCheck(None, "", NO_DEFINITION,
                            f"Your answer has no ```python block defining `{fn.name}`.")
    results = analyze_source(code, uri=f"{fn.program.uri}#via-ir",
                             source_id=content_id(fn.program.source_id, "via-ir", code))
    got = next((r for r in results if (r.name if isinstance(r, Function) else r.function)
                == fn.name), None)
    if got is None or isinstance(got, Rejected):
        why = got.reason if got is not None else "no_function"
        return RewriteCheck(None, code, f"via_ir:frontend:{why}",
                            f"The front end rejects your rewrite: {why}"
                            + (f" ({got.detail})" if got is not None and got.detail else "")
                            + ". Keep the original signature and type annotations.")
    if got.signature.params != fn.signature.params or got.signature.returns != fn.signature.returns:
        return RewriteCheck(None, code, "via_ir:signature_changed",
                            "Your rewrite changed the signature; keep the original "
                            "parameters, their annotations and the return annotation.")
    if got.body is None:
        return RewriteCheck(None, code, f"via_ir:{got.body_reason}",
                            f"Your rewrite is still outside the subset: `{got.body_reason}`; "
                            f"{_hint(got.body_reason)}.")
    run = run_module(code, fn.name, [v.args for v in suite.vectors],
                     returns=fn.signature.returns, hash_seed=0, executor=executor,
                     policy=policy or SandboxPolicy(cpu_seconds=30, wall_seconds=30.0))
    if run.status is not RunStatus.COMPLETED:
        return RewriteCheck(None, code, f"via_ir:reference:{run.status}",
                            f"Running your rewrite failed: {run.status} {run.reason}".strip()
                            + ".")
    for v, out in zip(suite.vectors, run.outcomes, strict=True):
        ok = out.kind is OutcomeKind.OK and values_equal(
            out.value, v.expected, fn.signature.returns, tolerance,
            input_scale(v.args, [p.type for p in fn.signature.params]))
        if not ok:
            shown = repr(out.value) if out.kind is OutcomeKind.OK else f"{out.kind}: {out.detail}"
            args = ", ".join(repr(a) for a in v.args)
            return RewriteCheck(None, code, "via_ir:vector_mismatch",
                                f"Your rewrite computes something else: {fn.name}({args}) "
                                f"should return {v.expected!r}, but your rewrite gives {shown}.")
    return RewriteCheck(got, code)
