"""`tolk eval`: measure a model on the eval set with the corpus's own prompts and validators.

    tolk eval --translator vllm|openai|replay [--model M] [--cassette F] --to LANGS
              [--source humaneval] [-n N] [--k 1,10] [--out DIR] [--json PATH]

Runs the `build_corpus` flow over the source (default `humaneval`, read with
purpose=eval: it is never training data) with `n` completions per prompt and no repair
rounds (`--repair-rounds` to measure pass-after-repair instead), then reports pass@k per
language with the unbiased estimator, and compile-error / wrong-answer / other /
unverified rates (corpus/eval.py); prints a table and writes the JSON result (default
OUT/eval.json). The run directory keeps every candidate and verdict for inspection.
Exit 0 when the evaluation ran; 2 on bad settings.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

__all__ = ["add_eval_parser", "eval_command"]


def _ks(text: str) -> list[int]:
    try:
        ks = sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--k wants integers like 1,10: {text}") from exc
    if not ks or ks[0] < 1:
        raise argparse.ArgumentTypeError("--k wants positive integers")
    return ks


def add_eval_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]",
                    executors: list[str], add_llm_flags: Callable[[argparse.ArgumentParser], None],
                    langs: Callable[[str], list[str]]) -> None:
    e = sub.add_parser("eval", help="pass@k of a model per language on the eval set, with "
                       "the corpus's prompts, extraction and validators")
    e.add_argument("--source", default="humaneval",
                   help="eval programs (default humaneval, read with purpose=eval)")
    e.add_argument("--to", dest="langs", type=langs, required=True,
                   help="target language(s), comma-separated")
    e.add_argument("--k", type=_ks, default=[1, 10], help="k values (default 1,10; k <= n)")
    e.add_argument("--out", default="out/eval", help="run directory (default out/eval)")
    e.add_argument("--json", type=Path, default=None, help="result file (default OUT/eval.json)")
    e.add_argument("--max-programs", type=int, default=None)
    e.add_argument("--n-inputs", type=int, default=60)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--executor", choices=executors, default="auto")
    add_llm_flags(e)
    e.set_defaults(repair_rounds=0)  # pass@k counts first answers


def eval_command(args: argparse.Namespace) -> int:
    from tolk.corpus.eval import eval_report
    from tolk.flows.build_corpus import build_corpus
    from tolk.flows.cli_run import llm_config_fields, make_config

    options = {"purpose": "eval"} if args.source == "humaneval" else {}
    cfg = make_config(source=args.source, out=args.out, langs=args.langs,
                      source_options=options, max_programs=args.max_programs,
                      n_inputs=args.n_inputs, seed=args.seed, executor=args.executor,
                      **llm_config_fields(args))
    build_corpus(cfg)
    report = eval_report(Path(args.out), [str(lang) for lang in cfg.langs],
                         n=cfg.samples_per_prompt, ks=args.k)
    report["model"] = cfg.model or cfg.cassette or cfg.translator
    report.update(translator=cfg.translator, source=cfg.source, strategy=cfg.strategy,
                  repair_rounds=cfg.repair_rounds)
    path = args.json or Path(args.out) / "eval.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    ks = [f"pass@{k}" for k in report["k"]]
    print(f"{'lang':<8} {'problems':>8} " + " ".join(f"{k:>9}" for k in ks)
          + f" {'compile_err':>11} {'wrong_ans':>9} {'other':>7} {'unverif':>7}")
    for lang, r in report["langs"].items():
        print(f"{lang:<8} {r['problems']:>8} " + " ".join(f"{r[k]:>9.4f}" for k in ks)
              + f" {r['compile_error_rate']:>11.4f} {r['wrong_answer_rate']:>9.4f}"
              + f" {r['other_rate']:>7.4f} {r['unverified_rate']:>7.4f}")
    skipped = [k for k in args.k if k > cfg.samples_per_prompt]
    if skipped:
        print(f"pass@{', pass@'.join(map(str, skipped))} left out: needs -n >= k")
    print(f"result: {path}")
    return 0
