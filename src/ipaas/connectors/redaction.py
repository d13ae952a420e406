"""Removing secrets from what the api-call log and error messages show.

Three nets, because any one alone misses something: every known secret value (preset
secrets, tokens obtained at run time) is replaced wherever it appears; JSON keys and form
fields whose names say "secret" lose their values; URLs lose userinfo and the values of
secret query parameters.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"

#: Parameter and key names whose values are secret, wherever they appear.
SECRET_NAME = re.compile(
    r"(?i)(pass(word|wd)?|secret|token|api[-_]?key|apikey|authorization|signature|"
    r"credential|private[-_]?key|^key$|^sig$|^code$)"
)
_JSON_SECRET = re.compile(
    r'(?i)("[^"]*(?:pass(?:word|wd)?|secret|token|api[-_]?key|apikey|authorization|'
    r'signature|credential|private[-_]?key)[^"]*"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)'
)
_FORM_SECRET = re.compile(
    r"(?i)((?:^|[&?\s])[\w.-]*(?:pass(?:word|wd)?|secret|token|api[-_]?key|apikey|"
    r"signature|credential)[\w.-]*=)([^&\s]*)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
#: Secret values shorter than this are not searched for (they would mask ordinary text).
MIN_SECRET_LENGTH = 4


class Redactor:
    """Knows the secret values of one subscription and masks them in text and URLs."""

    def __init__(self, secrets: Iterable[str] = (), secret_params: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        self.secret_params = {p.lower() for p in secret_params}
        for value in secrets:
            self.add_secret(value)

    def add_secret(self, value: object) -> None:
        """Mask ``value`` from now on (e.g. an access token just obtained)."""
        if value is None:
            return
        text = str(value)
        if len(text) < MIN_SECRET_LENGTH or text in self._secrets:
            return
        with self._lock:
            self._secrets.add(text)
            variants = {text}
            # Secrets also travel URL-encoded (query strings, form bodies).
            variants.add(urlencode({"": text})[1:])
            ordered = sorted(variants, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    @property
    def max_secret_length(self) -> int:
        return max((len(s) for s in self._secrets), default=0) * 3

    def text(self, value: str) -> str:
        """``value`` with every secret masked."""
        if not value:
            return value
        pattern = self._pattern
        if pattern is not None:
            value = pattern.sub(MASK, value)
        value = _JSON_SECRET.sub(lambda m: m.group(1) + '"' + MASK + '"', value)
        value = _FORM_SECRET.sub(lambda m: m.group(1) + MASK, value)
        return _BEARER.sub(lambda m: m.group(1) + " " + MASK, value)

    def excerpt(self, body: bytes, limit: int | None) -> str | None:
        """A masked excerpt of ``body``: at most ``limit`` characters (None: all of it)."""
        if not body:
            return None
        # Cut after masking, so a secret straddling the cut is still recognised.
        window = body if limit is None else body[: limit + self.max_secret_length + 64]
        text = self.text(window.decode("utf-8", errors="replace"))
        if limit is not None and (len(text) > limit or len(window) < len(body)):
            return text[:limit] + f"... [{len(body)} bytes]"
        return text

    def url(self, url: str) -> str:
        """``url`` without userinfo and with secret query values masked."""
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = MASK + "@" + netloc.rpartition("@")[2]
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode(
                [(k, MASK if self._is_secret_param(k) else v) for k, v in pairs], safe="*$@:,"
            )
        masked = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
        pattern = self._pattern
        return pattern.sub(MASK, masked) if pattern is not None else masked

    def _is_secret_param(self, name: str) -> bool:
        return name.lower() in self.secret_params or bool(SECRET_NAME.search(name))
