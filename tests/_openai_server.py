"""A small OpenAI-compatible server on loopback with canned answers, for backend tests.

Key contracts:
- Real HTTP over 127.0.0.1 (http.server, HTTP/1.0: one connection per request, so a closed
  listening socket really refuses the next request). Speaks POST /v1/chat/completions and
  /v1/completions with `choices` (n of them) and `usage`.
- `answer(body, i)` makes the i-th choice's text; the default echoes the seed and the last
  message so tests can see what reached the server.
- `script`: HTTP statuses to answer before normal answers (one per request, in order),
  e.g. [503, 503] or [400]; `delay_s` holds each request so concurrency shows;
  `malformed`: 200 answers without `choices`; `die_after=k`: after k answered requests the listening socket closes and any request
  already connected is dropped without an answer (a server that dies mid-run).
- Records every request body and the peak number of requests in flight.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def echo_answer(body: dict[str, Any], i: int) -> str:
    last = body["messages"][-1]["content"] if "messages" in body else body["prompt"]
    return f"seed={body.get('seed')} choice={i} re: {last}"


@dataclass
class FakeOpenAI:
    """State of one fake server; `url` is the OpenAI base URL (…/v1)."""

    answer: Callable[[dict[str, Any], int], str] = echo_answer
    script: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    die_after: int | None = None
    malformed: bool = False
    url: str = ""
    bodies: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    answered: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    dead: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def _die(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state._lock:
                if state.dead:
                    self.close_connection = True
                    return  # connected before the death: dropped without an answer
                state.bodies.append(body)
                state.paths.append(self.path)
                status = state.script.pop(0) if state.script else 200
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            if state.delay_s:
                time.sleep(state.delay_s)
            with state._lock:  # out of flight before answering: the client may send its
                state.in_flight -= 1  # next request the moment it reads this answer
            if status != 200:
                self._send(status, {"error": {"message": f"scripted {status}"}},
                           {"Retry-After": "0"} if status in (429, 503) else {})
                return
            chat = self.path.endswith("chat/completions")
            payload = {"oops": True} if state.malformed else _completion(state, body, chat=chat)
            with state._lock:  # dead before this answer is read, so nothing slips in after it
                state.answered += 1
                if state.die_after is not None and state.answered >= state.die_after \
                        and not state.dead:
                    state.dead = True
                    threading.Thread(target=state._die, daemon=True).start()
            self._send(200, payload)

        def _send(self, status: int, payload: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up first (timeout tests)

    return Handler


def _completion(state: FakeOpenAI, body: dict[str, Any], chat: bool) -> dict[str, Any]:
    n = int(body.get("n", 1))
    texts = [state.answer(body, i) for i in range(n)]
    choices = [({"index": i, "message": {"role": "assistant", "content": t},
                 "finish_reason": "stop"} if chat else
                {"index": i, "text": t, "finish_reason": "stop"})
               for i, t in reversed(list(enumerate(texts)))]  # out of order on purpose
    prompt = json.dumps(body.get("messages", body.get("prompt")))
    return {"id": "cmpl-test", "object": "chat.completion" if chat else "text_completion",
            "model": body.get("model", ""), "choices": choices,
            "usage": {"prompt_tokens": len(prompt.split()),
                      "completion_tokens": sum(len((t or "").split()) for t in texts)}}


@contextmanager
def fake_openai_server(**kwargs: Any) -> Iterator[FakeOpenAI]:
    """Run a FakeOpenAI on an ephemeral loopback port for the duration of the block."""
    state = FakeOpenAI(**kwargs)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state._server = server
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        if not state.dead:
            server.shutdown()
            server.server_close()
        thread.join(timeout=5)
