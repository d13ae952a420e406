"""Retry as a value: ``RetryPolicy.decide`` says what to do after a failure."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ipaas.errors import RetriableError


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Retry after ``delay`` seconds, or give up (``retry`` is False)."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter, up to ``max_attempts`` attempts in all."""

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 600.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def decide(self, error: BaseException, attempts: int) -> RetryDecision:
        """Decide after ``attempts`` attempts (counting the one that just failed)."""
        if not isinstance(error, RetriableError):
            return RetryDecision(False, reason=f"permanent: {error}")
        if attempts >= self.max_attempts:
            return RetryDecision(False, reason=f"gave up after {attempts} attempts: {error}")
        delay = min(self.max_delay, self.base_delay * 2 ** (attempts - 1))
        delay *= 1 - self.jitter * self.rng.random()
        if error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return RetryDecision(True, delay=delay, reason=str(error))
