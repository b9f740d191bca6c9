"""Training views of the curated samples: translate, fim, repair, rl.

Each view is a function from the kept frame (SAMPLE_SCHEMA columns, `corpus.curate`) to
a frame whose first columns are the view's own (documented in its `*_SCHEMA`) and whose
remaining columns are the sample's provenance, unchanged:

  translate  `translate_view(kept, TranslateConfig)`   TRANSLATE_SCHEMA: Python -> target
             pairs, instruction style: `prompt`, `response` and one `content` column
             (which of them are present is `TranslateConfig.columns`).
  fim        `corpus.fim.fim_view(kept, FimConfig)`     FIM_SCHEMA
  repair     `corpus.repair_pairs.repair_view(kept, RepairConfig, mutants=...)`  REPAIR_SCHEMA
  rl         `rl_view(kept, RLConfig)`                  RL_SCHEMA: one task per function and
             language for execution-reward training: a `prompt` from the Python and the
             target contract, the `tests` that judge an answer (the row's suite, shown and
             hidden; corpus/row_tests.py), and one validated `reference_solution`

Templates are `str.format`-style with the fields `{language}` (display name, e.g.
"Fortran"), `{lang}` (the config name, e.g. "fortran"), `{function}`, `{python_source}`,
`{target_code}`, `{ir_signature}`, `{contract}` and, in `content_template`, `{prompt}` and
`{response}`. They compile to polars string expressions: no Python loop over rows.

Key contracts: the views are lazy and row-preserving for translate (one row per kept
sample, same order); rl keeps one row per (source_id, function, lang), the one with the
smallest `id`, and only rows that carry tests; unknown template fields raise ValueError
when the view is built.
"""

from __future__ import annotations

import string
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from tolk.corpus.fim import FIM_SCHEMA, FimConfig, fim_view
from tolk.toolchains.registry import TOOLCHAINS

__all__ = ["LANGUAGE_NAMES", "TranslateConfig", "TRANSLATE_SCHEMA", "template_expr",
           "translate_view", "RLConfig", "RL_SCHEMA", "rl_view", "FIM_SCHEMA", "FimConfig", "fim_view"]

#: config name -> display name: each target's toolchain `display_name`, and the source's
LANGUAGE_NAMES: dict[str, str] = {**{str(lang): tc.display_name for lang, tc in TOOLCHAINS.items()},
                                  "python": "Python"}

TRANSLATE_SCHEMA: dict[str, pl.DataType] = {
    "prompt": pl.String,  # the instruction with the Python source
    "response": pl.String,  # the validated target code, fenced
    "content": pl.String,  # prompt and response as one text
}


class TranslateConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt_template: str = ("Translate this Python function to {language}. Keep its behaviour "
                            "exactly.\n\n```python\n{python_source}\n```")
    response_template: str = "```{lang}\n{target_code}\n```"
    content_template: str = "{prompt}\n\n{response}"
    columns: Literal["both", "prompt_response", "content"] = Field(
        "both", description="which text columns the view carries")


_COLUMN_FIELDS = {"function", "python_source", "target_code", "ir_signature", "lang", "contract"}


def template_expr(template: str, extra: dict[str, pl.Expr] | None = None) -> pl.Expr:
    """A polars expression rendering `template` per row (fields as in the module docstring)."""
    fields: dict[str, pl.Expr] = {
        "language": pl.col("lang").replace_strict(LANGUAGE_NAMES, default=pl.col("lang"),
                                                  return_dtype=pl.String),
        **{f: pl.col(f).fill_null("") for f in _COLUMN_FIELDS},
        **(extra or {}),
    }
    parts: list[pl.Expr] = []
    for literal, name, spec, conv in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is None:
            continue
        if name not in fields or spec or conv:
            raise ValueError(f"template field {{{name}}} is not one of {sorted(fields)}")
        parts.append(fields[name])
    return pl.concat_str(parts) if parts else pl.lit("")


def translate_view(kept: pl.LazyFrame, cfg: TranslateConfig = TranslateConfig()) -> pl.LazyFrame:
    """Instruction-style Python -> target pairs: text columns, then every sample column."""
    prompt = template_expr(cfg.prompt_template)
    response = template_expr(cfg.response_template)
    content = template_expr(cfg.content_template, {"prompt": prompt, "response": response})
    text = {"both": [prompt.alias("prompt"), response.alias("response"), content.alias("content")],
            "prompt_response": [prompt.alias("prompt"), response.alias("response")],
            "content": [content.alias("content")]}[cfg.columns]
    return kept.select(*text, pl.all())


RL_SCHEMA: dict[str, pl.DataType] = {
    "prompt": pl.String,  # the task: Python source and the exact target contract
    "tests": pl.String,  # the suite that judges an answer (TestSuite JSON, shown + hidden)
    "contract": pl.String,  # the interface an answer must implement
    "reference_solution": pl.String,  # one validated answer
}


class RLConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt_template: str = (
        "Translate this Python function to {language}. Keep its behaviour exactly: the "
        "answer is compiled and run on hidden tests and compared with the Python results."
        "\n\n```python\n{python_source}\n```\n\nImplement exactly this interface "
        "(complete the body):\n\n```{lang}\n{contract}\n```")


def rl_view(kept: pl.LazyFrame, cfg: RLConfig = RLConfig()) -> pl.LazyFrame:
    """Execution-reward tasks: prompt, tests, contract, a reference; then sample columns."""
    tasks = (kept.filter(pl.col("tests").is_not_null() & (pl.col("tests") != ""))
             .sort("id").unique(["source_id", "function", "lang"], keep="first",
                                maintain_order=True))
    return tasks.select(template_expr(cfg.prompt_template).alias("prompt"),
                        pl.col("tests"), pl.col("contract"),
                        pl.col("target_code").alias("reference_solution"),
                        pl.all().exclude("tests", "contract"))
