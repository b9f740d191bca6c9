"""The `tolk` command line: run, translate, report, doctor.

Exit codes: 0 success; 1 a candidate failed validation; 2 the input cannot be handled
(usage error, program outside the IR, no translation possible without an LLM).
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["main"]

EXECUTORS = ["auto", "bwrap", "podman", "docker", "host"]


def _quiet_prefect_defaults() -> None:
    # No network beyond package registries: Prefect's telemetry would only log errors.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")


def _langs(text: str) -> list[str]:
    from tolk.lang import Lang
    langs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in langs if s not in {lang.value for lang in Lang}]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown language(s) {', '.join(bad)}; choose from {', '.join(lang.value for lang in Lang)}")
    return langs


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tolk", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the build_corpus flow over a source directory")
    r.add_argument("--source", required=True, help="directory of Python files")
    r.add_argument("--to", dest="langs", type=_langs, default=["fortran"],
                   help="target language(s), comma-separated (default: fortran)")
    r.add_argument("--out", required=True, help="output directory")
    r.add_argument("--shard-size", type=int, default=4)
    r.add_argument("--max-programs", type=int, default=None)
    r.add_argument("--n-inputs", type=int, default=60)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--executor", choices=EXECUTORS, default="auto",
                   help="sandbox for candidates (podman/docker: after `tolk toolchains build`)")
    r.add_argument("--run-timeout", type=float, default=10.0, help="seconds per candidate run")
    r.add_argument("--batch-size", type=int, default=16,
                   help="candidates per compiler invocation (default 16)")
    r.add_argument("--no-progress", action="store_true")

    t = sub.add_parser("translate", help="translate one Python function and validate it")
    t.add_argument("file", help="Python source file")
    t.add_argument("--function", help="function name (default: the only function in FILE)")
    t.add_argument("--to", dest="langs", type=_langs, default=["fortran"])
    t.add_argument("--n-inputs", type=int, default=60)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--executor", choices=EXECUTORS, default="auto")
    t.add_argument("--run-timeout", type=float, default=10.0)

    rep = sub.add_parser("report", help="print the funnel of an output directory")
    rep.add_argument("out")
    rep.add_argument("--to", dest="langs", type=_langs, default=None)

    sub.add_parser("doctor", help="which toolchains and sandboxes are usable here, and why not")

    from tolk.flows.cli_selftest import add_selftest_parser
    from tolk.flows.cli_toolchains import add_toolchains_parser
    add_selftest_parser(sub)
    add_toolchains_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _quiet_prefect_defaults()
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
