"""vLLM offline engine (`vllm.LLM` + `SamplingParams`) in a long-lived worker process.

Key contracts:
- The engine runs in ONE worker subprocess per `VLLMBackend` (and `backend_for` keeps one
  backend per process), started with the interpreter that has vLLM: `TOLK_VLLM_PYTHON`,
  else `<repo>/.venv-vllm/bin/python`, else this interpreter when it can import vllm.
  vLLM pins an older fastapi than Prefect 3.9 accepts, so it usually lives in its own venv;
  the worker imports only vLLM and `tolk.translators.llm`, never Prefect.
- Wire: JSON lines. The client sends one spec line {model, revision, engine_args}; the
  worker answers {"ready": ...} or {"fatal": reason}. Then per batch the client sends
  {"id", "requests": [{messages, sampling}]} and the worker answers {"id", "responses":
  [{texts, tokens_in, tokens_out, error}], "latency_s"}. The worker points fd 1 at stderr
  so vLLM's logs never corrupt the protocol; stderr goes to a log file whose tail is
  quoted in errors.
- One `LLM.generate` call per batch, chat templates applied with the model's tokenizer
  (`add_generation_prompt=True`), `SamplingParams` per request (n, temperature, top_p,
  max_tokens, stop, seed). A request vLLM rejects (template error, prompt too long) gets its
  own error; the rest of the batch is still answered.
- Start-up failure (no vLLM interpreter, model not loadable) raises `ToolchainUnavailable`:
  the run cannot happen. After start-up nothing raises: a worker that dies or hangs turns
  the batch into `llm_engine_died` / `llm_timeout` responses and is restarted on next use.
- Engine options come from env (CPU-friendly defaults are the caller's job):
  TOLK_VLLM_DTYPE, TOLK_VLLM_MAX_MODEL_LEN, TOLK_VLLM_ENFORCE_EAGER (default on CPU),
  TOLK_VLLM_GPU_MEMORY_UTILIZATION, TOLK_VLLM_TENSOR_PARALLEL_SIZE, TOLK_VLLM_ENGINE_ARGS
  (a JSON object merged last), TOLK_VLLM_TIMEOUT_S, TOLK_VLLM_STARTUP_TIMEOUT_S; vLLM's own
  env (VLLM_CPU_KVCACHE_SPACE, ...) passes through to the worker.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.util
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from tolk.translators.llm import LLMRequest, LLMResponse

__all__ = ["VLLMBackend", "engine_options_from_env", "find_vllm_python", "local_revision"]

REPO = Path(__file__).resolve().parents[1]
_LOG_TAIL = 600


def find_vllm_python() -> str | None:
    """The interpreter to run the engine with, or None when there is none."""
    explicit = os.environ.get("TOLK_VLLM_PYTHON", "")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    venv = REPO / ".venv-vllm" / "bin" / "python"
    if os.access(venv, os.X_OK):
        return str(venv)
    if importlib.util.find_spec("vllm") is not None:
        return sys.executable
    return None


def engine_options_from_env() -> dict[str, Any]:
    """VLLMBackend keyword arguments from TOLK_VLLM_* variables."""
    env = os.environ
    args: dict[str, Any] = {}
    if v := env.get("TOLK_VLLM_DTYPE"):
        args["dtype"] = v
    if v := env.get("TOLK_VLLM_MAX_MODEL_LEN"):
        args["max_model_len"] = int(v)
    if v := env.get("TOLK_VLLM_ENFORCE_EAGER"):
        args["enforce_eager"] = v.lower() in {"1", "true", "yes"}
    if v := env.get("TOLK_VLLM_GPU_MEMORY_UTILIZATION"):
        args["gpu_memory_utilization"] = float(v)
    if v := env.get("TOLK_VLLM_TENSOR_PARALLEL_SIZE"):
        args["tensor_parallel_size"] = int(v)
    if v := env.get("TOLK_VLLM_ENGINE_ARGS"):
        args.update(json.loads(v))
    return {"engine_args": args,
            "timeout_s": float(env.get("TOLK_VLLM_TIMEOUT_S", "3600")),
            "startup_timeout_s": float(env.get("TOLK_VLLM_STARTUP_TIMEOUT_S", "1800"))}


def local_revision(model: str) -> str:
    """A content tag for a local model folder (config + weight file names and sizes)."""
    path = Path(model)
    if not path.is_dir():
        return ""
    h = hashlib.sha256()
    for f in sorted(path.iterdir()):
        if f.is_file():
            h.update(f"{f.name}:{f.stat().st_size}\n".encode())
            if f.name == "config.json":
                h.update(f.read_bytes())
    return "local-" + h.hexdigest()[:12]


class VLLMBackend:
    """`LLMBackend` over a vLLM engine living in a worker subprocess."""

    name = "vllm"

    def __init__(self, model: str, model_revision: str = "", *, python: str | None = None,
                 engine_args: dict[str, Any] | None = None, timeout_s: float = 3600.0,
                 startup_timeout_s: float = 1800.0) -> None:
        from tolk.errors import ToolchainUnavailable

        self.model = model
        self.model_revision = model_revision or local_revision(model)
        self._hf_revision = model_revision  # only a real hub revision goes to vLLM
        self._engine_args = dict(engine_args or {})
        self._timeout_s = timeout_s
        self._startup_timeout_s = startup_timeout_s
        python = python or find_vllm_python()
        if python is None:
            raise ToolchainUnavailable(
                "vLLM", "no interpreter with vllm: create .venv-vllm (scripts/setup.sh) or set "
                "TOLK_VLLM_PYTHON to a python that can `import vllm`")
        self._python = python
        self._lock = threading.Lock()  # one batch at a time through the worker's pipe
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._log_path = ""
        self._batch = 0
        self._timed_out = False
        self.engine_info: dict[str, Any] = {}
        self._start()
        atexit.register(self.close)

    # -- lifecycle -------------------------------------------------------------------
    def _start(self) -> None:
        from tolk.errors import ToolchainUnavailable

        log = tempfile.NamedTemporaryFile(prefix="tolk-vllm-", suffix=".log", delete=False)
        self._log_path = log.name
        self._lines = queue.Queue()
        try:
            proc = subprocess.Popen(
                [self._python, "-m", "tolk.translators.backend_vllm", "--worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
                encoding="utf-8", start_new_session=True,  # killpg reaches EngineCore too
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        except OSError as exc:
            raise ToolchainUnavailable("vLLM", f"cannot start {self._python}: {exc}") from exc
        finally:
            log.close()
        self._proc = proc
        threading.Thread(target=self._pump, args=(proc, self._lines), daemon=True).start()
        spec = {"model": self.model, "revision": self._hf_revision,
                "engine_args": self._engine_args}
        ready = self._send_and_wait(json.dumps(spec), self._startup_timeout_s)
        if ready is None or "ready" not in ready:
            reason = (ready or {}).get("fatal", "worker exited or timed out during start-up")
            self._kill()
            raise ToolchainUnavailable(
                "vLLM engine", f"{reason}; log {self._log_path}: {self._log_tail()}")
        self.engine_info = ready

    @staticmethod
    def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)  # EOF: the worker is gone

    def _send_and_wait(self, line: str, timeout_s: float) -> dict[str, Any] | None:
        """Send one line and wait for one JSON answer; None on EOF, broken pipe or timeout."""
        proc = self._proc
        if proc is None or proc.poll() is not None or proc.stdin is None:
            return None
        try:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                got = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._timed_out = True
                return None
            if got is None:
                return None
            try:
                return json.loads(got)
            except json.JSONDecodeError:
                continue  # a stray line that escaped the fd redirect; not ours

    def _log_tail(self) -> str:
        try:
            text = Path(self._log_path).read_text(errors="replace")
        except OSError:
            return ""
        return " ".join(text[-_LOG_TAIL:].split())

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        proc.wait()

    def close(self) -> None:
        """Stop the worker (EOF first so vLLM shuts its engine down, then SIGKILL the group)."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill()

    # -- LLMBackend ------------------------------------------------------------------
    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        if not requests:
            return []
        with self._lock:
            return self._generate_locked(requests)

    def _generate_locked(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        from tolk.errors import TolkError

        if self._proc is None or self._proc.poll() is not None:
            self._kill()
            try:
                self._start()
            except TolkError as exc:
                return self._all_failed(requests, f"llm_engine_down: {exc}")
        self._batch += 1
        self._timed_out = False
        payload = {"id": self._batch,
                   "requests": [{"messages": [list(m) for m in r.messages],
                                 "sampling": json.loads(r.sampling.to_json())}
                                for r in requests]}
        t0 = time.monotonic()
        answer = self._send_and_wait(json.dumps(payload), self._timeout_s)
        latency = time.monotonic() - t0
        if answer is None or answer.get("id") != self._batch:
            reason = ("llm_timeout" if self._timed_out
                      else f"llm_engine_died: {self._log_tail()[-200:]}")
            self._kill()
            return self._all_failed(requests, reason)
        out = []
        for r in answer["responses"]:
            out.append(LLMResponse(texts=tuple(r["texts"]), model=self.model,
                                   model_revision=self.model_revision,
                                   tokens_in=r["tokens_in"], tokens_out=r["tokens_out"],
                                   latency_s=latency, error=r["error"]))
        return out

    def _all_failed(self, requests: Sequence[LLMRequest], reason: str) -> list[LLMResponse]:
        return [LLMResponse(texts=(), model=self.model, model_revision=self.model_revision,
                            error=reason) for _ in requests]


# -- worker side (runs under the vLLM interpreter) -------------------------------------
def _worker_main() -> int:
    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # vLLM and native libraries print to stdout: keep the protocol clean
    spec = json.loads(sys.stdin.readline())

    def say(obj: dict[str, Any]) -> None:
        proto.write(json.dumps(obj) + "\n")
        proto.flush()

    try:
        import vllm
        from vllm import LLM, SamplingParams
        from vllm.platforms import current_platform

        engine_args = dict(spec["engine_args"])
        if current_platform.is_cpu():
            engine_args.setdefault("enforce_eager", True)  # no graphs/compile on CPU
        llm = LLM(model=spec["model"], revision=spec["revision"] or None, **engine_args)
        tokenizer = llm.get_tokenizer()
        max_len = int(llm.llm_engine.model_config.max_model_len)
    except BaseException as exc:  # noqa: BLE001 - any start-up failure is reported, not raised
        say({"fatal": f"{type(exc).__name__}: {exc}"})
        return 1
    say({"ready": True, "vllm": vllm.__version__, "max_model_len": max_len})
    for line in sys.stdin:
        batch = json.loads(line)
        t0 = time.monotonic()
        responses = _worker_batch(llm, tokenizer, SamplingParams, max_len, batch["requests"])
        say({"id": batch["id"], "responses": responses, "latency_s": time.monotonic() - t0})
    return 0


def _worker_batch(llm: Any, tokenizer: Any, sampling_params: Any, max_len: int,
                  requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answer a batch with one generate call; requests vLLM would reject get their own error."""
    results: list[dict[str, Any]] = [
        {"texts": [], "tokens_in": 0, "tokens_out": 0, "error": ""} for _ in requests]
    prompts, params, index = [], [], []
    for i, req in enumerate(requests):
        s = req["sampling"]
        try:
            prompt = tokenizer.apply_chat_template(
                [{"role": r, "content": c} for r, c in req["messages"]],
                tokenize=False, add_generation_prompt=True)
            n_tokens = len(tokenizer.encode(prompt, add_special_tokens=False))
        except Exception as exc:  # noqa: BLE001 - a template may reject e.g. a system role
            results[i]["error"] = f"llm_bad_request: chat template: {exc}"
            continue
        if n_tokens >= max_len:
            results[i]["error"] = f"llm_prompt_too_long: {n_tokens} >= {max_len} tokens"
            continue
        prompts.append(prompt)
        params.append(sampling_params(
            n=s["n"], temperature=s["temperature"], top_p=s["top_p"], seed=s["seed"],
            max_tokens=max(1, min(s["max_tokens"], max_len - n_tokens)),
            stop=list(s["stop"]) or None))
        index.append(i)
    if not prompts:
        return results
    try:
        outputs = llm.generate(prompts, params, use_tqdm=False)
    except Exception:  # noqa: BLE001 - isolate the request that broke the batch
        outputs = []
        for p, sp in zip(prompts, params):
            try:
                outputs.extend(llm.generate([p], [sp], use_tqdm=False))
            except Exception as exc:  # noqa: BLE001
                outputs.append(f"llm_bad_request: {type(exc).__name__}: {exc}")
    for i, out in zip(index, outputs):
        if isinstance(out, str):
            results[i]["error"] = out
            continue
        results[i]["texts"] = [c.text for c in out.outputs]
        results[i]["tokens_in"] = len(out.prompt_token_ids or ())
        results[i]["tokens_out"] = sum(len(c.token_ids) for c in out.outputs)
    return results


if __name__ == "__main__" and "--worker" in sys.argv:
    sys.exit(_worker_main())
