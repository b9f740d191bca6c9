"""Prompts through the IR: chat messages for translation, via-ir rewrites and repair turns.

Key contracts:
- Messages are built from what the pipeline knows for sure: the Python source, the exact
  interface from `get_toolchain(lang).contract(sig)`, the suite's *shown* vectors rendered
  in target syntax (`toolchains/<lang>/prompting.py`), and few-shot examples lowered from a
  fixed set of seed functions (known-good: the lowering passes selftest), computed once
  per process.
- Layout for prefix caching: the system message (rules + few-shots) is identical for every
  request of a language; the per-request user message comes last; a repair round appends
  (assistant: the previous answer, user: the feedback), so a conversation only grows.
- The first user message starts with a fixed header line (`Translate the Python function
  `f` to Fortran.` / `Rewrite the Python function `f` ...`), and a repair round's number
  is the count of assistant turns: `describe(messages)` reads both back (used by the
  cassette recorder, never by the pipeline's logic).
- `template_version()` is a hash of every template file, the per-language renderers
  (`prompting.py`) and this module; it goes into each sample's provenance
  (`prompt_version`), and a replay cassette recorded under another version is stale.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2

from tolk.errors import UnsupportedProgram
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain

__all__ = ["Messages", "FEWSHOT_SEEDS", "template_version", "fewshots", "examples",
           "translation_messages", "via_ir_messages", "repair_messages", "describe",
           "python_example", "sanitize", "display_name", "fence"]

Messages = tuple[tuple[str, str], ...]

#: (seed file, function) lowered into every language's few-shot examples
FEWSHOT_SEEDS: tuple[tuple[str, str], ...] = (("numeric.py", "gcd"), ("arrays.py", "count_above"))
_SEED_DIR = Path(__file__).resolve().parents[1] / "data" / "seed"
_TOOLCHAINS = Path(__file__).resolve().parents[1] / "toolchains"
_VIA_IR = Path(__file__).with_name("via_ir.md.j2")
#: shown vectors at most, so prompts stay short whatever n_shown is
MAX_EXAMPLES = 4
MAX_FEWSHOT_CHARS = 4000
_REPAIR_TAIL = "Fix it and answer with the whole corrected {what} in one ```{fence} block."


def _env(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folder),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=False,
                              autoescape=False)  # source code and markdown, not HTML


@functools.cache
def _template(lang: str) -> Any:
    if lang == "python":
        return _env(_VIA_IR.parent).get_template(_VIA_IR.name).module
    return _env(_TOOLCHAINS / lang).get_template("prompt.md.j2").module


@functools.cache
def _prompting(lang: str) -> ModuleType:
    return importlib.import_module(f"tolk.toolchains.{lang}.prompting")


def display_name(lang: Lang | str) -> str:
    return "Python" if str(lang) == "python" else _prompting(str(lang)).DISPLAY.split(" ")[0]


def fence(lang: Lang | str) -> str:
    return "python" if str(lang) == "python" else _prompting(str(lang)).FENCE


@functools.cache
def template_version() -> str:
    h = hashlib.sha256()
    # The renderers of examples and this module shape prompts as much as the templates.
    files = (sorted(_TOOLCHAINS.glob("*/prompt.md.j2")) + sorted(_TOOLCHAINS.glob("*/prompting.py"))
             + [_VIA_IR, Path(__file__)])
    for f in files:
        h.update(f.name.encode() + f.parent.name.encode() + b"\0" + f.read_bytes())
    h.update(repr((FEWSHOT_SEEDS, MAX_EXAMPLES, MAX_FEWSHOT_CHARS, _REPAIR_TAIL)).encode())
    return h.hexdigest()[:12]


@functools.cache
def _seed_functions() -> tuple[Function, ...]:
    out = []
    for file, name in FEWSHOT_SEEDS:
        path = _SEED_DIR / file
        if not path.exists():  # installed without the repository's data: no few-shots
            continue
        for r in analyze_source(path.read_text(), uri=str(path)):
            if isinstance(r, Function) and r.name == name and r.body is not None:
                out.append(r)
    return tuple(out)


@functools.cache
def fewshots(lang: Lang | str) -> tuple[dict[str, str], ...]:
    """(python, code) pairs from the lowering translator, once per process and language."""
    tc = get_toolchain(Lang(str(lang)))
    out = []
    for fn in _seed_functions():
        if tc.supports(fn.signature):
            continue
        try:
            code = tc.lower(fn).strip()
        except UnsupportedProgram:
            continue
        # Lowerings that carry a runtime (CUDA's) would swamp the prompt: the template's
        # own hand-checked example stands in for them.
        if len(code) <= MAX_FEWSHOT_CHARS:
            out.append({"python": fn.source.strip(), "code": code})
    return tuple(out)


def python_example(sig: Signature, args: tuple[Any, ...], expected: Any) -> str:
    return f"{sig.name}({', '.join(repr(a) for a in args)}) == {expected!r}"


def examples(sig: Signature, suite: TestSuite, lang: Lang | str) -> list[str]:
    """The suite's shown vectors as target-language example lines."""
    render = python_example if str(lang) == "python" else _prompting(str(lang)).example
    return [render(sig, v.args, v.expected) for v in suite.shown[:MAX_EXAMPLES]]


def _system(lang: str) -> str:
    if lang == "python":
        return str(_template("python").system()).strip()
    return str(_template(lang).system(list(fewshots(lang)))).strip()


_system_cached = functools.cache(_system)


def translation_messages(fn: Function, suite: TestSuite, lang: Lang | str,
                         draft: str = "") -> Messages:
    """Messages asking for `fn` in `lang` (with a correct `draft` for the draft strategy).
    Raises UnsupportedProgram when the target's contract cannot express the signature."""
    lang = str(lang)
    contract = get_toolchain(Lang(lang)).contract(fn.signature).rstrip()
    user = _template(lang).request(fn.name, fn.source.strip(), contract,
                                   examples(fn.signature, suite, lang), draft.strip())
    return (("system", _system_cached(lang)), ("user", str(user).strip()))


def via_ir_messages(fn: Function, suite: TestSuite) -> Messages:
    """Messages asking to rewrite `fn` into the lowering subset (plain Python)."""
    user = _template("python").request(fn.name, fn.source.strip(),
                                       examples(fn.signature, suite, "python"))
    return (("system", _system_cached("python")), ("user", str(user).strip()))


_PATH = re.compile(r"(?:/[\w.+-]+)+/(?=[\w.+-]+)")


def sanitize(text: str) -> str:
    """Feedback without host paths (sandbox work dirs differ per run; prompts must not)."""
    return _PATH.sub("", text)


def repair_messages(previous: Messages, answer: str, feedback: str, lang: Lang | str,
                    what: str = "file") -> Messages:
    """The conversation grown by one round: the model's answer, then what was wrong."""
    tail = _REPAIR_TAIL.format(what=what, fence=fence(lang))
    return (*previous, ("assistant", answer), ("user", f"{sanitize(feedback).strip()}\n\n{tail}"))


_HEADER = re.compile(r"^(Translate|Rewrite) the Python function `([^`]+)`(?: to (\w+))?")


def describe(messages: Messages) -> dict[str, Any]:
    """{function, target, strategy, round} of a conversation built here ('' if unknown)."""
    first = next((c for r, c in messages if r == "user"), "")
    m = _HEADER.match(first)
    strategy = ("via-ir" if m and m.group(1) == "Rewrite" else
                "draft" if "correct but mechanical draft" in first else "direct")
    return {"function": m.group(2) if m else "", "target": (m.group(3) or "python").lower()
            if m else "", "strategy": strategy,
            "round": sum(1 for r, _ in messages if r == "assistant")}
