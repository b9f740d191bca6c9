"""Replay cassettes: record a real (loopback HTTP) backend's answers, then play them back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests._openai_server import fake_openai_server
from tolk.errors import ConfigError
from tolk.flows.config import BuildConfig
from tolk.translators.backend_openai import OpenAIBackend
from tolk.translators.backend_replay import (MISSING, RecordingBackend, ReplayBackend,
                                             cassette_line)
from tolk.translators.llm import LLMRequest, Sampling, backend_for, clear_backend_cache


def _req(text: str, n: int = 1) -> LLMRequest:
    return LLMRequest((("system", "Translate to Julia."), ("user", text)), Sampling(n=n, seed=5))


def test_request_key_is_stable_and_covers_sampling() -> None:
    a = _req("def f(x): return x")
    assert a.key == _req("def f(x): return x").key and len(a.key) == 16
    assert a.key != _req("def f(x): return x", n=2).key
    assert a.key != _req("def f(y): return y").key
    assert Sampling.from_json(a.sampling.to_json()) == a.sampling


def test_record_then_replay_gives_the_same_texts(tmp_path: Path) -> None:
    cassette = tmp_path / "run.jsonl"
    requests = [_req(f"def f{i}(x): return x + {i}", n=2) for i in range(4)]
    with fake_openai_server() as srv:
        recorder = RecordingBackend(OpenAIBackend(srv.url, "coder-7b", "abc123"), cassette)
        live = recorder.generate(requests)
    assert recorder.name == "openai" and recorder.model == "coder-7b"
    assert [len(r.texts) for r in live] == [2] * 4

    lines = [json.loads(line) for line in cassette.read_text().splitlines()]
    assert [line["key"] for line in lines] == [r.key for r in requests]
    assert lines[0]["messages"][1] == ["user", "def f0(x): return x + 0"]

    replay = ReplayBackend(cassette)
    assert (replay.name, replay.model, replay.model_revision) == ("replay", "coder-7b", "abc123")
    back = replay.generate(requests)
    assert [r.texts for r in back] == [r.texts for r in live]
    assert [(r.tokens_in, r.tokens_out) for r in back] == \
        [(r.tokens_in, r.tokens_out) for r in live]
    assert all(r.error == "" and r.model == "coder-7b" for r in back)


def test_missing_key_is_replay_missing_not_an_exception(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    known = _req("known")
    cassette.write_text(cassette_line(known, ["ok"], model="m") + "\n\n")
    out = ReplayBackend(cassette).generate([_req("unknown"), known, _req("known", n=2)])
    assert [r.error for r in out] == [MISSING, "", MISSING]
    assert [r.texts for r in out] == [(), ("ok",), ()]


def test_errors_are_not_recorded(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    with fake_openai_server(script=[400]) as srv:
        recorder = RecordingBackend(OpenAIBackend(srv.url, "m", concurrency=1), cassette)
        out = recorder.generate([_req("bad"), _req("good")])
    assert out[0].error.startswith("llm_http_400") and out[1].error == ""
    assert [json.loads(x)["key"] for x in cassette.read_text().splitlines()] == [_req("good").key]


def test_last_line_wins(tmp_path: Path) -> None:
    cassette = tmp_path / "c.jsonl"
    r = _req("x")
    cassette.write_text(cassette_line(r, ["old"], model="m") + "\n"
                        + cassette_line(r, ["new"], model="m") + "\n")
    assert ReplayBackend(cassette).generate([r])[0].texts == ("new",)


def test_bad_cassettes_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        ReplayBackend(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "k", "texts": ["a"]}\n{"texts": ["no key"]}\n')
    with pytest.raises(ConfigError, match="bad.jsonl:2"):
        ReplayBackend(bad)
    bad.write_text('{"key": "k", "texts": "not a list"}\n')
    with pytest.raises(ConfigError, match="list of strings"):
        ReplayBackend(bad)


def test_backend_for_replay_and_recording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_backend_cache("replay")
    base = dict(source=str(tmp_path), out=str(tmp_path / "o"))
    with pytest.raises(ConfigError, match="--cassette"):
        backend_for(BuildConfig(**base, translator="replay"))
    with pytest.raises(ConfigError, match="cannot be read"):
        backend_for(BuildConfig(**base, translator="replay", cassette=str(tmp_path / "x.jsonl")))
    with pytest.raises(ConfigError, match="does not use"):
        backend_for(BuildConfig(**base, translator="lowering"))

    recorded = tmp_path / "rec.jsonl"
    monkeypatch.setenv("TOLK_LLM_RECORD", str(recorded))
    with fake_openai_server() as srv:
        live = backend_for(BuildConfig(**base, translator="openai", model="m", base_url=srv.url))
        first = live.generate([_req("a")])
    replay = backend_for(BuildConfig(**base, translator="replay", cassette=str(recorded)))
    assert replay.name == "replay" and replay is backend_for(
        BuildConfig(**base, translator="replay", cassette=str(recorded)))
    assert replay.generate([_req("a")])[0].texts == first[0].texts
    clear_backend_cache("replay")
