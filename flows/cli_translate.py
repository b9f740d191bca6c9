"""`tolk translate FILE.py --to LANG`: one function, translated and validated, verdict printed."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from tolk.errors import ConfigError
from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.registry import get_toolchain
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict

__all__ = ["translate_command", "format_verdict"]


def format_verdict(lang: str, v: Verdict) -> str:
    lines = [f"{lang}: {v.status} {v.passed}/{v.total}"
             + (f" ({v.reason})" if v.reason else "")
             + (f" [ran on {v.ran_on}, compile {v.compile_s:.2f}s, run {v.run_s:.2f}s]"
                if v.ran_on else "")]
    if v.first_failure is not None:
        ff = v.first_failure
        lines.append(f"  first failing vector #{ff.index}: args={ff.args}")
        lines.append(f"    expected {ff.expected}")
        lines.append(f"    got      {ff.got}")
    if v.status == "compile_error" and v.compiler_output:
        lines.append("  compiler output:\n" + v.compiler_output[-1500:])
    return "\n".join(lines)


def _pick(results: list[Function | Rejected], name: str | None, path: Path) -> Function | Rejected:
    def fname(r: Function | Rejected) -> str:
        return r.name if isinstance(r, Function) else r.function
    named = [r for r in results if fname(r)]
    if name is not None:
        hits = [r for r in named if fname(r) == name]
        if not hits:
            raise ConfigError(f"no top-level function {name!r} in {path}; found: "
                              f"{', '.join(fname(r) for r in named) or 'none'}")
        return hits[0]
    if len(named) == 1:
        return named[0]
    if not named:
        reason = results[0].reason if results and isinstance(results[0], Rejected) else "no_functions"
        raise ConfigError(f"{path}: no function to translate ({reason})")
    raise ConfigError(f"{path} defines several functions; pick one with --function: "
                      f"{', '.join(fname(r) for r in named)}")


def translate_command(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    picked = _pick(analyze_program(Program(content_id(text), str(path), text)), args.function, path)
    if isinstance(picked, Rejected):
        print(f"cannot translate {picked.function}: {picked.reason}"
              + (f" ({picked.detail})" if picked.detail else ""), file=sys.stderr)
        return 2
    fn = picked
    policy = SandboxPolicy(wall_seconds=args.run_timeout * 2, cpu_seconds=int(args.run_timeout * 2) + 1)
    suite = build_test_suite(fn, n_inputs=args.n_inputs, seed=args.seed, policy=policy)
    if isinstance(suite, Rejected):
        print(f"cannot test {fn.name}: {suite.reason}" + (f" ({suite.detail})" if suite.detail else ""),
              file=sys.stderr)
        return 2
    base = ValidationLimits()
    limits = dataclasses.replace(
        base, executor=args.executor,
        run=dataclasses.replace(base.run, wall_seconds=args.run_timeout,
                                cpu_seconds=int(args.run_timeout) + 1))
    worst = 0
    for lang in (Lang(s) for s in args.langs):
        cand = LoweringTranslator().translate(fn, suite, lang)
        if isinstance(cand, Rejected):
            hint = (" without an LLM (it lies outside the lowering subset)"
                    if cand.reason.startswith("no_body_ir") else "")
            print(f"{lang}: cannot translate {fn.name}{hint}: {cand.reason}", file=sys.stderr)
            worst = 2
            continue
        verdict = validate_candidate(cand.code, fn.signature, suite, get_toolchain(lang), limits)
        print(cand.code.rstrip())
        print(format_verdict(str(lang), verdict), file=sys.stderr)
        if not verdict.ok:
            worst = max(worst, 1)
    return worst
