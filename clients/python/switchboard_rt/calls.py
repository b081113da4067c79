"""The calls of a session: unary, events, server streams, topics, uploads and channels.

Each object owns one stream id and its credit in both directions (docs/protocol.md section 5):
items from the server are taken from a queue the server cannot overfill (it may send only what
was granted), and credit goes back as the application consumes; items to the server wait until
the server's CREDIT allows them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Generic, Protocol, TypeVar

from .errors import ErrorMap, RpcError, error_from_wire, local_error
from .protocol import CloseCode, MessageType

T = TypeVar("T")
TOut = TypeVar("TOut")
TIn = TypeVar("TIn")


class CallHost(Protocol):
    """What a call needs of its client."""

    credit_window: int

    def push(self, message: list[Any]) -> None: ...

    def release(self, call: Call) -> None: ...

    def violation(self, code: int, reason: str) -> None: ...


class Call:
    """One open stream id. The client routes the server's messages for it here."""

    def __init__(self, host: CallHost, call_id: int, path: str, errors: ErrorMap | None) -> None:
        self.host = host
        self.id = call_id
        self.path = path
        self.errors = errors
        self.done = False
        #: How the call failed, once it did.
        self.error: RpcError[Any] | None = None

    def open_message(self) -> list[Any]:
        """The message that (re)opens the call under a new session."""
        raise NotImplementedError

    def on_data(self, item: Any) -> None:
        self.host.violation(CloseCode.INVALID_MESSAGE, f"DATA on stream {self.id} that takes none")

    def on_credit(self, limit: int) -> None:
        """CREDIT for a call that sends nothing: ignored."""

    def on_end(self, message: list[Any]) -> None:
        self.settle(None)

    def on_error(self, message: list[Any]) -> None:
        self.fail(error_from_wire(message, self.errors))

    def settle(self, result: Any) -> None:
        self.done = True
        self.host.release(self)

    def fail(self, error: RpcError[Any]) -> None:
        self.done = True
        self.error = error
        self.host.release(self)

    def cancel(self) -> None:
        """Abandons the call: CANCEL goes out and it settles with CANCELLED."""
        if self.done:
            return
        self.host.push([MessageType.CANCEL, self.id])
        self.fail(local_error("CANCELLED", "the call was cancelled"))


class UnaryCall(Call):
    """A unary call or an event: one answer (END, ACK or ERROR)."""

    def __init__(self, host: CallHost, call_id: int, path: str, errors: ErrorMap | None, message: list[Any]) -> None:
        super().__init__(host, call_id, path, errors)
        self.message = message
        self.future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def open_message(self) -> list[Any]:
        return self.message

    def on_end(self, message: list[Any]) -> None:
        self.settle(message[2] if len(message) > 2 else None)

    def settle(self, result: Any) -> None:
        super().settle(result)
        if not self.future.done():
            self.future.set_result(result)

    def fail(self, error: RpcError[Any]) -> None:
        super().fail(error)
        if not self.future.done():
            self.future.set_exception(error)
            # Retrieved here: a failure nobody awaits (a cancelled call) is not an asyncio warning.
            self.future.exception()

    async def result(self) -> Any:
        """The answer; cancelling the awaiting task sends CANCEL."""
        try:
            return await asyncio.shield(self.future)
        except asyncio.CancelledError:
            self.cancel()
            raise


class _End:
    pass


_END = _End()


class Incoming(Call, Generic[T]):
    """The server-to-client half of a stream: DATA (or PUB) items, with credit granted back."""

    def __init__(self, host: CallHost, call_id: int, path: str, errors: ErrorMap | None) -> None:
        super().__init__(host, call_id, path, errors)
        self.window = host.credit_window
        self.granted = self.window
        self.received = 0
        self.consumed = 0
        self.items: deque[Any] = deque()
        self.wake = asyncio.Event()
        self.outcome: RpcError[Any] | _End | None = None

    def on_data(self, item: Any) -> None:
        if self.received >= self.granted:
            self.host.violation(CloseCode.CREDIT_EXCEEDED, f"an item beyond credit on stream {self.id}")
            return
        self.received += 1
        self.items.append(item)
        self.wake.set()

    def settle(self, result: Any) -> None:
        super().settle(result)
        if self.outcome is None:
            self.outcome = _END
        self.wake.set()

    def fail(self, error: RpcError[Any]) -> None:
        super().fail(error)
        if self.outcome is None or self.outcome is _END:
            self.outcome = error
        self.wake.set()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        while not self.items:
            if isinstance(self.outcome, RpcError):
                raise self.outcome
            if self.outcome is not None:
                raise StopAsyncIteration
            self.wake.clear()
            try:
                await self.wake.wait()
            except asyncio.CancelledError:
                self.cancel()
                raise
        item: T = self.items.popleft()
        self.consumed += 1
        if not self.done and self.consumed + self.window - self.granted >= self.window // 2:
            self.granted = self.consumed + self.window
            self.host.push([MessageType.CREDIT, self.id, self.granted])
        return item

    async def aclose(self) -> None:
        """Stops reading: a stream still open is cancelled (CANCEL)."""
        if not self.done:
            self.cancel()
        self.items.clear()
        self.outcome = _END


class ServerStream(Incoming[T]):
    """The items of a server stream, as an async iterator; `aclose()` cancels it."""

    def __init__(self, host: CallHost, call_id: int, path: str, errors: ErrorMap | None, input: Any) -> None:
        super().__init__(host, call_id, path, errors)
        self.input = input

    def open_message(self) -> list[Any]:
        return [MessageType.CALL, self.id, self.path, self.input, self.window]


class Subscription(ServerStream[T]):
    """A topic subscription's items (PUB on `channel`); `aclose()` unsubscribes."""

    def __init__(self, host: CallHost, call_id: int, path: str, key: str | None) -> None:
        super().__init__(host, call_id, path, None, {"key": key} if key is not None else {})
        self.channel = f"{path}#{key}" if key is not None else path
        #: Where the subscription stands in the channel's log (protocol.md section 12): the last
        #: PUB's position, else SUBSCRIBED's; None from a server that keeps no positions.
        self.position: str | None = None


class _Outgoing:
    """The client-to-server half: items wait for the server's CREDIT (none before the first)."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.limit = 0
        self.sent = 0
        self.room = asyncio.Event()

    def credit(self, limit: int) -> None:
        if limit > self.limit:
            self.limit = limit
            self.room.set()

    async def send(self, item: Any) -> None:
        while self.sent >= self.limit and not self.call.done:
            self.room.clear()
            await self.room.wait()
        if self.call.done:
            raise self.call.error or local_error("CANCELLED", "the stream is finished")
        self.sent += 1
        self.call.host.push([MessageType.DATA, self.call.id, item])

    def wake(self) -> None:
        self.room.set()


class Upload(UnaryCall, Generic[TIn, TOut]):
    """A client stream: `send` items (each waits for credit), then `finish` for the result."""

    def __init__(self, host: CallHost, call_id: int, path: str, errors: ErrorMap | None, input: Any) -> None:
        super().__init__(host, call_id, path, errors, [MessageType.CALL, call_id, path, input, 0])
        self.outgoing = _Outgoing(self)

    def on_credit(self, limit: int) -> None:
        self.outgoing.credit(limit)

    def settle(self, result: Any) -> None:
        super().settle(result)
        self.outgoing.wake()

    def fail(self, error: RpcError[Any]) -> None:
        super().fail(error)
        self.outgoing.wake()

    async def send(self, item: TIn) -> None:
        """Sends one item once the server's credit allows it; raises the call's error if it failed."""
        await self.outgoing.send(item)

    async def finish(self) -> TOut:
        """Half-closes (END) and waits for the result."""
        if not self.done:
            self.host.push([MessageType.END, self.id])
        result: TOut = await self.result()
        return result


class Channel(Incoming[TOut], Generic[TIn, TOut]):
    """A bidirectional channel: `send` items, iterate the server's items, `end` to half-close."""

    def __init__(self, host: CallHost, call_id: int, path: str, errors: ErrorMap | None, input: Any) -> None:
        super().__init__(host, call_id, path, errors)
        self.input = input
        self.outgoing = _Outgoing(self)

    def open_message(self) -> list[Any]:
        return [MessageType.CALL, self.id, self.path, self.input, self.window]

    def on_credit(self, limit: int) -> None:
        self.outgoing.credit(limit)

    def settle(self, result: Any) -> None:
        super().settle(result)
        self.outgoing.wake()

    def fail(self, error: RpcError[Any]) -> None:
        super().fail(error)
        self.outgoing.wake()

    async def send(self, item: TIn) -> None:
        """Sends one item once the server's credit allows it; raises the call's error if it failed."""
        await self.outgoing.send(item)

    def end(self) -> None:
        """Half-closes: no more items from this side."""
        if not self.done:
            self.host.push([MessageType.END, self.id])
