"""The dataset card: YAML front matter that matches the files, and a body that tells how.

`card_facts` gathers everything the card states from the run directory (stats, rejects,
`plan.json`), the curation result and the written layout; `render_card` turns the facts
into README.md text with `card.md.j2`. The front matter is built as a dict and dumped with
`yaml.safe_dump`, so it always parses, and its `configs` are the layout's configs, so it
always names the files that exist.

Key contracts: pure over records (no clock, no environment): the same run gives the same
card. The funnel per language is the chain programs sampled -> functions typed -> tested
-> translated -> validated -> each curation step -> published, where `published` equals
the rows of the language's config. `ran_on` lists where published rows were validated;
`unverified` can never appear in a language config (only passed candidates are samples);
candidates no runtime could run go to the separate `unverified` config, for `tolk verify
--write` to finish on a machine that has one (`refresh_card` re-states the card's configs,
views and validators' section for the folder it writes: those sections sit between
`<!-- tolk:NAME -->` markers and come from the macros of `card_sections.md.j2`). The
validators' own checks (selftest, hostile, verify) are read from records, never measured
here (corpus/checks.py).
"""

from __future__ import annotations

import json
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import jinja2
import polars as pl
import yaml

from tolk.corpus.checks import (check_commands, empty_checks, language_checks,
                                 read_validators, verified_cells, write_validators)
from tolk.corpus.funnel import compute_funnel
from tolk.corpus.layout import Layout
from tolk.corpus.views import LANGUAGE_NAMES as DISPLAY_NAMES
from tolk.toolchains.registry import get_toolchain

__all__ = ["CardFacts", "card_facts", "card_metadata", "render_card", "write_card",
           "config_entries", "refresh_card", "validator_strength", "language_funnel", "size_category", "run_command_from_plan", "split_front_matter"]

# Licence ids the Hub accepts that source corpora here commonly carry.
_HUB_LICENSES = {"apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "gpl-2.0", "gpl-3.0",
                 "lgpl-3.0", "agpl-3.0", "mpl-2.0", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0",
                 "unlicense", "unknown", "other"}
_VIEW_DOCS = {
    "translate": "Python -> target pairs in instruction style (`prompt`, `response` and both "
                 "as one `content` text), then the provenance columns; all languages, "
                 "`lang` column.",
    "fim": "fill-in-the-middle samples cut at statement boundaries of validated target code "
           "(tree-sitter for Fortran/Julia/CUDA, statement lines for COBOL), one single-line "
           "and one multi-line span per program as in HumanEval-FIM; `prefix` + `middle` + "
           "`suffix` is exactly the validated program of `sample_id`; `content` is the PSM "
           "training text with StarCoder's `<fim_prefix>`/`<fim_suffix>`/`<fim_middle>`.",
    "repair": "a failing candidate (`broken_code`) with its compiler or test `feedback` -> "
              "the passing candidate (`fixed_code`), from the repair loop (`origin` "
              "repair_loop) and from validated mutants of published samples (`origin` "
              "mutant: they fail the sample's own test suite); `prompt`/`response`/`content` "
              "as in translate.",
    "rl": "execution-reward tasks, one per function and language: `prompt` (the Python "
          "source and the exact target `contract` to implement), `tests` (the suite that "
          "judges an answer: shown and hidden vectors, tolerances; see the `tests` column "
          "above) and one validated `reference_solution`; score an answer by running it on "
          "`tests` (`tolk verify` does exactly that for a row).",
    "eval": "evaluation tasks from an eval run (HumanEval, read with purpose=eval), shaped "
            "like `rl` (`prompt`, `tests` with hidden vectors, `contract`, "
            "`reference_solution`), one per function and language; never training data: "
            "the language configs are decontaminated against HumanEval, and a task that is "
            "also a training row stops the publish. `tolk eval` measures a model on them.",
    "unverified": "candidates that compiled (or passed the static checks) but that no "
                  "runtime could run where they were made (CUDA without a GPU, Julia without "
                  "a runtime): NOT validated, never training data; same columns as a "
                  "language config without the text columns. `tolk verify --write` on a "
                  "machine with the runtime promotes those that pass into their language "
                  "config and the views.",
}


@dataclass(frozen=True, slots=True)
class CardFacts:
    repo_id: str
    layout: Layout
    funnel: dict[str, dict[str, int]]                  # lang -> ordered step -> count
    license: str
    source_licenses: dict[str, int]
    models: list[dict[str, Any]]                       # translator/model/sampling -> rows
    toolchains: list[dict[str, Any]]                   # lang/toolchain/version -> rows
    ran_on: dict[str, dict[str, int]]                  # lang -> where -> rows
    removal_reasons: list[dict[str, Any]]              # lang/reason -> rows
    run_command: str
    publish_command: str
    run_config: dict[str, Any] = field(default_factory=dict)
    curation: dict[str, Any] = field(default_factory=dict)
    limitations: tuple[str, ...] = ()
    # lang -> rows, suites with a mutation score, its mean and min, mean vectors per row
    validators: list[dict[str, Any]] = field(default_factory=list)
    # lang -> the validators' own checks as card cells ("" = not measured): known_good,
    # killed, harness_errors (int | None), hostile, verified, selftest_note (corpus/checks)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    selftest: dict[str, Any] | None = None             # how selftest ran: command, source, seed
    check_commands: dict[str, str] = field(default_factory=dict)  # what would measure them


def size_category(n: int) -> str:
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < bound:
            return label
    return "10M<n<100M"


def language_funnel(out: Path, langs: list[str], curation_stats: Mapping[str, Mapping[str, int]],
                    published: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Per language: the run's funnel, then each curation step, then the published rows."""
    f = compute_funnel(out, langs)
    by = {(r.stage, r.lang): r for r in f.rows}
    result: dict[str, dict[str, int]] = {}
    for lang in langs:
        steps = {
            "programs_sampled": by[("sample", "")].entered,
            "functions": by[("frontend", "")].entered,
            "typed": by[("frontend", "")].left,
            "tested": by[("testgen", "")].left,
            "translated": by[("translate", lang)].left,
            "validated": by[("validate", lang)].left,
        }
        steps.update({f"curation:{k}": int(v) for k, v in curation_stats.get(lang, {}).items()})
        steps["published"] = int(published.get(lang, 0))
        result[lang] = steps
    return result


def _flag(name: str, value: object) -> list[str]:
    return [name, shlex.quote(str(value))]


def run_command_from_plan(plan: Mapping[str, Any]) -> str:
    """The `tolk run` command line that reproduces a run, from plan.json's config."""
    c = plan.get("config", {})
    if not c:
        return ""
    langs = ",".join(c.get("langs", []))
    parts = ["tolk", "run", *_flag("--source", c["source"]), *_flag("--to", langs),
             *_flag("--out", c["out"])]
    for key, flag in (("shard_size", "--shard-size"), ("max_programs", "--max-programs"),
                      ("n_inputs", "--n-inputs"), ("seed", "--seed"), ("executor", "--executor"),
                      ("run_timeout_s", "--run-timeout"), ("batch_size", "--batch-size")):
        if c.get(key) is not None:
            parts += _flag(flag, c[key])
    if c.get("translator", "lowering") != "lowering":
        for key, flag in (("translator", "--translator"), ("strategy", "--strategy"),
                          ("model", "--model"), ("model_revision", "--model-revision"),
                          ("cassette", "--cassette"), ("repair_rounds", "--repair-rounds"),
                          ("temperature", "--temperature"), ("top_p", "--top-p"),
                          ("max_tokens", "--max-tokens"),
                          ("samples_per_prompt", "--samples-per-prompt")):
            if c.get(key) not in (None, ""):
                parts += _flag(flag, c[key])
    return " ".join(parts)


def _group(df: pl.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    keys = [k for k in keys if k in df.columns]
    if not keys or df.height == 0:
        return []
    return (df.group_by(keys).agg(pl.len().alias("rows")).sort(keys).to_dicts())


def card_facts(out: Path, layout: Layout, *, repo_id: str, kept: pl.DataFrame,
               removals: pl.DataFrame | None, curation_stats: Mapping[str, Mapping[str, int]],
               publish_command: str, curation: Mapping[str, Any] | None = None,
               license: str | None = None) -> CardFacts:
    """Everything the card states, from the run directory and what was published."""
    plan_path = out / "plan.json"
    plan = json.loads(plan_path.read_text()) if plan_path.exists() else {}
    # Every language of the run, also those curation emptied (they get no config).
    langs = sorted({*plan.get("config", {}).get("langs", []), *curation_stats,
                    *(c.name for c in layout.languages)})
    published = {c.name: c.rows for c in layout.languages}
    licenses = dict(sorted(kept.group_by("source_license").agg(pl.len()).iter_rows())) \
        if kept.height else {}
    if license is None:
        ids = {str(k).lower() for k in licenses}
        license = ids.pop() if len(ids) == 1 else "other"
        license = license if license in _HUB_LICENSES else "other"
    ran_on: dict[str, dict[str, int]] = {}
    for row in _group(kept, ["lang", "ran_on"]):
        if row["ran_on"] != "unverified":  # defensive: only passed candidates are samples
            ran_on.setdefault(row["lang"], {})[row["ran_on"]] = row["rows"]
    limitations = [
        "Correctness means agreement with the Python reference on generated test vectors "
        "(shown and hidden); it is evidence, not proof, of equivalence.",
        "Only functions whose types the IR supports (int, float, bool, str, lists, "
        "matrices, tuple returns) are included.",
    ]
    optional = [get_toolchain(lang) for lang in sorted(langs)]
    optional = [tc for tc in optional if tc.optional_runtime]
    if optional:
        names = " and ".join(DISPLAY_NAMES.get(tc.lang, tc.lang) for tc in optional)
        runtimes = ", ".join(tc.optional_runtime for tc in optional)
        limitations.append(f"{names} rows exist only where a runtime ({runtimes}) ran the "
                           "candidate; compile-only or static-only checks never make a row "
                           "by themselves.")
    versions: dict[str, set[str]] = {}  # a toolchain may say what its versions imply
    for t in _group(kept, ["lang", "toolchain_version"]):
        versions.setdefault(str(t.get("lang")), set()).add(str(t.get("toolchain_version", "")))
    limitations += [note for lang in sorted(versions)
                    if (note := get_toolchain(lang).version_note(sorted(versions[lang])))]
    if "lowering" in {m.get("translator") for m in _group(kept, ["translator"])}:
        limitations.append("Rows from the `lowering` translator are mechanical translations "
                           "of the IR: correct but not idiomatic.")
    selftest, checks = language_checks(out, layout, langs)
    return CardFacts(
        checks=checks, selftest=selftest, check_commands=check_commands(out),
        validators=validator_strength(kept), repo_id=repo_id, layout=layout,
        funnel=language_funnel(out, langs, curation_stats, published),
        license=license, source_licenses={str(k): int(v) for k, v in licenses.items()},
        models=_group(kept, ["translator", "strategy", "model", "model_revision", "sampling_params"]),
        toolchains=_group(kept, ["lang", "toolchain_version"]),
        ran_on=ran_on,
        removal_reasons=_group(removals, ["lang", "reason"]) if removals is not None else [],
        run_command=run_command_from_plan(plan), publish_command=publish_command,
        run_config=plan.get("config", {}), curation=dict(curation or {}),
        limitations=tuple(limitations))


def config_entries(layout: Layout) -> list[dict[str, Any]]:
    """The front matter's `configs`: data_files per language and per view."""
    configs = []
    for i, c in enumerate(layout.configs):
        entry: dict[str, Any] = {"config_name": c.name,
                                 "data_files": [{"split": "train", "path": c.pattern}]}
        if i == 0:
            entry["default"] = True
        configs.append(entry)
    return configs


def refresh_card(dest: Path, layout: Layout, source_card: Path, verified: Mapping[str, int],
                 *, checks: Sequence[Any] = (), kept: pl.DataFrame | None = None) -> Path:
    """README.md for a folder `tolk verify --write` made: the source card with `configs`,
    size, the configs table, the views and the validators' section re-stated for the rows
    now there (`checks`: verify's RowChecks; `kept`: the language rows written), and a note
    of what verify did. The selftest and hostile numbers come from the source folder's
    validators.json (copied to `dest`); the re-checked share from `checks`."""
    meta, body = split_front_matter(source_card.read_text()) if source_card.exists() else ({}, "")
    meta["configs"] = config_entries(layout)
    if "size_categories" in meta:
        meta["size_categories"] = [size_category(layout.rows)]
    record = read_validators(dest)
    by_lang = record.get("checks", {})
    for lang, cell in verified_cells([(c.lang, c.id, c.status) for c in checks], layout).items():
        by_lang.setdefault(lang, empty_checks())["verified"] = cell
    suites = validator_strength(kept) if kept is not None else record.get("suites", [])
    record.update(suites=suites, checks=dict(sorted(by_lang.items())))
    write_validators(dest, record)
    t = _env().get_template("card_sections.md.j2").module
    body = _replace_section(body, "configs", str(t.configs_table(layout)))  # type: ignore[attr-defined]
    if layout.views or "<!-- tolk:views -->" in body:
        body = _replace_section(body, "views",
                                str(t.views_list(layout, _VIEW_DOCS)))  # type: ignore[attr-defined]
    if (dest / "funnel.json").exists():  # copied from the source: `published` re-stated
        funnel = json.loads((dest / "funnel.json").read_text())
        rows = {c.name: c.rows for c in layout.languages}
        promoted = Counter(c.lang for c in checks
                           if c.origin == "unverified" and c.status == "passed")
        for lang, steps in funnel.items():
            # promoted from `unverified` by this verify, then the config's rows now
            steps.pop("published", None)
            steps["verify:promoted"] = promoted.get(lang, 0)
            steps["published"] = rows.get(lang, 0)
        (dest / "funnel.json").write_text(json.dumps(funnel, indent=1) + "\n")
        body = _replace_section(body, "funnel", str(t.funnel_table(  # type: ignore[attr-defined]
            funnel, _steps(funnel))))
    body = _replace_section(body, "strength", str(t.strength(  # type: ignore[attr-defined]
        suites, record["checks"], record.get("selftest"), record.get("commands")
        or check_commands(Path("OUT")))))
    note = ("## Re-verified\n\nEvery row was re-validated from the tests it carries with "
            "`tolk verify --write`: " + ", ".join(f"{k} {v}" for k, v in sorted(verified.items()))
            + " (kept rows that passed carry the `ran_on` of the re-run; the funnel's "
            "`verify:promoted` counts the rows promoted from `unverified`, and `published` "
            "the rows of each language config now).\n")
    body = _replace_section(body, "reverified", note)  # one note, however often re-verified
    path = dest / "README.md"
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
                    + "---\n" + body.rstrip("\n") + "\n")
    return path


def _replace_section(body: str, name: str, text: str) -> str:
    """Replace the marked section `name` of a card body (appended when absent)."""
    start, end = f"<!-- tolk:{name} -->\n", f"<!-- /tolk:{name} -->"
    block = start + "\n" + text + "\n" + end  # blank lines: the markers stay apart from tables
    if start in body and end in body:
        head, _, rest = body.partition(start)
        return head + block + rest.partition(end)[2]
    return body.rstrip("\n") + "\n\n" + block + "\n"


def validator_strength(kept: pl.DataFrame) -> list[dict[str, Any]]:
    """Per language, how strong the suites that judged the rows are: rows, suites with a
    mutation score, its mean and minimum, and vectors per row (mean)."""
    if not kept.height or not {"mutation_score", "vectors_total"} <= set(kept.columns):
        return []
    score = pl.col("mutation_score")
    return (kept.group_by("lang").agg(
        pl.len().alias("rows"), score.is_not_null().sum().alias("scored"),
        score.mean().round(4).alias("mean_score"), score.min().round(4).alias("min_score"),
        pl.col("vectors_total").mean().round(1).alias("mean_vectors"))
        .sort("lang").to_dicts())


def card_metadata(facts: CardFacts) -> dict[str, Any]:
    """The YAML front matter: configs with data_files per language and per view."""
    configs = config_entries(facts.layout)
    langs = [c.name for c in facts.layout.languages]
    tags = ["code", "synthetic", "tolk", "code-translation", *langs]
    view_tags = {"fim": "fill-in-the-middle", "repair": "program-repair"}
    tags += [view_tags[v.name] for v in facts.layout.views if v.name in view_tags]
    return {
        "license": facts.license,
        "language": ["code"],
        "pretty_name": f"tolk: validated {', '.join(DISPLAY_NAMES.get(x, x) for x in langs)} "
                       "translations of Python",
        "size_categories": [size_category(facts.layout.rows)],
        "task_categories": ["text-generation"],
        "tags": tags,
        "configs": configs,
    }


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True)


def render_card(facts: CardFacts) -> str:
    front = yaml.safe_dump(card_metadata(facts), sort_keys=False, allow_unicode=True)
    steps = _steps(facts.funnel)
    return _env().get_template("card.md.j2").render(
        front_matter=front.rstrip("\n"), f=facts, steps=steps, display=DISPLAY_NAMES,
        view_docs=_VIEW_DOCS, run_config_json=json.dumps(facts.run_config, indent=1, sort_keys=True))


def _steps(funnel: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Every step of the funnel, in the order the languages list them."""
    def order(key: str) -> int:
        return next((list(s).index(key) for s in funnel.values() if key in s), 0)
    return sorted({k for f in funnel.values() for k in f}, key=order)


def write_card(facts: CardFacts) -> Path:
    """README.md, funnel.json (the card's funnel as numbers) and validators.json (the
    validators' section as numbers, which `refresh_card` re-states after verify)."""
    root = facts.layout.root
    (root / "funnel.json").write_text(json.dumps(facts.funnel, indent=1) + "\n")
    write_validators(root, {"suites": facts.validators, "checks": facts.checks,
                            "selftest": facts.selftest, "commands": facts.check_commands})
    path = root / "README.md"
    path.write_text(render_card(facts))
    return path


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """(metadata, body) of a card; the metadata block sits between two `---` lines."""
    if not text.startswith("---\n"):
        return {}, text
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head) or {}, body
