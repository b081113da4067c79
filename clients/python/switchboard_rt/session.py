"""The counts that session resume rests on (docs/protocol.md section 4)."""

from __future__ import annotations

from collections import deque
from typing import Any

#: Most unacknowledged messages the client keeps for retransmission (as the server's default).
DEFAULT_RESUME_BUFFER = 10_000


class SessionCounts:
    """What one side of a session sent (kept until acknowledged) and how much it received."""

    def __init__(self, buffer: int = DEFAULT_RESUME_BUFFER) -> None:
        self.buffer = buffer
        self.reset()

    def reset(self) -> None:
        """A new session: every count starts at 0."""
        self.sent = 0
        self.received = 0
        self.acknowledged_received = 0
        # (sequence number, message), oldest first.
        self.kept: deque[tuple[int, list[Any]]] = deque()

    def sending(self, message: list[Any]) -> None:
        """Numbers and keeps a sequenced message; the oldest is dropped when the buffer is full."""
        self.sent += 1
        self.kept.append((self.sent, message))
        if len(self.kept) > self.buffer:
            self.kept.popleft()

    def ack(self, peer_received: int) -> None:
        """The peer received everything up to `peer_received`: it is no longer kept."""
        kept = self.kept
        while kept and kept[0][0] <= peer_received:
            kept.popleft()

    def can_resume_from(self, peer_received: int) -> bool:
        """Whether every message after `peer_received` is still kept (or none was sent after it)."""
        if peer_received > self.sent:
            return False
        first = self.kept[0][0] if self.kept else self.sent + 1
        return first <= peer_received + 1

    def unacknowledged(self, peer_received: int) -> list[list[Any]]:
        """The kept messages numbered after `peer_received`, in order."""
        self.ack(peer_received)
        return [message for _, message in self.kept]
