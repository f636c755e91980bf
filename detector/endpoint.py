"""The server side of ``collect``: endpoint URLs, API keys and ``Retry-After``.

:func:`chat_url` turns what a user types (a base URL, a bare host, the full
URL) into the chat-completions URL; :func:`parse_retry_after` reads how long
a rate-limited server asks to wait. The API key is read from an environment
variable and never written, printed or logged; only loopback endpoints may go
without one.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import math
import os
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

import httpx

from .errors import ProvenanceError

__all__ = ["chat_url", "parse_retry_after"]


def chat_url(endpoint: str) -> str:
    """The chat-completions URL of an endpoint.

    A base URL (``http://127.0.0.1:8000/v1``) gets ``/chat/completions``
    appended; a bare host (``http://localhost:11434``) gets
    ``/v1/chat/completions``; a URL already ending in ``/chat/completions``
    is used as is.

    Raises
    ------
    ProvenanceError
        If the endpoint is not an http(s) URL with a host.
    """
    text = str(endpoint).strip()
    hint = "give the server's base URL, e.g. http://127.0.0.1:8000/v1"
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        raise ProvenanceError(
            f"`endpoint` {_public_url(text)!r}: not a valid URL; {hint}"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProvenanceError(f"`endpoint` {_public_url(text)!r}: not an http(s) URL; {hint}")
    path = parts.path.rstrip("/")
    if not path.endswith("/chat/completions"):
        path = (path or "/v1") + "/chat/completions"
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise ProvenanceError(
            f"`endpoint` {_public_url(text)!r}: not a valid URL; {hint}"
        ) from None
    return url


def _public_url(url: str) -> str:
    """A URL without user info, query or fragment: safe to write and print."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified  # 0.0.0.0 reaches this machine


def _api_key(env: str, url: str) -> str | None:
    if not env or not env.strip():
        raise ProvenanceError("`api_key_env` is empty; name the environment variable of the key")
    key = os.environ.get(env, "").strip()
    if key:
        if any(not (33 <= ord(c) <= 126) for c in key):
            raise ProvenanceError(
                f"the API key in ${env} has spaces or non-ASCII characters; check its value"
            )
        return key
    if _is_loopback(urlsplit(url).hostname or ""):
        return None
    raise ProvenanceError(
        f"no API key: set the environment variable {env} (any value if the server needs no "
        "key), or name another variable with `api_key_env`; only loopback endpoints may go "
        "without one"
    )


def parse_retry_after(headers: httpx.Headers | dict[str, str]) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms``."""
    headers = httpx.Headers(headers)
    value = headers.get("retry-after-ms")
    if value:
        with contextlib.suppress(ValueError):
            ms = float(value)
            if math.isfinite(ms) and ms >= 0:
                return ms / 1000.0
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None
