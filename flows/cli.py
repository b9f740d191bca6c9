"""The `tolk` command line: run, translate, report, doctor.

Exit codes: 0 success; 1 a candidate failed validation; 2 the input cannot be handled
(usage error, program outside the IR, no translation possible without an LLM).
"""

from __future__ import annotations

import argparse
import os
import sys

from tolk.lang import DEFAULT_LANG  # an enum only: keeps `tolk --help` fast

__all__ = ["main"]

EXECUTORS = ["auto", "bwrap", "podman", "docker", "host"]


def _quiet_prefect_defaults() -> None:
    # No network beyond package registries: Prefect's telemetry would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # The embedded server's first start migrates its database: 20 s (Prefect's default)
    # is not enough on a loaded machine, and the run would die before its first shard.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _langs(text: str) -> list[str]:
    from tolk.lang import Lang
    langs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in langs if s not in {lang.value for lang in Lang}]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown language(s) {', '.join(bad)}; choose from {', '.join(lang.value for lang in Lang)}")
    return langs


def _add_llm_flags(p: argparse.ArgumentParser) -> None:
    """How candidates are produced: the lowering translator, or a model (run and translate)."""
    g = p.add_argument_group("translation (LLM)")
    g.add_argument("--translator", choices=["lowering", "vllm", "openai", "replay"],
                   default="lowering", help="lowering needs no model (default); vllm runs the "
                   "offline engine in this process; openai talks to a server (vllm serve); "
                   "replay answers from a recorded cassette")
    g.add_argument("--model", default="", help="model path or name (vllm), served model (openai)")
    g.add_argument("--model-revision", default="", help="revision recorded in provenance")
    g.add_argument("--base-url", default="", help="OpenAI-compatible server, e.g. "
                   "http://localhost:8000/v1")
    g.add_argument("--cassette", default="", help="replay cassette (JSONL)")
    g.add_argument("--strategy", choices=["direct", "via-ir", "draft"], default="direct")
    g.add_argument("--repair-rounds", type=int, default=2,
                   help="extra rounds with compiler/test feedback (default 2)")
    g.add_argument("--temperature", type=float, default=0.2)
    g.add_argument("--top-p", type=float, default=0.95)
    g.add_argument("--max-tokens", type=int, default=1024)
    g.add_argument("-n", "--samples", type=int, default=1, help="completions per prompt")
    g.add_argument("--llm-concurrency", type=int, default=8,
                   help="in-flight requests to an OpenAI-compatible server")
    g.add_argument("--llm-limit", default="", help="Prefect global concurrency limit name "
                   "for the LLM stage (shared GPU server)")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tolk", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the build_corpus flow over a source")
    r.add_argument("--source", required=True, help="a directory, git:<url>[@rev], "
                   "*.jsonl[.gz]/*.parquet (globs), hf:org/name[:config][@split], stdlib, "
                   "humaneval (-o purpose=eval)")
    r.add_argument("--to", dest="langs", type=_langs, default=[str(DEFAULT_LANG)],
                   help=f"target language(s), comma-separated (default: {DEFAULT_LANG})")
    r.add_argument("--out", required=True, help="output directory")
    r.add_argument("--shard-size", type=int, default=4)
    r.add_argument("--max-programs", type=int, default=None)
    r.add_argument("--n-inputs", type=int, default=60)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--executor", choices=EXECUTORS, default="auto",
                   help="sandbox for candidates (podman/docker: after `tolk toolchains build`)")
    r.add_argument("--run-timeout", type=float, default=10.0, help="seconds per candidate run")
    r.add_argument("--stage-timeout", type=float, default=120.0,
                   help="CPU seconds one item may spend in one pure-Python stage (front end, "
                   "test generation, lowering) before it is rejected (default 120; the wall "
                   "clock stops it at 4x)")
    r.add_argument("--batch-size", type=int, default=16,
                   help="candidates per compiler invocation (default 16)")
    r.add_argument("--no-progress", action="store_true")
    from tolk.flows.cli_sources import add_source_option_flags
    add_source_option_flags(r)
    r.add_argument("--infer", choices=["none", "static", "probe"], default="static",
                   help="types for unannotated functions: docstring examples and call sites "
                   "(static, default), plus sandboxed probing (probe, ~1 s per function)")
    r.add_argument("--min-line-coverage", type=float, default=0.9,
                   help="reference line coverage the vectors must reach (default 0.9)")
    r.add_argument("--min-mutation-score", type=float, default=0.98,
                   help="share of the reference's distinguishable mutants the vectors must "
                   "kill, else the function is rejected reference:weak_suite (default 0.98)")
    r.add_argument("--task-runner", choices=["default", "dask"], default="default",
                   help="run shards on Prefect's default runner or on Dask (prefect-dask)")
    r.add_argument("--dask-address", default=None,
                   help="Dask scheduler, e.g. tcp://host:8786 (default: a temporary local cluster)")
    r.add_argument("--dask-workers", type=int, default=2, help="workers of the local cluster")
    r.add_argument("--shards-in-flight", type=int, default=None,
                   help="shards submitted at once (default 1; 2 per Dask worker)")
    r.add_argument("--log-json", action="store_true", help="console logs as JSON lines")
    _add_llm_flags(r)

    t = sub.add_parser("translate", help="translate one Python function and validate it")
    t.add_argument("file", help="Python source file")
    t.add_argument("--function", help="function name (default: the only function in FILE)")
    t.add_argument("--to", dest="langs", type=_langs, default=[str(DEFAULT_LANG)])
    t.add_argument("--n-inputs", type=int, default=60)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--executor", choices=EXECUTORS, default="auto")
    t.add_argument("--run-timeout", type=float, default=10.0)
    _add_llm_flags(t)

    rep = sub.add_parser("report", help="print the funnel of an output directory")
    rep.add_argument("out")
    rep.add_argument("--to", dest="langs", type=_langs, default=None)

    sub.add_parser("doctor", help="which toolchains and sandboxes are usable here, and why not")

    from tolk.flows.cli_sources import add_sources_parser
    from tolk.flows.cli_curate import add_curate_parser
    from tolk.flows.cli_publish import add_publish_parser
    from tolk.flows.cli_selftest import add_selftest_parser
    from tolk.flows.cli_status import add_status_parser
    from tolk.flows.cli_toolchains import add_toolchains_parser
    from tolk.flows.serve import add_serve_parser
    add_selftest_parser(sub)
    from tolk.flows.cli_check import add_check_parser
    add_check_parser(sub, EXECUTORS)
    from tolk.flows.cli_verify import add_verify_parser
    add_verify_parser(sub, EXECUTORS)
    from tolk.flows.cli_eval import add_eval_parser
    add_eval_parser(sub, EXECUTORS, _add_llm_flags, _langs)
    add_toolchains_parser(sub)
    add_sources_parser(sub)
    add_curate_parser(sub)
    add_publish_parser(sub)
    add_status_parser(sub)
    add_serve_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _quiet_prefect_defaults()
    if getattr(args, "log_json", False):
        from tolk.flows.runlog import enable_json_logs
        enable_json_logs()
    from tolk.errors import TolkError
    try:
        if args.command == "run":
            from tolk.flows.cli_run import run_command
            return run_command(args)
        if args.command == "translate":
            from tolk.flows.cli_translate import translate_command
            return translate_command(args)
        if args.command == "report":
            from tolk.flows.cli_run import report_command
            return report_command(args)
        if args.command == "toolchains":
            from tolk.flows.cli_toolchains import toolchains_command
            return toolchains_command(args)
        if args.command == "sources":
            from tolk.flows.cli_sources import sources_command
            return sources_command(args)
        if args.command == "curate":
            from tolk.flows.cli_curate import curate_command
            return curate_command(args)
        if args.command == "publish":
            from tolk.flows.cli_publish import publish_command
            return publish_command(args)
        if args.command == "status":
            from tolk.flows.cli_status import status_command
            return status_command(args)
        if args.command == "serve":
            from tolk.flows.serve import serve_command
            return serve_command(args)
        if args.command == "check":
            from tolk.flows.cli_check import check_command
            return check_command(args)
        if args.command == "eval":
            from tolk.flows.cli_eval import eval_command
            return eval_command(args)
        if args.command == "verify":
            from tolk.flows.cli_verify import verify_command
            return verify_command(args)
        if args.command == "selftest":
            from tolk.flows.cli_selftest import selftest_command
            return selftest_command(args)
        from tolk.flows.doctor import doctor_command
        return doctor_command()
    except TolkError as exc:
        print(f"tolk: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
