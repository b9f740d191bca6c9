"""The OpenAI-compatible backend against a real HTTP server on loopback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests._openai_server import fake_openai_server
from tolk.errors import ConfigError
from tolk.flows.config import BuildConfig
from tolk.translators.backend_openai import OpenAIBackend
from tolk.translators.llm import LLMRequest, Sampling, backend_for, clear_backend_cache


def _req(text: str, **sampling: object) -> LLMRequest:
    return LLMRequest((("system", "Translate Python to COBOL."), ("user", text)),
                      Sampling(**sampling))  # type: ignore[arg-type]


def _backend(url: str, **kw: object) -> OpenAIBackend:
    kw.setdefault("backoff_s", 0.01)
    return OpenAIBackend(url, "tiny-coder", "rev1", **kw)  # type: ignore[arg-type]


def test_chat_completion_n_seed_and_usage() -> None:
    with fake_openai_server() as srv:
        [r] = _backend(srv.url).generate([_req("def f(): pass", n=3, seed=11, stop=("```",))])
    assert r.error == ""
    assert r.texts == tuple(f"seed=11 choice={i} re: def f(): pass" for i in range(3))
    assert (r.model, r.model_revision) == ("tiny-coder", "rev1")
    assert r.tokens_in > 0 and r.tokens_out == sum(len(t.split()) for t in r.texts)
    [body] = srv.bodies
    assert srv.paths == ["/v1/chat/completions"]
    assert body["n"] == 3 and body["seed"] == 11 and body["stop"] == ["```"]
    assert body["model"] == "tiny-coder"
    assert body["messages"][0] == {"role": "system", "content": "Translate Python to COBOL."}


def test_raw_completions_api() -> None:
    with fake_openai_server() as srv:
        [r] = _backend(srv.url, api="completions").generate([_req("x = 1")])
    assert srv.paths == ["/v1/completions"]
    assert srv.bodies[0]["prompt"] == "Translate Python to COBOL.\n\nx = 1"
    assert r.texts == ("seed=0 choice=0 re: Translate Python to COBOL.\n\nx = 1",)


def test_responses_keep_request_order() -> None:
    with fake_openai_server(delay_s=0.01) as srv:
        out = _backend(srv.url, concurrency=4).generate([_req(f"p{i}") for i in range(10)])
    assert [r.texts[0].rsplit(" ", 1)[1] for r in out] == [f"p{i}" for i in range(10)]


def test_retries_transient_503_then_succeeds() -> None:
    with fake_openai_server(script=[503, 503]) as srv:
        [r] = _backend(srv.url, max_retries=3).generate([_req("a")])
    assert r.error == "" and r.texts
    assert len(srv.bodies) == 3


def test_gives_up_after_bounded_retries_on_5xx() -> None:
    with fake_openai_server(script=[500] * 10) as srv:
        [r] = _backend(srv.url, max_retries=2).generate([_req("a")])
    assert r.texts == () and r.error.startswith("llm_http_500")
    assert len(srv.bodies) == 3


def test_no_retry_on_400() -> None:
    with fake_openai_server(script=[400]) as srv:
        [r] = _backend(srv.url, max_retries=3).generate([_req("a")])
    assert r.texts == () and r.error.startswith("llm_http_400") and "scripted 400" in r.error
    assert len(srv.bodies) == 1


def test_429_is_retried() -> None:
    with fake_openai_server(script=[429]) as srv:
        [r] = _backend(srv.url).generate([_req("a")])
    assert r.error == "" and len(srv.bodies) == 2


def test_concurrency_is_bounded() -> None:
    with fake_openai_server(delay_s=0.15) as srv:
        out = _backend(srv.url, concurrency=3).generate([_req(f"p{i}") for i in range(12)])
    assert all(r.error == "" for r in out)
    assert 2 <= srv.max_in_flight <= 3


def test_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = _backend(f"http://127.0.0.1:{port}/v1", max_retries=2).generate(
        [_req(f"p{i}") for i in range(5)])
    assert all(r.texts == () and r.error.startswith("llm_unreachable") for r in out)
    assert f"127.0.0.1:{port}" in out[0].error or "went away" in out[0].error


@pytest.mark.parametrize("concurrency", [1, 4])
def test_server_dies_mid_run(concurrency: int) -> None:
    with fake_openai_server(die_after=3, delay_s=0.02) as srv:
        backend = _backend(srv.url, concurrency=concurrency, max_retries=2)
        out = backend.generate([_req(f"p{i}") for i in range(12)])
    ok = [r for r in out if r.error == ""]
    failed = [r for r in out if r.error]
    # Every answer given before the death is intact; everything after is recorded as unreachable.
    # Requests already in flight at the death may still be answered (concurrency > 1).
    assert len(ok) == srv.answered and 3 <= len(ok) <= 3 + concurrency - 1
    assert all(r.texts[0].endswith(f"p{i}") for i, r in enumerate(out) if r.error == "")
    assert len(failed) == 12 - len(ok)
    assert all(r.texts == () and r.error.startswith("llm_unreachable") for r in failed)
    if concurrency == 1:  # in order: the first three were answered
        assert [r.error for r in out[:3]] == ["", "", ""]


def test_timeout_is_recorded() -> None:
    with fake_openai_server(delay_s=1.0) as srv:
        [r] = _backend(srv.url, timeout_s=0.1, max_retries=1).generate([_req("slow")])
    assert r.texts == () and r.error.startswith("llm_timeout")
    assert len(srv.bodies) == 2


def test_null_content_is_an_empty_completion() -> None:
    with fake_openai_server(answer=lambda body, i: None) as srv:  # type: ignore[arg-type,return-value]
        [r] = _backend(srv.url).generate([_req("a")])
    assert r.error == "" and r.texts == ("",)
    assert len(srv.bodies) == 1


def test_malformed_answer_is_recorded_not_raised() -> None:
    with fake_openai_server(malformed=True) as srv:
        [r] = _backend(srv.url).generate([_req("a")])
    assert r.texts == () and r.error.startswith("llm_bad_response")
    assert len(srv.bodies) == 1


def test_backend_for_openai(tmp_path: Path) -> None:
    clear_backend_cache("openai")
    base = dict(source=str(tmp_path), out=str(tmp_path / "o"), translator="openai")
    with pytest.raises(ConfigError, match="--base-url"):
        backend_for(BuildConfig(**base, model="m"))
    with pytest.raises(ConfigError, match="--model"):
        backend_for(BuildConfig(**base, base_url="http://127.0.0.1:1/v1"))
    with fake_openai_server() as srv:
        config = BuildConfig(**base, model="m", base_url=srv.url, llm_concurrency=2)
        backend = backend_for(config)
        assert backend is backend_for(config) and backend.name == "openai"
        assert backend.generate([_req("z")])[0].texts == ("seed=0 choice=0 re: z",)
    clear_backend_cache("openai")
