"""`tolk translate FILE.py --to LANG`: one function, translated and validated, verdict printed.

With `--translator vllm|openai|replay` the function goes through the same LLM stage as a
corpus run (`tolk.flows.llm_rounds.run_llm_rounds`: strategy, repair rounds, batched backend
calls); every round's verdict goes to stderr, the best candidate per language to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tolk.errors import ConfigError
from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function, Program, content_id
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.registry import get_toolchain
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict

if TYPE_CHECKING:
    from tolk.flows.shard import LLMOutcome
    from tolk.translators.llm_translator import LLMTranslator

__all__ = ["translate_command", "format_verdict", "function_and_suite", "limits_for"]


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


def function_and_suite(args: argparse.Namespace, verb: str = "translate"
                       ) -> tuple[Function, TestSuite] | str:
    """The function `args.file`/`args.function` names and the suite `tolk translate`
    builds for it (`--n-inputs`, `--seed`, `--run-timeout`), or why there is none.
    `tolk check` calls this too, so a checked candidate meets the very same vectors."""
    path = Path(args.file)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    picked = _pick(analyze_program(Program(content_id(text), str(path), text)), args.function, path)
    if isinstance(picked, Rejected):
        return (f"cannot {verb} {picked.function}: {picked.reason}"
                + (f" ({picked.detail})" if picked.detail else ""))
    fn = picked
    policy = SandboxPolicy(wall_seconds=args.run_timeout * 2, cpu_seconds=int(args.run_timeout * 2) + 1)
    suite = build_test_suite(fn, n_inputs=args.n_inputs, seed=args.seed, policy=policy)
    if isinstance(suite, Rejected):
        return f"cannot test {fn.name}: {suite.reason}" + (f" ({suite.detail})" if suite.detail else "")
    return fn, suite


def limits_for(args: argparse.Namespace) -> ValidationLimits:
    """Validation limits from `--executor` and `--run-timeout`."""
    base = ValidationLimits()
    return dataclasses.replace(
        base, executor=args.executor,
        run=dataclasses.replace(base.run, wall_seconds=args.run_timeout,
                                cpu_seconds=int(args.run_timeout) + 1))


def translate_command(args: argparse.Namespace) -> int:
    # Settings that make the run impossible (no cassette, no model) fail before any work.
    llm = _llm_translator(args) if getattr(args, "translator", "lowering") != "lowering" else None
    prepared = function_and_suite(args)
    if isinstance(prepared, str):
        print(prepared, file=sys.stderr)
        return 2
    fn, suite = prepared
    limits = limits_for(args)
    if llm is not None:
        return _translate_llm(llm, fn, suite, limits)
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


def _llm_translator(args: argparse.Namespace) -> "LLMTranslator":
    from tolk.flows.cli_run import llm_config_fields, make_config
    from tolk.translators.llm import backend_for
    from tolk.translators.llm_translator import LLMTranslator

    config = make_config(source=str(Path(args.file).parent), out=".", langs=args.langs,
                         n_inputs=args.n_inputs, seed=args.seed, executor=args.executor,
                         run_timeout_s=args.run_timeout, **llm_config_fields(args))
    return LLMTranslator(backend_for(config), config)


def _translate_llm(translator: "LLMTranslator", fn: Function, suite: TestSuite,
                   limits: ValidationLimits) -> int:
    """The LLM stage on one function: 0 all languages passed, 1 some candidate failed,
    2 some language got no candidate at all (no definition, model error, contract)."""
    from collections import Counter

    from tolk.flows.shard import run_llm_rounds
    from tolk.validators.batch import validate_batch

    config = translator.config

    def validate(items: list) -> list:
        out = []
        for cand, f, s in items:  # one function: few candidates, no pool needed
            out += validate_batch([(cand.code, f.signature, s)], get_toolchain(cand.lang),
                                  limits)
        return out

    stats: Counter[str] = Counter()
    outcomes = run_llm_rounds([(fn, suite, None)], config.langs, translator, validate, stats)
    for o in outcomes:
        if o.lang == "" and o.rejected is not None:  # a via-ir rewrite that did not pass
            print(f"python rewrite: {o.rejected.reason} ({o.rejected.detail[:200]})",
                  file=sys.stderr)
    worst = 0
    for lang in (str(x) for x in config.langs):
        mine = [o for o in outcomes if o.lang == lang]
        for o in sorted(mine, key=_round_of):
            _print_outcome(lang, o)
        judged = [o for o in mine if isinstance(o.verdict, Verdict)]
        best = next((o for o in judged if o.verdict.ok), judged[-1] if judged else None)
        if best is None:
            worst = 2
            continue
        print(best.candidate.code.rstrip())
        if not best.verdict.ok:
            worst = max(worst, 1)
    print(f"llm: {stats['llm_requests']} requests, {stats['llm_tokens_in']} tokens in, "
          f"{stats['llm_tokens_out']} out, {stats['llm_ms'] / 1000:.2f} s", file=sys.stderr)
    return worst


def _round_of(o: "LLMOutcome") -> int:
    return o.candidate.repair_round if o.candidate is not None else -1


def _print_outcome(lang: str, o: "LLMOutcome") -> None:
    if o.rejected is not None:
        print(f"{lang}: {o.rejected.reason}" + (f" ({o.rejected.detail[:200]})"
                                               if o.rejected.detail else ""), file=sys.stderr)
        return
    assert o.candidate is not None
    head = f"[{o.candidate.strategy} round {o.candidate.repair_round}] "
    if isinstance(o.verdict, Verdict):
        print(head + format_verdict(lang, o.verdict), file=sys.stderr)
    else:
        print(head + f"{lang}: internal_error {o.verdict!r}", file=sys.stderr)
