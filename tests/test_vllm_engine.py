"""The real vLLM engine on the CPU, on a tiny random-weight model, through `backend_for`.

Slow (engine start-up is minutes on 2 shared cores): one engine serves every assertion.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._tiny_model import tiny_model_dir, vllm_cpu  # noqa: F401 - fixtures
from tolk.flows.config import BuildConfig
from tolk.translators.llm import LLMRequest, Sampling, backend_for

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]


def test_vllm_backend_generates_n_completions_per_request(
        tiny_model_dir: Path, vllm_cpu: None, tmp_path: Path) -> None:  # noqa: F811
    config = BuildConfig(source=str(tmp_path), out=str(tmp_path / "out"), translator="vllm",
                         model=str(tiny_model_dir))
    backend = backend_for(config)
    assert backend_for(config) is backend  # one engine per process, reused across shards
    assert backend.name == "vllm" and backend.model == str(tiny_model_dir)
    assert backend.model_revision.startswith("local-")

    sampling = Sampling(n=2, temperature=0.8, max_tokens=12, seed=7)
    requests = [
        LLMRequest((("system", "You translate Python to Fortran."),
                    ("user", f"def f{i}(a: int) -> int:\n    return a + {i}")), sampling)
        for i in range(3)
    ]
    too_long = LLMRequest((("user", "x " * 20000),), sampling)
    responses = backend.generate([*requests, too_long])

    assert len(responses) == 4
    for r in responses[:3]:
        assert r.error == "", r.error
        assert len(r.texts) == 2
        assert r.tokens_in > 10  # the chat template wrapped the messages
        assert 2 <= r.tokens_out <= 24  # two completions, each capped at 12 tokens
        assert r.latency_s > 0
    # A seeded request is reproducible.
    again = backend.generate(requests[:1])[0]
    assert again.texts == responses[0].texts
    assert responses[3].texts == () and responses[3].error.startswith("llm_prompt_too_long")


def test_openai_backend_against_vllm_serve(tiny_model_dir: Path, vllm_cpu: None) -> None:  # noqa: F811
    """The OpenAI-compatible backend against vLLM's own server (`vllm serve`) on loopback."""
    import os
    import socket
    import subprocess
    import time

    import httpx

    from tests._tiny_model import vllm_python
    from tolk.translators.backend_openai import OpenAIBackend

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    python = vllm_python()
    assert python is not None
    log = open(tiny_model_dir.parent / "serve.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [python, "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model_dir),
         "--served-model-name", "tiny", "--host", "127.0.0.1", "--port", str(port),
         "--dtype", "float32", "--max-model-len", "4096", "--enforce-eager"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=dict(os.environ))
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 1200
        while time.monotonic() < deadline:  # start-up wait, not a timing assertion
            assert proc.poll() is None, (tiny_model_dir.parent / "serve.log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(2)
        backend = OpenAIBackend(url, "tiny", concurrency=2, max_retries=1)
        sampling = Sampling(n=2, temperature=0.8, max_tokens=8, seed=3, stop=("\n\n",))
        requests = [LLMRequest((("user", f"def f{i}(): return {i}"),), sampling) for i in range(3)]
        out = backend.generate(requests)
        assert [r.error for r in out] == ["", "", ""]
        assert all(len(r.texts) == 2 and r.tokens_in > 5 and 1 <= r.tokens_out <= 16 for r in out)
        assert backend.generate(requests[:1])[0].texts == out[0].texts  # seed reached the server
        raw = OpenAIBackend(url, "tiny", api="completions", max_retries=1).generate(requests[:1])
        assert raw[0].error == "" and len(raw[0].texts) == 2
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()
        log.close()
    # the server is gone now: the same backend records the failure instead of raising
    gone = OpenAIBackend(url, "tiny", max_retries=1, backoff_s=0.01).generate(requests[:1])
    assert gone[0].error.startswith("llm_unreachable")
