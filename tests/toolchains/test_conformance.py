"""Every registered language conforms to the Toolchain protocol, with its folder complete.

Parametrised over the registry, so a new language folder is checked the day it is
registered: protocol members set (no None or empty where the engines need a value), a
contract README, a Containerfile and a hostile suite beside the toolchain, and the text
hooks (extraction, dedup normalisation, FIM statement spans) working on a tiny lowered
sample. No compiler is run: these hold on a machine without any toolchain installed.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest

from tolk.corpus.fim import statement_spans
from tolk.corpus.normalize import keywords, normalize, strip_comments
from tolk.errors import ConfigError
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.lang import Lang
from tolk.toolchains.base import Lexicon, SandboxNeeds, TargetLimits, Toolchain
from tolk.toolchains.registry import TOOLCHAINS, available_langs, get_toolchain
from tolk.translators.extract import extract

LANGS = [str(lang) for lang in available_langs()]

# Data-parallel (a map), so targets with a function-level contract take it too.
SAMPLE = '''
def scale(xs: list[int], k: int) -> list[int]:
    out = [0] * len(xs)
    for i in range(len(xs)):
        out[i] = xs[i] * k
    return out
'''


def _fn() -> Function:
    [fn] = [f for f in analyze_source(SAMPLE) if isinstance(f, Function)]
    return fn


def _folder(tc: Toolchain) -> Path:
    return Path(sys.modules[type(tc).__module__].__file__).parent


def test_every_lang_is_registered_and_unknown_ones_raise() -> None:
    assert set(TOOLCHAINS) == set(Lang) and LANGS
    for unknown in ("ada", "", "python"):
        with pytest.raises(ConfigError, match="no toolchain"):
            get_toolchain(unknown)
    sig = _fn().signature
    with pytest.raises(ConfigError):
        extract("```ada\nx\n```", "ada", sig)
    with pytest.raises(ConfigError):
        normalize("x = 1", "ada")
    with pytest.raises(ConfigError):
        statement_spans("x = 1\n", "ada")


@pytest.mark.parametrize("lang", LANGS)
def test_protocol_members_are_set(lang: str) -> None:
    tc = get_toolchain(lang)
    assert isinstance(tc, Toolchain) and tc.lang == lang
    assert tc.display_name and tc.display_name.strip() == tc.display_name
    assert re.fullmatch(r"\.\w+", tc.source_suffix)
    assert tc.runs_on and tc.memory_rlimit in ("as", "data")
    assert isinstance(tc.debian_packages, tuple) and isinstance(tc.debian_suite, str)
    assert isinstance(tc.slow_compiler, bool)
    assert tc.fence_tags and all(t == t.lower() and t for t in tc.fence_tags)
    assert isinstance(tc.lexicon, Lexicon) and tc.lexicon.words
    assert isinstance(tc.value_limits, TargetLimits)
    needs = tc.sandbox_needs()
    assert isinstance(needs, SandboxNeeds)
    assert needs.binds == tc.sandbox_binds()  # one value, consistent with its parts
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in needs.env)
    assert tc.availability() is None or tc.availability()  # None, or says why not
    grammar = tc.grammar()
    assert grammar is not None or type(tc).statement_rows is not Toolchain.statement_rows, \
        "FIM needs a grammar or the toolchain's own statement_rows"


@pytest.mark.parametrize("lang", LANGS)
def test_folder_holds_contract_readme_containerfile_and_hostile_suite(lang: str) -> None:
    tc = get_toolchain(lang)
    folder = _folder(tc)
    assert folder.name == lang
    assert len((folder / "README.md").read_text(encoding="utf-8").strip()) > 200
    assert (folder / "Containerfile").is_file()
    attacks = sorted((folder / "hostile").glob(f"*{tc.source_suffix}"))
    assert len(attacks) >= 5, f"hostile/ has {len(attacks)} {tc.source_suffix} attacks"


@pytest.mark.parametrize("lang", LANGS)
def test_extraction_finds_the_lowered_candidate_in_a_chatty_answer(lang: str) -> None:
    tc = get_toolchain(lang)
    fn = _fn()
    assert tc.supports_function(fn) is None
    code = tc.lower(fn)
    assert tc.static_check(code, fn.signature) is None
    answer = (f"Sure! Here is the translation.\n\n```{tc.fence_tags[0]}\n{code}```\n\n"
              "It loops over the list and multiplies each element.")
    got = extract(answer, lang, fn.signature)
    assert got is not None and normalize(got, lang) == normalize(code, lang)
    assert extract("I cannot translate this function.", lang, fn.signature) is None
    other = dataclasses.replace(fn.signature, name="other_name")
    assert tc.extract_definition(code, other) is None  # the contract's name, not any


@pytest.mark.parametrize("lang", LANGS)
def test_normalisation_is_language_correct(lang: str) -> None:
    tc = get_toolchain(lang)
    fn = _fn()
    contract = tc.contract(fn.signature)
    # Every contract marks where the body goes with a comment in the language's syntax.
    assert "your code here" in contract
    assert "your code here" not in strip_comments(contract, lang)
    code = tc.lower(fn)
    spaced = code.replace("\n", "  \n\n")  # trailing blanks and blank lines change nothing
    assert normalize(spaced, lang) == normalize(code, lang)
    tokens = normalize(code, lang).split()
    assert set(tokens) & keywords(lang), "the lowered code uses none of the keywords"
    if tc.lexicon.case_insensitive:
        assert all(t == t.lower() for t in tokens if t[0] not in "\"'")


@pytest.mark.parametrize("lang", LANGS)
def test_fim_spans_are_whole_statement_lines(lang: str) -> None:
    code = get_toolchain(lang).lower(_fn())
    spans = statement_spans(code, lang)
    assert {s.kind for s in spans} == {"single_line", "multi_line"}
    starts = {0} | {m.end() for m in re.finditer("\n", code)}
    for s in spans:
        assert s.start in starts and (s.end in starts or s.end == len(code)) and s.start < s.end
        middle = code[s.start:s.end]
        assert (middle.rstrip("\n").count("\n") == 0) == (s.kind == "single_line")
