"""The one pydantic model that parameterises a corpus run (flow parameter and CLI flags)."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from tolk.ir.function import content_id
from tolk.lang import DEFAULT_LANG, Lang

__all__ = ["BuildConfig"]


class BuildConfig(BaseModel):
    """Everything that decides what a corpus run produces."""

    source: str = Field(description="Where programs come from: a directory, git:<url>[@rev], "
                        "*.jsonl[.gz]/*.parquet (globs), hf:org/name[:config][@split], stdlib, "
                        "humaneval (source_options purpose=eval)")
    out: str = Field(description="Output directory (parquet shards, rejects, stats)")
    langs: list[Lang] = Field(default=[DEFAULT_LANG], min_length=1,
                              description="Target languages")
    source_options: dict[str, str] = Field(
        default_factory=dict, description="Source adapter options (columns, license, pattern, ...)")
    translator: Literal["lowering", "vllm", "openai", "replay"] = Field(
        default="lowering", description="How candidates are produced (lowering needs no model)")
    strategy: Literal["direct", "via-ir", "draft"] = Field(
        default="direct", description="LLM translation strategy (ignored by lowering)")
    model: str = Field(default="", description="Model path or name (vllm), served model (openai)")
    model_revision: str = Field(default="", description="Model revision recorded in provenance")
    base_url: str = Field(default="", description="OpenAI-compatible server, e.g. http://host:8000/v1")
    cassette: str = Field(default="", description="Replay cassette (JSONL) for --translator replay")
    repair_rounds: int = Field(default=2, ge=0, le=10,
                               description="Extra LLM rounds with compiler/test feedback")
    temperature: float = Field(default=0.2, ge=0, le=2)
    top_p: float = Field(default=0.95, gt=0, le=1)
    max_tokens: int = Field(default=1024, ge=16, le=32_768)
    samples_per_prompt: int = Field(default=1, ge=1, le=64, description="n completions per prompt")
    llm_concurrency: int = Field(default=8, ge=1, le=1024,
                                 description="In-flight requests to an OpenAI-compatible server")
    llm_limit: str = Field(default="", description="Prefect global concurrency limit name "
                           "for the LLM stage ('' = none)")
    infer: Literal["none", "static", "probe"] = Field(
        default="static", description="Types for unannotated functions: docstring examples and "
        "call sites (static), plus sandboxed probing (probe)")
    min_line_coverage: float = Field(default=0.9, ge=0, le=1,
                                     description="Reference line coverage the vectors must reach")
    min_mutation_score: float = Field(
        default=0.98, ge=0, le=1, description="Share of the reference's distinguishable mutants "
        "the vectors must kill (else reference:weak_suite)")
    shard_size: int = Field(default=4, ge=1, le=100_000,
                            description="Programs per shard (one Prefect task each)")
    max_programs: int | None = Field(default=None, ge=1, description="Stop after this many")
    n_inputs: int = Field(default=60, ge=5, le=10_000, description="Inputs generated per function")
    n_shown: int = Field(default=3, ge=0, le=20, description="Vectors that prompts may show")
    seed: int = Field(default=0, description="Seed for input generation")
    run_timeout_s: float = Field(default=10.0, gt=0, le=600,
                                 description="Wall-clock limit for running one candidate's vectors")
    compile_timeout_s: float = Field(default=30.0, gt=0, le=3600,
                                     description="Wall-clock limit for one compile")
    executor: Literal["auto", "bwrap", "podman", "docker", "host"] = Field(
        default="auto", description="Sandbox executor for candidates (auto: bubblewrap "
        "when usable; podman/docker need a toolchain image: `tolk toolchains build`)")
    stage_timeout_s: float = Field(
        default=120.0, gt=0, le=86_400,
        description="CPU-seconds bound per item and stage for the front end, test generation "
        "and the lowering (the wall clock stops it at 4x); past it the item is rejected as "
        "internal_error:<stage>_timeout")
    workers: int = Field(default=2, ge=1, le=256, description="Parallel validations per shard")
    batch_size: int = Field(default=16, ge=1, le=512,
                            description="Candidates per compiler invocation, on average "
                            "(batched validation: validators/batch.py, chunk_sizes)")

    @field_validator("langs", mode="before")
    @classmethod
    def _split_langs(cls, v: object) -> object:
        if isinstance(v, str):
            return [s.strip() for s in v.split(",") if s.strip()]
        return v

    def fingerprint(self) -> str:
        """Settings that change what a shard produces (not where it is written or how fast).
        The stage bound counts: it is CPU seconds, so it decides which items time out as
        surely as any test setting, and a re-run with a larger one must redo their shards."""
        relevant = self.model_dump(mode="json", exclude={"source", "out", "workers", "max_programs",
                                                         "shard_size", "batch_size", "base_url",
                                                         "llm_concurrency", "llm_limit"})
        return content_id(json.dumps(relevant, sort_keys=True))
