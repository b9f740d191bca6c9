"""The vLLM backend's worker protocol, driven by a stand-in `vllm` module (fast, no vLLM).

The stand-in is a real package on PYTHONPATH that the real worker imports in place of vLLM;
it prints noise to stdout (as vLLM's logs do), and dies or hangs on request, so the client's
protocol, error mapping and restart are tested here. The real engine: test_vllm_engine.py.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tolk.errors import ConfigError, TolkError, ToolchainUnavailable
from tolk.flows.config import BuildConfig
from tolk.translators.backend_vllm import VLLMBackend, engine_options_from_env, local_revision
from tolk.translators.llm import LLMRequest, Sampling, backend_for, clear_backend_cache

FAKE_VLLM = textwrap.dedent('''
    import os, sys, time
    from types import SimpleNamespace
    __version__ = "0.0-fake"
    print("INFO fake vllm says hello on stdout")  # must not corrupt the protocol

    class SamplingParams:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    class _Tok:
        def apply_chat_template(self, messages, tokenize, add_generation_prompt):
            if any(m["role"] == "system" and "NOSYS" in m["content"] for m in messages):
                raise ValueError("system role not supported")
            return "".join(f"<{m['role']}>{m['content']}" for m in messages) + "<assistant>"
        def encode(self, text, add_special_tokens=False):
            return text.split()

    class LLM:
        def __init__(self, model, revision=None, **kw):
            if not os.path.isdir(model):
                raise OSError(f"no model at {model}")
            self.kw = kw
            self.llm_engine = SimpleNamespace(model_config=SimpleNamespace(max_model_len=50))
        def get_tokenizer(self):
            return _Tok()
        def generate(self, prompts, params, use_tqdm=True):
            print("INFO generating", len(prompts))
            if any("DIE" in p for p in prompts):
                os._exit(3)
            if any("HANG" in p for p in prompts):
                time.sleep(60)
            if any("BOOM" in p for p in prompts):
                raise RuntimeError("kaboom")
            outs = []
            for p, sp in zip(prompts, params):
                texts = [f"{self.kw.get('dtype')}|seed={sp.seed}|i={i}|max={sp.max_tokens}|{p}"
                         for i in range(sp.n)]
                outs.append(SimpleNamespace(prompt_token_ids=p.split(), outputs=[
                    SimpleNamespace(text=t, token_ids=[0] * (i + 1)) for i, t in enumerate(texts)]))
            return outs
''')


@pytest.fixture()
def fake_vllm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    pkg = tmp_path / "fakes" / "vllm"
    (pkg / "platforms").mkdir(parents=True)
    (pkg / "__init__.py").write_text(FAKE_VLLM)
    (pkg / "platforms" / "__init__.py").write_text(
        "class _P:\n    def is_cpu(self):\n        return True\ncurrent_platform = _P()\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "fakes"))
    monkeypatch.setenv("TOLK_VLLM_PYTHON", sys.executable)
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text('{"hidden_size": 64}')
    return model


def _req(text: str, n: int = 1, seed: int = 0, system: str = "sys") -> LLMRequest:
    return LLMRequest((("system", system), ("user", text)), Sampling(n=n, seed=seed, max_tokens=30))


def test_batch_through_the_worker(fake_vllm: Path) -> None:
    backend = VLLMBackend(str(fake_vllm), engine_args={"dtype": "float32"})
    try:
        assert backend.engine_info["vllm"] == "0.0-fake"
        assert backend.model_revision == local_revision(str(fake_vllm)) != ""
        out = backend.generate([_req("a b", n=2, seed=4), _req("c", system="NOSYS"),
                                _req("w " * 60), _req("d")])
        assert len(out) == 4
        assert out[0].texts == tuple(f"float32|seed=4|i={i}|max=30|<system>sys<user>a b<assistant>"
                                     for i in range(2))
        assert (out[0].tokens_in, out[0].tokens_out) == (2, 3)  # prompt words; 1 + 2 tokens
        assert out[1].texts == () and out[1].error.startswith("llm_bad_request: chat template")
        assert out[2].texts == () and out[2].error.startswith("llm_prompt_too_long")
        # max_tokens is capped to what the context has left after the prompt
        assert out[3].error == "" and "|max=30|" in out[3].texts[0]
        assert backend.generate([]) == []
    finally:
        backend.close()


def test_one_bad_request_does_not_sink_the_batch(fake_vllm: Path) -> None:
    backend = VLLMBackend(str(fake_vllm))
    try:
        out = backend.generate([_req("x"), _req("BOOM"), _req("y")])
        assert [r.error == "" for r in out] == [True, False, True]
        assert out[1].error == "llm_bad_request: RuntimeError: kaboom"
    finally:
        backend.close()


def test_worker_death_is_recorded_then_the_engine_restarts(fake_vllm: Path) -> None:
    backend = VLLMBackend(str(fake_vllm))
    try:
        died = backend.generate([_req("ok"), _req("DIE")])
        assert all(r.texts == () and r.error.startswith("llm_engine_died") for r in died)
        again = backend.generate([_req("ok")])  # a fresh worker answers the next batch
        assert again[0].error == "" and again[0].texts
    finally:
        backend.close()


def test_hung_worker_times_out(fake_vllm: Path) -> None:
    backend = VLLMBackend(str(fake_vllm), timeout_s=2)
    try:
        [r] = backend.generate([_req("HANG")])
        assert r.texts == () and r.error == "llm_timeout"
    finally:
        backend.close()


def test_engine_that_cannot_load_is_a_toolchain_error(fake_vllm: Path, tmp_path: Path) -> None:
    with pytest.raises(ToolchainUnavailable, match="no model at"):
        VLLMBackend(str(tmp_path / "missing-model"))


def test_no_vllm_interpreter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOLK_VLLM_PYTHON", str(tmp_path / "no-python"))
    clear_backend_cache()
    with pytest.raises(TolkError, match="no interpreter with vllm"):
        backend_for(BuildConfig(source=".", out="o", translator="vllm", model="m"))
    with pytest.raises(ConfigError, match="--model"):
        backend_for(BuildConfig(source=".", out="o", translator="vllm"))


def test_backend_for_builds_one_engine_per_settings(fake_vllm: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    clear_backend_cache()
    config = BuildConfig(source=".", out="o", translator="vllm", model=str(fake_vllm))
    try:
        a = backend_for(config)
        assert backend_for(config) is a
        assert backend_for(config.model_copy(update={"out": "other"})) is a
        monkeypatch.setenv("TOLK_VLLM_DTYPE", "bfloat16")  # changed engine options: new engine
        b = backend_for(config)
        assert b is not a and "bfloat16|" in b.generate([_req("q")])[0].texts[0]
    finally:
        clear_backend_cache()


def test_engine_options_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in {"TOLK_VLLM_DTYPE": "bfloat16", "TOLK_VLLM_MAX_MODEL_LEN": "2048",
                 "TOLK_VLLM_ENFORCE_EAGER": "true", "TOLK_VLLM_TIMEOUT_S": "60",
                 "TOLK_VLLM_ENGINE_ARGS": '{"max_num_seqs": 4, "dtype": "float32"}'}.items():
        monkeypatch.setenv(k, v)
    opts = engine_options_from_env()
    assert opts["engine_args"] == {"dtype": "float32", "max_model_len": 2048,
                                   "enforce_eager": True, "max_num_seqs": 4}
    assert opts["timeout_s"] == 60.0
