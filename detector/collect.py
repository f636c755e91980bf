"""Collect model outputs from OpenAI-compatible chat-completions servers.

:func:`collect` sends every (model, prompt, sample) of a plan to an
OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, OpenRouter, vLLM,
llama.cpp server, Ollama, ...) and appends one JSON record per complete
answer to a JSONL file that :func:`~detector.corpus.load_corpus` reads.

Records
-------
One line per (model, prompt, sample), with the corpus columns ``model`` (the
name requested), ``prompt_id``, ``prompt``, ``output`` (the answer: the
message content without any ``<think>`` trace) and ``reasoning`` (the trace:
a ``reasoning_content`` / ``reasoning`` field of the message and any
``<think>`` block of its content, split by
:func:`detector.reasoning.split_reasoning`; ``""`` when there is none), and
metadata: ``sample``, ``base_prompt_id``, ``category``, ``served_model``
(the name the server reports), ``finish_reason``, ``usage_prompt_tokens``,
``usage_completion_tokens``, ``usage_reasoning_tokens``, ``temperature``,
``max_tokens``, ``system``, ``endpoint`` (without credentials or query),
``response_id``, ``attempts``, ``requested_at`` and ``completed_at`` (ISO
8601, UTC) and ``latency_s``. The API key is never written, printed or
logged.

Only complete answers are records
---------------------------------
A response is saved only when it holds an answer. Everything else is a
failure with its reason, listed in ``<out>.failures.jsonl`` and asked for
again by the next run (:data:`FAILURE_KINDS`):

- ``provider_error``: an HTTP 200 response carrying an ``error`` object
  instead of choices, or a choice with ``finish_reason: "error"`` or an
  ``error`` object (a stream that died mid-answer: the partial text is not
  kept); retried like a 5xx;
- ``content_filter``: ``finish_reason`` ``content_filter`` (or Gemini's
  ``safety``, ``recitation``, ...): the provider refused; a larger
  ``max_tokens`` does not help;
- ``length``: ``finish_reason: "length"`` with no answer (a reasoning model
  spent ``max_tokens`` thinking); rerun with a larger ``max_tokens``;
- ``refusal``: no answer text but a structured refusal (OpenAI's
  ``message.refusal``): the model's own answer, which a rerun usually
  repeats;
- ``empty``: any other response without answer text.

An answer cut off by ``max_tokens`` (``finish_reason: "length"`` with text)
is kept: it is the model's text, and ``finish_reason`` says it was cut; the
summary counts them apart from the failures.

The API key is masked (``***``) in every message when it is at least
:data:`MIN_SECRET_CHARS` characters long; a shorter value is a placeholder for
a server that needs no key, and masking it would garble the messages.

Samples
-------
Sample 0 of a prompt keeps the prompt's id and sample ``k >= 1`` gets
``<prompt_id>#s<k>`` (``base_prompt_id`` and ``sample`` keep the parts);
:func:`~detector.corpus.load_corpus` groups them back under the prompt. A
corpus collected with one sample therefore aligns with corpora from
elsewhere, and raising ``samples`` later only adds the new ones.

Resuming, and collecting again with a larger budget
----------------------------------------------------
Each complete record is appended with one ``write`` and an ``fsync``, so an
interrupted run (Ctrl-C, ``kill -9``, power loss) loses at most the requests
in flight. Rerunning the same command skips every (model, prompt_id) already
in the file and asks again for everything that failed. Rerunning with a
larger ``max_tokens`` into the same file is allowed (``temperature`` and
``system`` must stay the same): the records already there are kept and only
the missing ones, such as answers that ran out of tokens, are collected with
the new budget; each record keeps the ``max_tokens`` it was collected with.

A file that is not a ``collect`` output is never changed
(:mod:`detector.collect_file`); a torn last line (a write cut short) is moved
to ``<out>.torn`` and cut off, the only change ever made to existing bytes. A
run that stops before writing anything (HTTP 401, say) leaves no file behind.
A lock on the output file stops two collectors from writing to it at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import math
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .collect_file import AppendFile, read_failures, repair_tail, rewrite_failures, scan_output
from .corpus import normalize_prompt
from .endpoint import _api_key, _is_loopback, _public_url, chat_url, parse_retry_after
from .errors import ProvenanceError
from .params import check_int
from .progress import enabled as progress_enabled
from .prompts import Prompt, as_prompts, load_prompts
from .reasoning import split_reasoning
from .results import Result

__all__ = ["FAILURE_KINDS", "CollectSummary", "Prompt", "chat_url", "collect", "load_prompts"]

_AppendFile = AppendFile  # the name the tests and older code use

log = logging.getLogger(__name__)

SAMPLE_SEP = "#s"
"""Separator between a prompt id and the sample number (``<id>#s<k>``, k >= 1)."""

RETRY_STATUS = frozenset({408, 425, 429})
"""HTTP statuses retried besides every 5xx."""

FATAL_STATUS = frozenset({401, 402})
"""HTTP statuses that stop the whole run (bad key, no credit): every request would fail."""

FILTER_REASONS = frozenset(
    {"content_filter", "safety", "recitation", "blocklist", "prohibited_content", "spii", "refusal"}
)
"""``finish_reason`` values that mean the provider refused to answer."""

MIN_SECRET_CHARS = 8
"""A key shorter than this is a placeholder, not a secret: it is not masked in messages."""

FAILURE_KINDS = {
    "provider_error": "provider errors are usually transient: rerun the same command to retry them",
    "content_filter": (
        "the provider refused these prompts; a larger `max_tokens` will not help: retry later, "
        "use another provider, or leave those prompts out"
    ),
    "length": (
        "the model spent `max_tokens` before answering (reasoning models think first): rerun "
        "with a larger `max_tokens` into the same `out`; what is collected is kept"
    ),
    "refusal": (
        "the model declined to answer (its message carries a refusal): that is its answer to "
        "these prompts, and a rerun usually gets the same; rephrase or leave out those prompts, "
        "or leave the model out"
    ),
    "empty": "the server sent no answer text: rerun the same command to ask again",
    "http": "rerun the same command to retry them once the cause is fixed",
    "network": "rerun the same command to retry them",
}
"""Kind of failure -> the advice the summary gives for it."""


@dataclass
class CollectSummary(Result):
    """What a :func:`collect` run did.

    Attributes
    ----------
    out : str
        The output JSONL file.
    collected : int
        Records written by this run.
    failed : int
        Requests that gave up (not written; a rerun retries them).
    skipped : int
        Planned records already in the output file.
    truncated : int
        Collected answers cut off by ``max_tokens`` (``finish_reason``
        ``length``; kept).
    requests : int
        HTTP requests sent, retries included.
    retries : int
        Requests beyond the first try of each record.
    elapsed_s : float
        Wall-clock seconds of the run.
    failures_path : str or None
        The failures sidecar, when failures remain.
    torn_removed : bool
        Whether a torn last line was cut off the output file (saved to
        ``<out>.torn``).
    errors : dict
        Failure reason -> number of requests that gave up with it.
    kinds : dict
        Failure kind (a key of :data:`FAILURE_KINDS`) -> number of requests.
    """

    out: str
    collected: int = 0
    failed: int = 0
    skipped: int = 0
    truncated: int = 0
    requests: int = 0
    retries: int = 0
    elapsed_s: float = 0.0
    failures_path: str | None = None
    torn_removed: bool = False
    errors: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)

    def to_text(self) -> str:
        lines = [
            f"collected {self.collected}, failed {self.failed}, skipped {self.skipped} "
            f"(already in {self.out}) in {self.elapsed_s:.1f} s; {self.requests} requests "
            f"({self.retries} retries)"
        ]
        if self.torn_removed:
            lines.append(f"a torn last line was cut off {self.out} (saved to {self.out}.torn)")
        if self.truncated:
            lines.append(
                f"{self.truncated} answer(s) were cut off at `max_tokens`: saved as answers, "
                "marked finish_reason 'length'; a rerun does not ask for them again (collect "
                "them whole with a larger `max_tokens` into another `out`)"
            )
        if self.failed:
            for reason, n in sorted(self.errors.items(), key=lambda kv: -kv[1])[:5]:
                lines.append(f"  {n} x {reason}")
            for kind in sorted(self.kinds, key=lambda k: -self.kinds[k]):
                lines.append(f"{self.kinds[kind]} {kind.replace('_', ' ')}: {FAILURE_KINDS[kind]}")
            kept = (
                "apart from the cut-off answers above, nothing incomplete"
                if self.truncated
                else "nothing incomplete"
            )
            lines.append(
                f"failures are listed in {self.failures_path}; {kept} was saved as an answer, "
                "and a rerun asks for the failures again"
            )
        return "\n".join(lines)


# ----------------------------------------------------------------- requests
class _Failure(Exception):
    """A response that is not a complete answer; ``kind`` is a key of :data:`FAILURE_KINDS`."""

    def __init__(self, message: str, kind: str = "http") -> None:
        super().__init__(message)
        self.kind = kind


class _Retryable(_Failure):
    """A response that is worth asking for again (the message says why)."""


class _Permanent(_Failure):
    """A response that will not change on retry within this run (HTTP 400, 404, a refusal)."""


class _Fatal(Exception):
    """A response that means every request would fail: stop the run."""


@dataclass
class _Job:
    model: str
    prompt: Prompt
    sample: int
    prompt_id: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _content_text(value: Any) -> str:
    """Message content as text (a string, or a list of text parts)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = []
        for part in value:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "".join(parts)
    return str(value)


def _error_text(response: httpx.Response) -> str:
    """Short reason from an error response: the JSON error message or the body start."""
    with contextlib.suppress(ValueError):
        data = response.json()
        err = data.get("error") if isinstance(data, dict) else None
        msg = err.get("message") if isinstance(err, dict) else err
        if isinstance(msg, str) and msg.strip():
            return " ".join(msg.split())[:200]
    return " ".join(response.text.split())[:200]


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _one_line(value: Any, n: int = 200) -> str:
    if isinstance(value, dict):
        code = value.get("code")
        value = value.get("message") or value
        value = f"{value} (code {code})" if code is not None else value
    return " ".join(str(value).split())[:n]


def _parse_completion(data: Any) -> dict[str, Any]:
    """The answer and metadata of a chat completion, or the failure it is.

    Raises
    ------
    _Retryable, _Permanent
        For anything but a complete answer (see the module docstring).
    """
    if not isinstance(data, dict):
        raise _Retryable("unexpected response: not a JSON object", "provider_error")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        err = data.get("error")
        if err:
            raise _Retryable(f"error in an HTTP 200 response: {_one_line(err)}", "provider_error")
        raise _Retryable("unexpected response: no choices", "provider_error")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise _Retryable("unexpected response: no message in the choice", "provider_error")
    finish = choice.get("finish_reason")
    finish_text = str(finish).lower() if finish is not None else ""
    if choice.get("error") or finish_text == "error":
        detail = f": {_one_line(choice['error'])}" if choice.get("error") else ""
        raise _Retryable(
            f"the provider failed mid-answer (finish_reason {finish!r}{detail}); the partial "
            "answer was not saved",
            "provider_error",
        )
    if finish_text in FILTER_REASONS:
        raise _Permanent(
            f"blocked by the provider's content filter (finish_reason {finish!r})",
            "content_filter",
        )
    usage = data.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    details = usage.get("completion_tokens_details")
    details = details if isinstance(details, dict) else {}
    answer, trace = split_reasoning(_content_text(message.get("content")))
    given = _content_text(message.get("reasoning_content")) or _content_text(
        message.get("reasoning")
    )
    reasoning = "\n\n".join(t for t in (given.strip(), trace) if t)
    refusal = _content_text(message.get("refusal"))
    if not answer.strip() and refusal.strip():
        raise _Permanent(f"the model refused: {_one_line(refusal)}", "refusal")
    if not answer.strip():
        if finish_text == "length":
            spent = _int_or_none(details.get("reasoning_tokens"))
            thought = f"; {spent} reasoning tokens" if spent else ""
            raise _Permanent(
                f"max_tokens ran out before any answer (finish_reason 'length'{thought})",
                "length",
            )
        raise _Permanent(f"no answer text (finish_reason {finish!r})", "empty")
    served = data.get("model")
    return {
        "output": answer,
        "reasoning": reasoning,
        "served_model": served if isinstance(served, str) else None,
        "finish_reason": finish,
        "usage_prompt_tokens": _int_or_none(usage.get("prompt_tokens")),
        "usage_completion_tokens": _int_or_none(usage.get("completion_tokens")),
        "usage_reasoning_tokens": _int_or_none(details.get("reasoning_tokens")),
        "response_id": data.get("id") if isinstance(data.get("id"), str) else None,
    }


class _Collector:
    """State of one run: the HTTP client settings, output files, counters."""

    def __init__(
        self,
        *,
        url: str,
        key: str | None,
        api_key_env: str,
        params: dict[str, Any],
        sink: AppendFile,
        failures_path: Path,
        summary: CollectSummary,
        concurrency: int,
        timeout: float,
        max_tries: int,
        backoff_base: float,
        backoff_max: float,
        max_retry_after: float,
    ) -> None:
        self.url = url
        self.public_url = _public_url(url)
        self.key = key
        self.api_key_env = api_key_env
        self.params = params
        self.sink = sink
        self.failures_path = failures_path
        self.failure_sink: AppendFile | None = None
        self.failures: list[dict[str, Any]] = []
        self.summary = summary
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_tries = max_tries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.rng = random.Random()
        self.gate = 0.0  # loop time before which no request starts (after a 429)
        self.any_success = False
        self.bar: Any = None

    def redact(self, text: str) -> str:
        """``text`` with the API key masked, when the key is long enough to be a secret.

        A dummy key (``x``, ``none``: any value a local server accepts) is not
        masked: masking it would garble every message holding those letters
        (field case 26: "no answer te***t").
        """
        if not self.key or len(self.key) < MIN_SECRET_CHARS:
            return text
        return text.replace(self.key, "***")

    def body(self, job: _Job) -> dict[str, Any]:
        messages = []
        if self.params["system"] is not None:
            messages.append({"role": "system", "content": self.params["system"]})
        messages.append({"role": "user", "content": job.prompt.prompt})
        body: dict[str, Any] = {"model": job.model, "messages": messages}
        if self.params["temperature"] is not None:
            body["temperature"] = self.params["temperature"]
        if self.params["max_tokens"] is not None:
            body["max_tokens"] = self.params["max_tokens"]
        return body

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with equal jitter; at least ``Retry-After`` (capped)."""
        cap = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        delay = self.rng.uniform(cap / 2, cap)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_retry_after))
        return delay

    async def run(self, jobs: list[_Job]) -> None:
        headers = {"User-Agent": "provenance-collect"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        limits = httpx.Limits(
            max_connections=self.concurrency, max_keepalive_connections=self.concurrency
        )
        loopback = _is_loopback(urlsplit(self.url).hostname or "")
        queue = iter(jobs)
        async with httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(self.timeout),
            limits=limits,
            trust_env=not loopback,  # a loopback server is never reached through a proxy
        ) as client:

            async def worker() -> None:
                for job in queue:
                    await self.one(client, job)

            tasks = [asyncio.create_task(worker()) for _ in range(min(self.concurrency, len(jobs)))]
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    task.result()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def one(self, client: httpx.AsyncClient, job: _Job) -> None:
        loop = asyncio.get_running_loop()
        body = self.body(job)
        error, kind, connect_error = "", "network", False
        for attempt in range(1, self.max_tries + 1):
            while (wait := self.gate - loop.time()) > 0:
                await asyncio.sleep(wait)
            requested_at, start = _now(), time.monotonic()
            retry_after: float | None = None
            status = 0
            self.summary.requests += 1
            self.summary.retries += int(attempt > 1)
            try:
                response = await asyncio.wait_for(client.post(self.url, json=body), self.timeout)
            except (asyncio.TimeoutError, httpx.TimeoutException):
                error, kind = f"timed out after {self.timeout:g} s", "network"
                connect_error = False
            except httpx.ConnectError as exc:
                error, kind = f"cannot connect ({exc or type(exc).__name__})", "network"
                connect_error = True
            except httpx.TransportError as exc:
                error, kind = f"connection failed ({type(exc).__name__}: {exc})", "network"
                connect_error = False
            else:
                connect_error = False
                status = response.status_code
                try:
                    parsed = self.check(response)
                except _Retryable as exc:
                    error, kind = str(exc), exc.kind
                    retry_after = parse_retry_after(response.headers)
                except _Permanent as exc:
                    self.fail(job, str(exc), status, attempt, exc.kind)
                    return
                else:
                    self.succeed(job, parsed, requested_at, start, attempt)
                    return
            if attempt == self.max_tries:
                break
            delay = self.backoff(attempt, retry_after)
            if status == 429:  # the whole client is over its rate: everyone waits
                self.gate = max(self.gate, loop.time() + delay)
            log.info(
                "%s %s: %s; try %d of %d in %.2f s",
                job.model,
                job.prompt_id,
                self.redact(error),
                attempt + 1,
                self.max_tries,
                delay,
            )
            await asyncio.sleep(delay)
        if connect_error and not self.any_success:
            raise _Fatal(
                f"{self.public_url}: {self.redact(error)} after {self.max_tries} tries; check "
                "the URL and that the server is running"
            )
        error = f"gave up after {self.max_tries} tries: {error}"
        self.fail(job, error, status, self.max_tries, kind)

    def check(self, response: httpx.Response) -> dict[str, Any]:
        """Parsed completion of a response, or the exception that says what to do."""
        status = response.status_code
        if 200 <= status < 300:
            try:
                data = response.json()
            except ValueError:
                raise _Retryable(
                    f"malformed JSON response (HTTP {status})", "provider_error"
                ) from None
            return _parse_completion(data)
        reason = f"HTTP {status}: {_error_text(response)}"
        if status in FATAL_STATUS:
            what = (
                f"check the key in ${self.api_key_env}"
                if self.key
                else f"the server wants an API key; set ${self.api_key_env}"
            )
            raise _Fatal(f"{self.public_url}: {self.redact(reason)}; {what}")
        if status in RETRY_STATUS or status >= 500:
            raise _Retryable(reason)
        raise _Permanent(reason)

    def succeed(
        self, job: _Job, parsed: dict[str, Any], requested_at: str, start: float, attempt: int
    ) -> None:
        record = {
            "model": job.model,
            "prompt_id": job.prompt_id,
            "prompt": job.prompt.prompt,
            "output": parsed.pop("output"),
            "sample": job.sample,
            "base_prompt_id": job.prompt.prompt_id,
            "category": job.prompt.category,
            **{k: parsed[k] for k in ("served_model", "finish_reason", "reasoning")},
            **{k: parsed[k] for k in parsed if k.startswith("usage_")},
            **self.params,
            "endpoint": self.public_url,
            "response_id": parsed["response_id"],
            "attempts": attempt,
            "requested_at": requested_at,
            "completed_at": _now(),
            "latency_s": round(time.monotonic() - start, 3),
        }
        self.sink.append(record)
        self.any_success = True
        self.summary.collected += 1
        self.summary.truncated += int(record["finish_reason"] == "length")
        if self.bar is not None:
            self.bar.update(1)

    def fail(self, job: _Job, error: str, status: int, attempts: int, kind: str) -> None:
        error = self.redact(error)
        row = {
            "model": job.model,
            "prompt_id": job.prompt_id,
            "base_prompt_id": job.prompt.prompt_id,
            "sample": job.sample,
            "error": error,
            "kind": kind,
            "status": status or None,
            "attempts": attempts,
            "endpoint": self.public_url,
            "failed_at": _now(),
        }
        if self.failure_sink is None:
            self.failure_sink = AppendFile(self.failures_path)
        self.failure_sink.append(row)
        self.failures.append(row)
        log.info("%s %s: %s", job.model, job.prompt_id, error)
        self.summary.failed += 1
        reason = error.split(": ", 1)[1] if error.startswith("gave up after") else error
        self.summary.errors[reason] = self.summary.errors.get(reason, 0) + 1
        self.summary.kinds[kind] = self.summary.kinds.get(kind, 0) + 1
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(failed=self.summary.failed, refresh=False)


def _run_coroutine(factory: Any) -> None:
    """Run a coroutine to completion, also from inside a running event loop (Jupyter).

    Inside a running loop the coroutine runs on its own loop in a helper
    thread; an interrupt of the caller cancels it there before re-raising.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(factory())
        return
    started: dict[str, Any] = {}

    async def main() -> None:
        started["loop"], started["task"] = asyncio.get_running_loop(), asyncio.current_task()
        await factory()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(asyncio.run, main())
        try:
            future.result()
        except KeyboardInterrupt:
            if "task" in started:
                started["loop"].call_soon_threadsafe(started["task"].cancel)
            with contextlib.suppress(BaseException):
                future.result()
            raise


def _model_names(models: Sequence[str] | str) -> list[str]:
    """The model names, stripped and deduplicated (a comma-separated string works)."""
    names = models.split(",") if isinstance(models, str) else list(models)
    names = list(dict.fromkeys(str(n).strip() for n in names if str(n).strip()))
    if not names:
        raise ProvenanceError("no models given; name them with `models`")
    return names


def _check_settings(
    concurrency: int,
    samples: int,
    max_tries: int,
    timeout: float,
    temperature: float | None,
    max_tokens: int | None,
) -> None:
    """Refuse a setting out of range (one line naming the parameter)."""
    _check_number("concurrency", concurrency, 1)
    _check_number("samples", samples, 1)
    _check_number("max_tries", max_tries, 1)
    if not (isinstance(timeout, (int, float)) and 0 < timeout < math.inf):
        raise ProvenanceError(f"`timeout` must be a positive number of seconds, got {timeout!r}")
    if temperature is not None and not (
        isinstance(temperature, (int, float)) and 0 <= temperature <= 2
    ):
        raise ProvenanceError(f"`temperature` must be between 0 and 2, got {temperature!r}")
    if max_tokens is not None:
        _check_number("max_tokens", max_tokens, 1)


def _plan(
    names: list[str], plan_prompts: list[Prompt], samples: int
) -> tuple[list[_Job], dict[tuple[str, str], str]]:
    """Every (model, prompt, sample) request, and the normalized prompt of each (model, id)."""
    jobs = [
        _Job(model, p, k, p.prompt_id if k == 0 else f"{p.prompt_id}{SAMPLE_SEP}{k}")
        for k in range(samples)
        for p in plan_prompts
        for model in names
    ]
    planned: dict[tuple[str, str], str] = {}
    for job in jobs:
        if (job.model, job.prompt_id) in planned:
            raise ProvenanceError(
                f"prompt id {job.prompt_id!r} names both a prompt and a sample of another "
                f"prompt; rename the prompt ids ending in '{SAMPLE_SEP}<number>'"
            )
        planned[(job.model, job.prompt_id)] = normalize_prompt(job.prompt.prompt)
    return jobs, planned


def _output_path(out: str | os.PathLike[str]) -> Path:
    """The output .jsonl file, its folder created; refuses another suffix or a folder."""
    out_path = Path(out).expanduser()
    if out_path.suffix.lower() not in (".jsonl", ".ndjson"):
        raise ProvenanceError(f"`out` {out}: give a .jsonl file (records are JSON lines)")
    if out_path.is_dir():
        raise ProvenanceError(f"`out` {out}: is a directory; give a .jsonl file path")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    return out_path


# ----------------------------------------------------------------- entry point
def collect(
    endpoint: str,
    models: Sequence[str] | str,
    prompts: str | os.PathLike[str] | Sequence[Prompt | str],
    out: str | os.PathLike[str],
    *,
    concurrency: int = 4,
    temperature: float | None = 0.0,
    max_tokens: int | None = 1024,
    samples: int = 1,
    system: str | None = None,
    timeout: float = 60.0,
    api_key_env: str = "OPENAI_API_KEY",
    max_tries: int = 6,
    progress: bool | None = None,
    backoff_base: float = 1.0,
    backoff_max: float = 60.0,
    max_retry_after: float = 300.0,
) -> CollectSummary:
    """Collect outputs of ``models`` on ``prompts`` into a corpus JSONL file.

    Parameters
    ----------
    endpoint : str
        An OpenAI-compatible server: a base URL (``https://openrouter.ai/api/v1``,
        ``http://127.0.0.1:8000/v1``) or the full ``.../chat/completions`` URL.
    models : sequence of str or str
        Model names as the server knows them (a comma-separated string works).
    prompts : path or sequence of Prompt or str
        A prompts file, or any corpus the readers read, whose prompts and prompt ids
        are taken (see :func:`load_prompts`), or the prompts themselves.
    out : path
        The output ``.jsonl`` file. Existing records are kept and skipped;
        nothing in it is ever overwritten.
    concurrency : int
        Requests in flight at once.
    temperature : float or None
        Sampling temperature; ``None`` leaves it to the server (some reasoning
        models accept no other). Default 0 (greedy, reproducible).
    max_tokens : int or None
        Completion token limit; ``None`` leaves it to the server.
    samples : int
        Outputs per (model, prompt); sample ``k >= 1`` is stored under the
        prompt id ``<id>#s<k>``. Use a temperature above 0 with more than one.
    system : str, optional
        A system message sent before each prompt.
    timeout : float
        Seconds one request may take before it is abandoned and retried.
    api_key_env : str
        Environment variable holding the API key (sent as a bearer token;
        optional for loopback endpoints).
    max_tries : int
        Tries per request before it is recorded as failed. Timeouts, dropped
        connections, malformed responses, HTTP 408, 425, 429 and 5xx are
        retried with exponential backoff and jitter, honouring ``Retry-After``.
    progress : bool, optional
        Show a progress bar (rate, ETA) on stderr; None: when stderr is a
        terminal.
    backoff_base, backoff_max : float
        First and largest backoff delay in seconds.
    max_retry_after : float
        Longest ``Retry-After`` honoured, in seconds.

    Returns
    -------
    CollectSummary
        Counts of collected, failed and skipped records and the failure reasons.

    Raises
    ------
    ProvenanceError
        For bad input (missing or malformed prompts, invalid URL, missing API
        key, an output file collected with other settings, ...), and when the
        server rejects the key (HTTP 401/402) or cannot be reached at all.
    """
    progress = progress_enabled(progress)
    started = time.monotonic()
    url = chat_url(endpoint)
    names = _model_names(models)
    _check_settings(concurrency, samples, max_tries, timeout, temperature, max_tokens)
    key = _api_key(api_key_env, url)
    jobs, planned = _plan(names, as_prompts(prompts), samples)
    if samples > 1 and temperature == 0:
        log.warning("%d samples at temperature 0 will be (nearly) identical", samples)
    out_path = _output_path(out)
    params = {
        "temperature": None if temperature is None else float(temperature),
        "max_tokens": max_tokens,
        "system": system,
    }
    failures_path = out_path.parent / (out_path.name + ".failures.jsonl")
    summary = CollectSummary(out=str(out))

    sink = AppendFile(out_path, lock=True)
    collector: _Collector | None = None
    try:
        state = scan_output(out_path, planned, params)  # refuses a file that is not ours
        summary.torn_removed = repair_tail(out_path, sink, state)
        done = state.keys
        todo = [job for job in jobs if (job.model, job.prompt_id) not in done]
        summary.skipped = len(jobs) - len(todo)
        collector = _Collector(
            url=url,
            key=key,
            api_key_env=api_key_env,
            params=params,
            sink=sink,
            failures_path=failures_path,
            summary=summary,
            concurrency=concurrency,
            timeout=float(timeout),
            max_tries=max_tries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            max_retry_after=max_retry_after,
        )
        if todo:
            collector.bar = _progress_bar(len(todo), summary.skipped, progress)
            _run_coroutine(lambda: collector.run(todo))
    except _Fatal as exc:
        raise ProvenanceError(str(exc)) from None
    except KeyboardInterrupt:
        if collector is not None and collector.bar is not None:
            collector.bar.close()
            collector.bar = None
        if progress:
            print(
                f"interrupted: {summary.collected} record(s) of this run are saved in {out}; "
                "rerun the same command to resume",
                file=sys.stderr,
            )
        raise
    finally:
        if collector is not None:
            if collector.bar is not None:
                collector.bar.close()
            if collector.failure_sink is not None:
                collector.failure_sink.close()
        sink.close_and_drop_if_empty()

    old = [
        row
        for row in read_failures(failures_path)
        if (str(row["model"]), str(row["prompt_id"])) not in planned
    ]
    remaining = old + (collector.failures if collector else [])
    rewrite_failures(failures_path, remaining)
    summary.failures_path = str(failures_path) if remaining else None
    summary.elapsed_s = round(time.monotonic() - started, 3)
    return summary


def _check_number(name: str, value: Any, minimum: int) -> None:
    check_int(value, name, minimum)


def _progress_bar(total: int, skipped: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    desc = f"collect ({skipped} already done)" if skipped else "collect"
    return tqdm(total=total, desc=desc, unit="req", file=sys.stderr, dynamic_ncols=True)
