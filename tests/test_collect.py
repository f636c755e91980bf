"""``provenance collect`` against a local OpenAI-compatible server that injects faults.

The fake server runs on 127.0.0.1 in a thread. Per (model, prompt) it can answer
the first tries with faults (429 with Retry-After, 500, a response slower than
the timeout, malformed JSON, a dropped connection, a body cut short) before it
answers properly. The tests check that every (model, prompt, sample) ends up in
the output exactly once, also after the collector is interrupted or killed, and
that the API key never appears in the output, the logs or the terminal.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from detector.cli import main
from detector.collect import (
    CollectSummary,
    Prompt,
    _AppendFile,
    _is_loopback,
    chat_url,
    collect,
    load_prompts,
    parse_retry_after,
)
from detector.corpus import load_corpus, normalize_prompt, prompt_id
from detector.errors import ProvenanceError

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-test-S3CRET-0123456789abcdef"
FAST = dict(progress=False, backoff_base=0.01, backoff_max=0.05)


# ------------------------------------------------------------ fake server
class FakeServer:
    """An OpenAI-compatible ``/v1/chat/completions`` with scripted faults.

    ``faults[prompt]`` lists the faults of the first tries of that prompt (per
    model); ``always[prompt]`` is a fault returned on every try. Faults:
    ``"429"``, ``"500"``, ``"400"``, ``"slow"``, ``"badjson"``, ``"drop"``,
    ``"cut"`` (body cut short) and ``"echo"`` (a 400 whose body repeats the
    Authorization header).
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.slow_s = 1.0
        self.retry_after = "0.3"
        self.required_key: str | None = None
        self.unknown_models: set[str] = set()
        self.faults: dict[str, list[str]] = {}
        self.always: dict[str, str] = {}
        self.lock = threading.Lock()
        self.log: list[dict[str, Any]] = []  # every request: model, prompt, auth, fault, times
        self.tries: Counter = Counter()  # (model, prompt) -> requests received
        self.served: Counter = Counter()  # (model, prompt) -> proper answers sent
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                try:
                    fake.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                if not isinstance(sys.exc_info()[1], ConnectionError):  # a client hung up
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def requests_for(self, model: str, prompt: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.log if r["model"] == model and r["prompt"] == prompt]

    # -- one request
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        received = time.monotonic()
        body = json.loads(h.rfile.read(int(h.headers.get("Content-Length", 0))))
        model = body["model"]
        prompt = body["messages"][-1]["content"]
        auth = h.headers.get("Authorization")
        with self.lock:
            n = self.tries[(model, prompt)]
            self.tries[(model, prompt)] += 1
            script = self.faults.get(prompt, [])
            fault = self.always.get(prompt) or (script[n] if n < len(script) else None)
            entry = {"model": model, "prompt": prompt, "auth": auth, "fault": fault, "body": body}
            entry["received"] = received
            self.log.append(entry)
        if h.path != "/v1/chat/completions":
            return self.send(h, 404, {"error": {"message": f"no route {h.path}"}})
        if self.required_key is not None and auth != f"Bearer {self.required_key}":
            return self.send(h, 401, {"error": {"message": "invalid api key"}})
        if model in self.unknown_models:
            return self.send(h, 404, {"error": {"message": f"model {model!r} not found"}})
        if fault == "429":
            entry["answered"] = time.monotonic()
            return self.send(h, 429, {"error": {"message": "slow down"}}, self.retry_after)
        if fault == "500":
            return self.send(h, 500, {"error": {"message": "internal error"}})
        if fault == "400":
            return self.send(h, 400, {"error": {"message": "bad request"}})
        if fault == "echo":
            return self.send(h, 400, {"error": {"message": f"bad header {auth}"}})
        if fault == "drop":
            h.close_connection = True
            return None
        if fault == "badjson":
            return self.send_raw(h, 200, b'{"choices": [{"message": {"content": "tru')
        if fault == "cut":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "500")
            h.end_headers()
            h.wfile.write(b'{"choices": [')
            h.wfile.flush()
            h.close_connection = True
            return None
        if fault == "slow":
            time.sleep(self.slow_s)
        elif self.delay:
            time.sleep(self.delay)
        with self.lock:
            k = self.served[(model, prompt)] if fault is None else -1
            if fault is None:
                self.served[(model, prompt)] += 1
        special = router_answer(model, prompt, body.get("max_tokens") or 0)
        if special is not None:
            return self.send(h, 200, special)
        message: dict[str, Any] = {"role": "assistant", "content": f"{model} on {prompt} #{k}"}
        if model.startswith("thinker"):
            message["reasoning_content"] = f"thinking about {prompt}"
        payload = {
            "id": f"chatcmpl-{model}-{n}",
            "object": "chat.completion",
            "model": f"{model}-served",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12},
        }
        return self.send(h, 200, payload)

    def send(
        self, h: BaseHTTPRequestHandler, status: int, obj: Any, retry_after: str | None = None
    ) -> None:
        self.send_raw(h, status, json.dumps(obj).encode(), retry_after)

    def send_raw(
        self, h: BaseHTTPRequestHandler, status: int, data: bytes, retry_after: str | None = None
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            h.send_header("Retry-After", retry_after)
        h.end_headers()
        h.wfile.write(data)


def router_answer(model: str, prompt: str, max_tokens: int) -> dict[str, Any] | None:
    """HTTP 200 answers of the shapes routers send (field cases 06 and 07), chosen by model name.

    ``router-error-body``: an error object and no choices; ``router-choice-error``: half an
    answer with ``finish_reason: "error"`` and an error in the choice; ``gemini-safety``: no
    content, ``finish_reason: "content_filter"``; ``reasoner``: spends ``max_tokens`` thinking
    (empty content, ``length``) unless it is at least 4000; ``r1``: a ``<think>`` block in the
    content; ``cut``: an answer cut off at ``max_tokens`` (text, ``length``); ``refusal``: no
    content and ``message.refusal`` (field case 26).
    """

    def completion(content: Any, finish: str, **extra: Any) -> dict[str, Any]:
        message = {"role": "assistant", "content": content, **extra.pop("message", {})}
        choice = {"index": 0, "message": message, "finish_reason": finish, **extra}
        usage = {"prompt_tokens": 12, "completion_tokens": max_tokens or 40}
        if model == "reasoner":
            usage["completion_tokens_details"] = {"reasoning_tokens": max_tokens}
        return {"id": "gen-1", "model": model, "choices": [choice], "usage": usage}

    if model == "router-error-body":
        return {"error": {"message": "Provider returned error", "code": 502}}
    if model == "router-choice-error":
        error = {"code": 502, "message": "upstream provider disconnected"}
        return completion(
            "Here is the first half of an answer that stops mid", "error", error=error
        )
    if model == "gemini-safety":
        return completion(None, "content_filter")
    if model == "reasoner":
        if max_tokens >= 4000:
            return completion(
                f"Final answer to: {prompt}", "stop", message={"reasoning_content": "Let me think."}
            )
        return completion("", "length", message={"reasoning_content": "Let me think... " * 20})
    if model == "r1":
        return completion(
            f"<think>\nThe user asks {prompt}\n</think>\n\nAnswer to {prompt}", "stop"
        )
    if model == "cut":
        return completion(f"A long answer to {prompt} that goes on and", "length")
    if model == "refusal":  # OpenAI's structured refusal: no content, a refusal, "stop"
        return completion(None, "stop", message={"refusal": "I'm sorry, I can't help with that."})
    return None


@pytest.fixture
def server():
    fake = FakeServer().start()
    yield fake
    fake.stop()


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return KEY


def write_prompts(folder: Path, texts: list[str], name: str = "prompts.jsonl") -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"prompt_id": f"p{i}", "prompt": text, "category": "test"}) + "\n")
    return path


def read_records(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    assert data.endswith(b"\n"), "the output must end with a complete line"
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]


def assert_complete(path: Path, models: list[str], ids: list[str]) -> list[dict[str, Any]]:
    """Exactly one parseable record per (model, prompt_id), and the corpus loads."""
    records = read_records(path)
    keys = Counter((r["model"], r["prompt_id"]) for r in records)
    assert max(keys.values()) == 1, f"duplicates: {[k for k, n in keys.items() if n > 1]}"
    assert set(keys) == {(m, i) for m in models for i in ids}
    corpus = load_corpus(path)
    assert len(corpus) == len(models) * len(ids)
    return records


# ------------------------------------------------------------ happy path
def test_collect_writes_corpus_records(server, key, tmp_path):
    prompts = write_prompts(tmp_path, ["What is 2+2?", "Name a colour.", "Who are you?"])
    out = tmp_path / "sub" / "outputs.jsonl"
    summary = collect(
        server.base,
        ["alpha", "thinker"],
        prompts,
        out,
        samples=2,
        temperature=0.7,
        max_tokens=64,
        system="Be brief.",
        **FAST,
    )
    assert isinstance(summary, CollectSummary)
    assert (summary.collected, summary.failed, summary.skipped) == (12, 0, 0)
    assert summary.failures_path is None and summary.to_dict()["collected"] == 12
    ids = ["p0", "p1", "p2", "p0#s1", "p1#s1", "p2#s1"]
    records = assert_complete(out, ["alpha", "thinker"], ids)
    rec = next(r for r in records if r["model"] == "thinker" and r["prompt_id"] == "p1#s1")
    assert rec["prompt"] == "Name a colour." and rec["base_prompt_id"] == "p1"
    assert rec["sample"] == 1 and rec["category"] == "test"
    assert rec["served_model"] == "thinker-served" and rec["finish_reason"] == "stop"
    assert rec["reasoning"] == "thinking about Name a colour."
    assert rec["output"].startswith("thinker on Name a colour.")
    assert (rec["usage_prompt_tokens"], rec["usage_completion_tokens"]) == (7, 5)
    assert (rec["temperature"], rec["max_tokens"], rec["system"]) == (0.7, 64, "Be brief.")
    assert rec["endpoint"] == server.base + "/chat/completions" and rec["attempts"] == 1
    start = datetime.fromisoformat(rec["requested_at"])
    assert start.tzinfo is not None and datetime.fromisoformat(rec["completed_at"]) >= start
    assert all(r["reasoning"] == "" for r in records if r["model"] == "alpha")
    # two samples of one prompt are two different outputs, both kept
    outs = {r["output"] for r in records if r["model"] == "alpha" and r["base_prompt_id"] == "p0"}
    assert len(outs) == 2
    # what the server received
    first = server.log[0]
    assert first["auth"] == f"Bearer {KEY}"
    assert first["body"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert first["body"]["temperature"] == 0.7 and first["body"]["max_tokens"] == 64


def test_line_separators_in_outputs_stay_loadable(server, tmp_path):
    prompts = write_prompts(tmp_path, ["one\u2028two", "three\x85four", "plain"])
    out = tmp_path / "outputs.jsonl"
    collect(server.base, ["m"], prompts, out, **FAST)
    assert_complete(out, ["m"], ["p0", "p1", "p2"])
    corpus = load_corpus(out)
    assert "\u2028" in corpus.outputs("m")["p0"] and "\x85" in corpus.outputs("m")["p1"]


def test_settings_left_to_the_server_are_not_sent(server, tmp_path):
    prompts = write_prompts(tmp_path, ["hi"])
    collect(
        server.base, ["m"], prompts, tmp_path / "o.jsonl", temperature=None, max_tokens=None, **FAST
    )
    body = server.log[0]["body"]
    assert "temperature" not in body and "max_tokens" not in body
    assert body["messages"] == [{"role": "user", "content": "hi"}]


# ------------------------------------------------------------ faults
def test_faults_are_retried_and_nothing_is_lost_or_duplicated(server, key, tmp_path):
    texts = ["p-429-500", "p-slow", "p-badjson-drop", "p-cut", "p-fine"]
    server.faults = {
        "p-429-500": ["429", "500"],
        "p-slow": ["slow"],
        "p-badjson-drop": ["badjson", "drop"],
        "p-cut": ["cut"],
    }
    server.retry_after = "0.05"
    prompts = write_prompts(tmp_path, texts)
    out = tmp_path / "outputs.jsonl"
    models = ["a", "b"]
    summary = collect(
        server.base, models, prompts, out, concurrency=3, timeout=0.4, max_tries=4, **FAST
    )
    assert (summary.collected, summary.failed, summary.skipped) == (10, 0, 0)
    assert summary.retries == 2 * (2 + 1 + 2 + 1)
    records = assert_complete(out, models, [f"p{i}" for i in range(5)])
    attempts = {(r["model"], r["prompt"]): r["attempts"] for r in records}
    for m in models:
        assert attempts[(m, "p-429-500")] == 3 and attempts[(m, "p-slow")] == 2
        assert attempts[(m, "p-badjson-drop")] == 3 and attempts[(m, "p-cut")] == 2
        assert attempts[(m, "p-fine")] == 1
    # every proper answer the server sent was written exactly once
    assert server.served == Counter({(m, t): 1 for m in models for t in texts})
    assert not (tmp_path / "outputs.jsonl.failures.jsonl").exists()


def test_retry_after_is_honoured_and_pauses_other_requests(server, tmp_path):
    server.retry_after = "0.5"
    server.delay = 0.05
    server.faults = {"limited": ["429"]}
    prompts = write_prompts(tmp_path, ["limited"] + [f"other {i}" for i in range(16)])
    out = tmp_path / "o.jsonl"
    summary = collect(server.base, ["m"], prompts, out, concurrency=3, **FAST)
    assert summary.collected == 17 and summary.retries == 1
    first, second = server.requests_for("m", "limited")
    assert second["received"] - first["answered"] >= 0.48
    # A 429 means the client is over its rate, so the other workers hold off too.
    # (Without that pause they would send about one request every 25 ms here; the
    # window leaves 150 ms for requests sent before the 429 arrived.)
    t = first["answered"]
    assert [r for r in server.log if t + 0.15 < r["received"] < t + 0.48] == []


def test_give_up_is_recorded_and_a_rerun_retries_it(server, tmp_path):
    server.always = {"broken": "500"}
    prompts = write_prompts(tmp_path, ["ok 1", "broken", "ok 2"])
    out = tmp_path / "outputs.jsonl"
    summary = collect(server.base, ["m"], prompts, out, max_tries=3, **FAST)
    assert (summary.collected, summary.failed, summary.skipped) == (2, 1, 0)
    assert summary.errors == {"HTTP 500: internal error": 1}
    assert len(server.requests_for("m", "broken")) == 3
    assert {r["prompt_id"] for r in read_records(out)} == {"p0", "p2"}
    failures = Path(summary.failures_path)
    assert failures == tmp_path / "outputs.jsonl.failures.jsonl"
    (row,) = read_records(failures)
    assert row["prompt_id"] == "p1" and row["attempts"] == 3 and row["status"] == 500
    assert "rerun the same command" in summary.to_text()

    server.always = {}
    again = collect(server.base, ["m"], prompts, out, max_tries=3, **FAST)
    assert (again.collected, again.failed, again.skipped) == (1, 0, 2)
    assert not failures.exists() and again.failures_path is None
    assert_complete(out, ["m"], ["p0", "p1", "p2"])


def test_client_errors_fail_at_once(server, tmp_path):
    server.always = {"bad": "400"}
    server.unknown_models = {"ghost"}
    prompts = write_prompts(tmp_path, ["bad", "good"])
    out = tmp_path / "o.jsonl"
    summary = collect(server.base, ["real", "ghost"], prompts, out, **FAST)
    assert (summary.collected, summary.failed) == (1, 3)
    assert len(server.log) == 4  # one try each: a 4xx does not change on retry
    assert summary.errors == {"HTTP 400: bad request": 1, "HTTP 404: model 'ghost' not found": 2}


def test_rejected_key_stops_the_run(server, tmp_path, monkeypatch):
    server.required_key = "the-right-key"
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    prompts = write_prompts(tmp_path, [f"q{i}" for i in range(20)])
    with pytest.raises(ProvenanceError, match=r"HTTP 401.*check the key in \$OPENAI_API_KEY") as e:
        collect(server.base, ["m"], prompts, tmp_path / "o.jsonl", **FAST)
    assert KEY not in str(e.value)
    assert len(server.log) < 20
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ProvenanceError, match=r"wants an API key; set \$OPENAI_API_KEY"):
        collect(server.base, ["m"], prompts, tmp_path / "o.jsonl", **FAST)


def test_unreachable_server_stops_the_run(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    prompts = write_prompts(tmp_path, ["a", "b"])
    with pytest.raises(ProvenanceError, match="cannot connect.*after 2 tries; check the URL"):
        collect(
            f"http://127.0.0.1:{port}/v1", ["m"], prompts, tmp_path / "o.jsonl", max_tries=2, **FAST
        )


# ------------------------------------------------------------ resume
def test_rerun_skips_what_is_collected_and_never_rewrites(server, tmp_path):
    prompts = write_prompts(tmp_path, ["a", "b", "c"])
    out = tmp_path / "o.jsonl"
    collect(server.base, ["m1", "m2"], prompts, out, temperature=0.5, **FAST)
    before = out.read_bytes()
    n = len(server.log)
    again = collect(server.base, ["m1", "m2"], prompts, out, temperature=0.5, **FAST)
    assert (again.collected, again.failed, again.skipped) == (0, 0, 6)
    assert len(server.log) == n and out.read_bytes() == before
    # more samples later: only the new ones are asked for, the old bytes stay as they were
    more = collect(server.base, ["m1", "m2"], prompts, out, temperature=0.5, samples=2, **FAST)
    assert (more.collected, more.skipped) == (6, 6) and len(server.log) == n + 6
    assert out.read_bytes().startswith(before)
    assert_complete(out, ["m1", "m2"], ["p0", "p1", "p2", "p0#s1", "p1#s1", "p2#s1"])


def test_rerun_with_other_settings_or_prompts_is_refused(server, tmp_path):
    prompts = write_prompts(tmp_path, ["a", "b"])
    out = tmp_path / "o.jsonl"
    collect(server.base, ["m"], prompts, out, **FAST)
    with pytest.raises(ProvenanceError, match=r"o.jsonl:1: collected with temperature=0.0 .* 0.9"):
        collect(server.base, ["m"], prompts, out, temperature=0.9, **FAST)
    with pytest.raises(ProvenanceError, match="system"):
        collect(server.base, ["m"], prompts, out, system="Be terse.", **FAST)
    changed = write_prompts(tmp_path, ["a", "B changed"], name="changed.jsonl")
    with pytest.raises(ProvenanceError, match=r"o.jsonl:\d: prompt_id 'p1' holds a different"):
        collect(server.base, ["m"], changed, out, **FAST)


def test_torn_last_line_is_cut_off_and_collected_again(server, tmp_path):
    prompts = write_prompts(tmp_path, ["a", "b", "c"])
    out = tmp_path / "o.jsonl"
    collect(server.base, ["m"], prompts, out, **FAST)
    lines = out.read_bytes().splitlines(keepends=True)
    torn = lines[-1][: len(lines[-1]) // 2]
    out.write_bytes(b"".join(lines[:-1]) + torn)  # as if killed in the middle of a write
    summary = collect(server.base, ["m"], prompts, out, **FAST)
    assert summary.torn_removed and (summary.collected, summary.skipped) == (1, 2)
    assert "torn last line" in summary.to_text()
    assert (tmp_path / "o.jsonl.torn").read_bytes() == torn + b"\n"
    assert_complete(out, ["m"], ["p0", "p1", "p2"])
    # a complete last record that only lacks its newline is kept
    out.write_bytes(out.read_bytes().rstrip(b"\n"))
    kept = collect(server.base, ["m"], prompts, out, **FAST)
    assert not kept.torn_removed and (kept.collected, kept.skipped) == (0, 3)
    assert_complete(out, ["m"], ["p0", "p1", "p2"])


def test_malformed_line_inside_the_output_is_an_error(server, tmp_path):
    prompts = write_prompts(tmp_path, ["a"])
    out = tmp_path / "o.jsonl"
    collect(server.base, ["m"], prompts, out, **FAST)
    n = len(server.log)
    out.write_bytes(out.read_bytes() + b"{oops\n")
    before = out.read_bytes()
    with pytest.raises(ProvenanceError, match=r"o.jsonl:2: malformed JSON line"):
        collect(server.base, ["m"], prompts, out, **FAST)
    assert len(server.log) == n and out.read_bytes() == before


def test_two_collectors_cannot_write_one_file(server, tmp_path):
    prompts = write_prompts(tmp_path, ["a"])
    out = tmp_path / "o.jsonl"
    holder = _AppendFile(out, lock=True)
    try:
        with pytest.raises(ProvenanceError, match="another collector is writing"):
            collect(server.base, ["m"], prompts, out, **FAST)
    finally:
        holder.close()


def _line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def _start_cli(server: FakeServer, prompts: Path, out: Path, models: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "detector.cli", "collect", "--endpoint", server.base]
    cmd += ["--models", models, "--prompts", str(prompts), "--out", str(out)]
    cmd += ["--concurrency", "3"]
    env = {**os.environ, "OPENAI_API_KEY": KEY, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a test run started in the background (`make test &`) inherits SIGINT ignored, and
        # Python then never raises KeyboardInterrupt: give the collector the default, as a
        # terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for_lines(proc: subprocess.Popen, out: Path, n: int) -> None:
    deadline = time.monotonic() + 15
    while _line_count(out) < n:
        assert proc.poll() is None, f"collector ended early: {proc.communicate()}"
        assert time.monotonic() < deadline, "collector made no progress"
        time.sleep(0.01)


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_interrupted_and_killed_collector_resumes_without_loss_or_duplicates(server, tmp_path):
    server.delay = 0.1
    models = ["m1", "m2", "m3"]
    prompts = write_prompts(tmp_path, [f"question {i}" for i in range(12)])
    out = tmp_path / "outputs.jsonl"

    proc = _start_cli(server, prompts, out, ",".join(models))  # Ctrl-C
    _wait_for_lines(proc, out, 3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, (proc.returncode, _line_count(out), err[-400:])
    assert "interrupted" in err and "Traceback" not in err
    assert KEY not in err
    after_int = read_records(out)

    proc = _start_cli(server, prompts, out, ",".join(models))  # kill -9
    _wait_for_lines(proc, out, len(after_int) + 3)
    proc.kill()
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL and KEY not in err
    killed = read_records(out)  # every line complete and parseable
    assert len(killed) < 36, "the kill should land mid-run"
    assert len({(r["model"], r["prompt_id"]) for r in killed}) == len(killed)

    server.delay = 0.0
    summary = collect(server.base, models, prompts, out, **FAST)
    assert summary.skipped == len(killed) and summary.collected == 36 - len(killed)
    records = assert_complete(out, models, [f"p{i}" for i in range(12)])
    assert records[: len(killed)] == killed
    assert KEY not in out.read_text()


# ------------------------------------------------------------ the key
def test_key_never_appears_in_output_logs_or_terminal(server, key, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    server.always = {"echo": "echo"}
    server.faults = {"flaky": ["500"]}
    prompts = write_prompts(tmp_path, ["echo", "flaky", "fine"])
    out = tmp_path / "o.jsonl"
    code = main(
        ["collect", "--endpoint", server.base, "--models", "m", "--prompts", str(prompts)]
        + ["--out", str(out), "--format", "json"]
    )
    captured = capsys.readouterr()
    assert code == 1  # one request failed
    summary = json.loads(captured.out)
    assert summary["collected"] == 2 and summary["failed"] == 1
    assert server.requests_for("m", "echo")[0]["auth"] == f"Bearer {KEY}"
    failures = tmp_path / "o.jsonl.failures.jsonl"
    assert "Bearer ***" in failures.read_text()
    for text in (
        out.read_text(),
        failures.read_text(),
        captured.out,
        captured.err,
        caplog.text,
        "\n".join(r.getMessage() for r in caplog.records),
    ):
        assert KEY not in text


# ------------------------------------------------------------ CLI and bad input
def test_cli_collect_prints_a_summary(server, tmp_path, capsys):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("First prompt\n\nSecond prompt\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    argv = ["collect", "--endpoint", server.base, "--models", "a,b", "--prompts", str(prompts)]
    argv += ["--out", str(out), "--no-progress", "--temperature", "none"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("collected 4, failed 0, skipped 0")
    ids = [prompt_id("First prompt"), prompt_id("Second prompt")]
    assert_complete(out, ["a", "b"], ids)
    assert main(argv) == 0 and "collected 0, failed 0, skipped 4" in capsys.readouterr().out


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing", "nope.jsonl: no such prompts file"),
        ("empty", "empty.txt: no prompts"),
        ("malformed", "bad.jsonl:2: malformed JSON line"),
        ("no_prompt_text", "noprompt.jsonl:1: no 'prompt' text"),
        ("no_key", "set the environment variable OPENAI_API_KEY"),
        ("no_key_custom", "set the environment variable MY_PROVIDER_KEY"),
        ("bad_scheme", "not an http(s) URL"),
        ("not_url", "not an http(s) URL"),
        ("bad_port", "not a valid URL"),
        ("out_not_jsonl", "give a .jsonl file"),
        ("samples", "--samples must be an integer of at least 1"),
        ("no_models", "no models given"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(case, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("MY_PROVIDER_KEY", raising=False)
    good = write_prompts(tmp_path, ["a"])
    endpoint, prompts, out, extra = "http://127.0.0.1:9/v1", good, tmp_path / "o.jsonl", []
    models = "m"
    if case == "missing":
        prompts = tmp_path / "nope.jsonl"
    elif case == "empty":
        prompts = tmp_path / "empty.txt"
        prompts.write_text("\n  \n")
    elif case == "malformed":
        prompts = tmp_path / "bad.jsonl"
        prompts.write_text('{"prompt": "ok"}\n{"prompt": "broken\n')
    elif case == "no_prompt_text":
        prompts = tmp_path / "noprompt.jsonl"
        prompts.write_text('{"prompt_id": "x", "text": "hello"}\n')
    elif case == "no_key":
        endpoint = "https://api.example.invalid/v1"
    elif case == "no_key_custom":
        endpoint = "https://api.example.invalid/v1"
        extra = ["--api-key-env", "MY_PROVIDER_KEY"]
    elif case == "bad_scheme":
        endpoint = "ftp://example.com/v1"
    elif case == "not_url":
        endpoint = "localhost:8000"
    elif case == "bad_port":
        endpoint = "http://127.0.0.1:99999/v1"
    elif case == "out_not_jsonl":
        out = tmp_path / "o.csv"
    elif case == "samples":
        extra = ["--samples", "0"]
    elif case == "no_models":
        models = " , "
    argv = ["collect", "--endpoint", endpoint, "--models", models, "--prompts", str(prompts)]
    code = main(argv + ["--out", str(out), "--no-progress"] + extra)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.startswith("provenance: error: ") and expected in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not out.exists()


def test_collect_works_inside_a_running_event_loop(server, tmp_path):
    prompts = write_prompts(tmp_path, ["a", "b"])

    async def notebook_cell() -> CollectSummary:  # as in Jupyter, where a loop is running
        return collect(server.base, ["m"], prompts, tmp_path / "o.jsonl", **FAST)

    assert asyncio.run(notebook_cell()).collected == 2


@pytest.mark.parametrize(
    "host, local",
    [("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("[::1]", True)]
    + [("0.0.0.0", True), ("10.0.0.5", False), ("api.openai.com", False)],
)
def test_which_hosts_count_as_loopback(host, local):
    assert _is_loopback(host) is local


def test_loopback_needs_no_key(server, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    prompts = write_prompts(tmp_path, ["a"])
    summary = collect(
        server.base.replace("127.0.0.1", "localhost"), ["m"], prompts, tmp_path / "o.jsonl", **FAST
    )
    assert summary.collected == 1 and server.log[0]["auth"] is None


# ------------------------------------------------------------ helpers
@pytest.mark.parametrize(
    "endpoint, url",
    [
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1/chat/completions"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1/chat/completions"),
        ("https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1/chat/completions"),
        ("http://localhost:11434", "http://localhost:11434/v1/chat/completions"),
        ("http://h:1/v1/chat/completions", "http://h:1/v1/chat/completions"),
        ("http://h/x?api-version=2", "http://h/x/chat/completions?api-version=2"),
    ],
)
def test_chat_url(endpoint, url):
    assert chat_url(endpoint) == url


def test_parse_retry_after():
    assert parse_retry_after({"Retry-After": "2"}) == 2.0
    assert parse_retry_after({"Retry-After": "0.25"}) == 0.25
    assert parse_retry_after({"retry-after-ms": "1500", "Retry-After": "9"}) == 1.5
    assert parse_retry_after({"Retry-After": "soon"}) is None
    assert parse_retry_after({}) is None
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    assert 25 < parse_retry_after({"Retry-After": when}) <= 30
    past = format_datetime(datetime.now(timezone.utc) - timedelta(seconds=30), usegmt=True)
    assert parse_retry_after({"Retry-After": past}) == 0.0


def test_load_prompts_formats(tmp_path):
    text = tmp_path / "p.txt"
    text.write_text("Hello there\r\n\nHello there\nSecond  one\n", encoding="utf-8")
    got = load_prompts(text)
    assert [p.prompt for p in got] == ["Hello there", "Second  one"]
    assert got[1].prompt_id == prompt_id("Second one")
    lines = tmp_path / "p.jsonl"
    lines.write_text('{"prompt": "x"}\n\n{"prompt_id": 7, "prompt": "y", "category": "c"}\n')
    assert load_prompts(lines) == [Prompt(prompt_id("x"), "x"), Prompt("7", "y", "c")]
    as_json = tmp_path / "p.json"
    as_json.write_text(json.dumps([{"prompt_id": "a", "prompt": "x"}, "plain"]))
    assert [p.prompt_id for p in load_prompts(as_json)] == ["a", prompt_id("plain")]
    clash = tmp_path / "clash.jsonl"
    clash.write_text('{"prompt_id": "a", "prompt": "x"}\n{"prompt_id": "a", "prompt": "z"}\n')
    with pytest.raises(ProvenanceError, match=r"clash.jsonl:2: prompt_id 'a' is used for two"):
        load_prompts(clash)


def test_prompt_ids_that_clash_with_sample_ids_are_refused(server, tmp_path):
    prompts = [Prompt("a", "first"), Prompt("a#s1", "second")]
    with pytest.raises(ProvenanceError, match="names both a prompt and a sample"):
        collect(server.base, ["m"], prompts, tmp_path / "o.jsonl", samples=2, **FAST)


# ------------------------------------------------------------ bundled prompt set
def test_bundled_prompt_set():
    folder = REPO / "data" / "prompts"
    prompts = load_prompts(folder / "prompts.jsonl")
    assert 250 <= len(prompts) <= 400
    assert len({normalize_prompt(p.prompt).lower() for p in prompts}) == len(prompts)
    counts = Counter(p.category for p in prompts)
    assert set(counts) == {
        "explanation",
        "advice",
        "coding",
        "creative",
        "reasoning",
        "summarizing",
        "opinion",
        "self-description",
    }
    assert min(counts.values()) >= 20
    assert "Who are you and who made you?" in {p.prompt for p in prompts}
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert f"{len(prompts)} prompts" in card
    for category, n in counts.items():
        assert f"| {category} | {n} |" in card


@pytest.mark.parametrize(
    "content, needle",
    [
        (
            b'{"prompt": "p", "model": "m", "output": "o"}\n{"prompt": "p2\n',
            ":2: malformed JSON line",
        ),
        (b'{"prompt": "p", "model": "m", "output": "o"}\n\xff\xfe\n', ":2: undecodable bytes"),
    ],
)
def test_prompts_and_corpus_files_read_alike(tmp_path, content, needle):
    """A prompts file and a corpus file with the same bad line get the same error line."""
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    with pytest.raises(ProvenanceError) as from_prompts:
        load_prompts(path)
    with pytest.raises(ProvenanceError) as from_corpus:
        load_corpus(path)
    assert str(from_prompts.value) == str(from_corpus.value)
    assert needle in str(from_prompts.value)
