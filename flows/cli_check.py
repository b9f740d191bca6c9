"""`tolk check FILE.py --function NAME --to LANG --candidate PATH`: judge a given translation.

The candidate (written by hand, or by a model elsewhere) is validated against the same
suite `tolk translate` would build for the function (`cli_translate.function_and_suite`:
same `--n-inputs`, `--seed`, `--run-timeout`), in the same sandbox. Prints the verdict and
the first failing vector. Exit codes: 0 passed; 1 failed or unverified (no runtime here);
2 cannot check (unreadable candidate, function outside the IR, no suite, a signature the
target cannot carry, or a harness error, which is tolk's own fault), with the reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tolk.errors import ConfigError
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["add_check_parser", "check_command", "check_candidate", "exit_code"]


def add_check_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]",
                     executors: list[str]) -> None:
    c = sub.add_parser("check", help="validate a translation you wrote against a function")
    c.add_argument("file", help="Python source file")
    c.add_argument("--function", help="function name (default: the only function in FILE)")
    c.add_argument("--to", dest="lang", required=True, choices=[x.value for x in Lang])
    c.add_argument("--candidate", required=True, help="the translation's source file")
    c.add_argument("--n-inputs", type=int, default=60)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--executor", choices=executors, default="auto")
    c.add_argument("--run-timeout", type=float, default=10.0)


def check_candidate(code: str, fn: Function, suite: TestSuite, lang: Lang,
                    limits: ValidationLimits = ValidationLimits()) -> Verdict:
    """One candidate's verdict on fn's suite (what `tolk check` prints)."""
    return validate_candidate(code, fn.signature, suite, get_toolchain(lang), limits)


def exit_code(v: Verdict) -> int:
    if v.status is VerdictStatus.PASSED:
        return 0
    return 2 if v.status is VerdictStatus.HARNESS_ERROR else 1


def check_command(args: argparse.Namespace) -> int:
    from tolk.flows.cli_translate import format_verdict, function_and_suite, limits_for

    cand = Path(args.candidate)
    try:
        code = cand.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read candidate {cand}: {exc}") from exc
    lang = Lang(args.lang)
    prepared = function_and_suite(args, verb="check")
    if isinstance(prepared, str):
        print(prepared, file=sys.stderr)
        return 2
    fn, suite = prepared
    if why := get_toolchain(lang).supports(fn.signature):
        print(f"cannot check {fn.name} in {lang}: {why}", file=sys.stderr)
        return 2
    verdict = check_candidate(code, fn, suite, lang, limits_for(args))
    print(f"{fn.name}: {len(suite.vectors)} vectors (seed {args.seed})")
    print(format_verdict(str(lang), verdict))
    if verdict.status is VerdictStatus.HARNESS_ERROR:
        print(f"cannot check: harness error ({verdict.reason})", file=sys.stderr)
    return exit_code(verdict)
