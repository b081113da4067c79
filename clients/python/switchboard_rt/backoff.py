"""When to try again after a connection ends: full-jitter exponential backoff."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class ReconnectOptions:
    """How the client reconnects after a close that allows it (docs/guides/reconnect-and-resume.md).

    The n-th attempt in a row waits a random time in [0, min(max_delay, initial_delay * 2**n))
    seconds ("full jitter", so a crowd of clients does not come back in step), and at least
    `slow_delay` after the server shed load (4001, 1013, HTTP 503).
    """

    #: Seconds, the ceiling of the first attempt's delay. @default 0.1
    initial_delay: float = 0.1
    #: Seconds, the largest delay. @default 10.0
    max_delay: float = 10.0
    #: Seconds, the least delay after the server said it is overloaded. @default 2.0
    slow_delay: float = 2.0
    #: Attempts in a row before giving up with CONNECTION_CLOSED; None tries forever. @default None
    max_attempts: int | None = None

    def delay(self, attempt: int, slow: bool) -> float:
        """The wait before attempt number `attempt` (0-based) in a row."""
        ceiling = min(self.max_delay, self.initial_delay * (2 ** min(attempt, 30)))
        wait = random.uniform(0, ceiling)
        return max(wait, self.slow_delay) if slow else wait
