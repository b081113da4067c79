"""A Switchboard client over one WebSocket: handshake, batching, heartbeats, resume, reconnect.

It follows docs/protocol.md version 1 with the `json` and `msgpack` codecs. Calls live in the
session, not the connection: when the connection drops, the client reconnects with full-jitter
backoff and resumes the session from exact positions, so no message is lost or seen twice. When
the server cannot resume, open calls fail with SESSION_LOST and acknowledged events are sent again
under their idempotency key, so their handler runs once.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatusCode
from websockets.legacy.client import WebSocketClientProtocol
from websockets.typing import Subprotocol

from .backoff import ReconnectOptions
from .calls import Call, Channel, ServerStream, Subscription, UnaryCall, Upload
from .codec import Codec, Encoded, codec_for
from .errors import ErrorMap, RpcError, local_error
from .protocol import FALLBACK_TOKEN, SEQUENCED_FROM_SERVER, SLOW_RETRY_CODES, CloseCode, MessageType
from .protocol import close_action, subprotocol
from .session import SessionCounts

#: Items a stream may receive ahead of the application (the TypeScript client's default). @default 1024
DEFAULT_CREDIT_WINDOW = 1024
#: Largest frame this client writes unless one message is larger (as `DEFAULT_OUTBOX.frameBytes`). @default 16384
FRAME_BYTES = 16 * 1024
_DEFAULT_LIMITS: dict[str, int] = {
    "maxFrameBytes": 1_048_576,
    "maxBatch": 1024,
    "heartbeatMs": 25_000,
    "heartbeatTimeoutMs": 10_000,
    "ackEvery": 256,
}


TCall = TypeVar("TCall", bound=Call)


class _Violation(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Stop(Exception):
    def __init__(self, error: RpcError[Any]) -> None:
        super().__init__(error.message)
        self.error = error


class EventCall(UnaryCall):
    """An acknowledged event: answered by ACK; sent again under its key when its session is lost."""

    def __init__(self, host: Client, call_id: int, path: str, errors: ErrorMap | None, payload: Any, key: str) -> None:
        super().__init__(host, call_id, path, errors, [MessageType.EVENT, call_id, path, payload, key])
        self.payload = payload
        self.key = key

    def reopen(self, call_id: int) -> None:
        """The same event under a new stream id of a new session."""
        self.id = call_id
        self.message = [MessageType.EVENT, call_id, self.path, self.payload, self.key]


class Client:
    """A connection to a Switchboard server, as `async with Client(url) as client:`.

    `api` is the contract's `(name, version)` carried in the subprotocol token; `codecs` are
    offered in order (this client speaks `msgpack` and `json`). `auth` is sent in HELLO, or
    `auth_provider` is awaited before every connection (to refresh credentials after a 41xx).
    """

    def __init__(
        self,
        url: str,
        *,
        api: tuple[str, str] | None = None,
        codecs: Sequence[str] = ("msgpack", "json"),
        auth: Any = None,
        auth_provider: Callable[[], Awaitable[Any]] | None = None,
        reconnect: ReconnectOptions | None = ReconnectOptions(),
        credit_window: int = DEFAULT_CREDIT_WINDOW,
        open_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.offers = [subprotocol(codec, api) for codec in codecs] + [FALLBACK_TOKEN]
        for codec in codecs:
            codec_for(codec)
        self.auth = auth
        self.auth_provider = auth_provider
        self.reconnect = reconnect
        self.credit_window = credit_window
        self.open_timeout = open_timeout
        self.codec: Codec | None = None
        self.session_id: str | None = None
        #: Connections that resumed the session, and sessions that could not be resumed.
        self.resumes = 0
        self.sessions_lost = 0
        #: The server's PINGs this client answered with PONG.
        self.pings_answered = 0
        self.limits = dict(_DEFAULT_LIMITS)
        self._token: str | None = None
        self._counts = SessionCounts()
        self._next_id = 1
        self._calls: dict[int, Call] = {}
        self._topics: dict[str, Subscription[Any]] = {}
        self._pending: list[Encoded] = []
        self._flush_handle: asyncio.Handle | None = None
        self._frames: asyncio.Queue[str | bytes] | None = None
        self._ws: WebSocketClientProtocol | None = None
        self._open = False
        self._closed: RpcError[Any] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._welcomed = False
        #: The server's ERROR on stream 0 that explained the last close, if it sent one.
        self._explanation: list[Any] | None = None
        self._runner: asyncio.Task[None] | None = None

    # -- life ---------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Opens the connection and the session; raises the error that ended it if it could not."""
        if self._runner is None:
            self._ready = asyncio.get_running_loop().create_future()
            self._runner = asyncio.create_task(self._run())
        assert self._ready is not None
        await asyncio.shield(self._ready)

    async def close(self) -> None:
        """Closes with 1000 (the server ends the session) and settles everything with CONNECTION_CLOSED."""
        self._stop(local_error("CONNECTION_CLOSED", "the client closed"))
        ws = self._ws
        if ws is not None:
            await ws.close(CloseCode.NORMAL, "client closed")
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except asyncio.CancelledError:
                pass

    async def __aenter__(self) -> Client:
        await self.connect()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        """Whether a connection is open and welcomed."""
        return self._open

    # -- calls --------------------------------------------------------------------------------

    async def call(self, path: str, input: Any = None, *, errors: ErrorMap | None = None) -> Any:
        """A unary call: the result, or the typed error (cancelling the task sends CANCEL)."""
        call = self._start(lambda i: UnaryCall(self, i, path, errors, [MessageType.CALL, i, path, input]))
        return await call.result()

    async def emit(self, path: str, payload: Any, *, key: str | None = None, errors: ErrorMap | None = None) -> None:
        """An acknowledged event with idempotency key `key` (a random UUID by default); returns at ACK."""
        event_key = key if key is not None else str(uuid.uuid4())
        call = self._start(lambda i: EventCall(self, i, path, errors, payload, event_key))
        await call.result()

    def stream(self, path: str, input: Any = None, *, errors: ErrorMap | None = None) -> ServerStream[Any]:
        """A server stream's items as an async iterator; `aclose()` cancels it."""
        return self._start(lambda i: ServerStream(self, i, path, errors, input))

    def upload(self, path: str, input: Any = None, *, errors: ErrorMap | None = None) -> Upload[Any, Any]:
        """A client stream: `await send(item)` for each item, then `await finish()` for the result."""
        return self._start(lambda i: Upload(self, i, path, errors, input))

    def channel(self, path: str, input: Any = None, *, errors: ErrorMap | None = None) -> Channel[Any, Any]:
        """A bidirectional channel: `send`, `end`, and iterate the server's items."""
        return self._start(lambda i: Channel(self, i, path, errors, input))

    def subscribe(self, path: str, key: str | None = None) -> Subscription[Any]:
        """A topic's items (of sub-channel `key` when given); `aclose()` unsubscribes."""
        subscription: Subscription[Any] = self._start(lambda i: Subscription(self, i, path, key))
        self._topics.setdefault(subscription.channel, subscription)
        return subscription

    def _start(self, factory: Callable[[int], TCall]) -> TCall:
        if self._closed is not None:
            raise self._closed
        if self._runner is None:
            raise local_error("CONNECTION_CLOSED", "not connected: call connect() (or use async with) first")
        call_id = self._next_id
        self._next_id += 1
        call = factory(call_id)
        self.push(call.open_message())
        self._calls[call_id] = call
        return call

    # -- CallHost -----------------------------------------------------------------------------

    def push(self, message: list[Any]) -> None:
        """Sends a sequenced message: kept until the server acknowledges it, resent after a resume."""
        encoded = self._encode(message) if self.codec is not None else None
        self._counts.sending(message)
        if self._open and encoded is not None:
            self._queue(encoded)

    def release(self, call: Call) -> None:
        if self._calls.get(call.id) is call:
            del self._calls[call.id]
        if isinstance(call, Subscription) and self._topics.get(call.channel) is call:
            del self._topics[call.channel]

    def violation(self, code: int, reason: str) -> None:
        raise _Violation(code, reason)

    # -- sending ------------------------------------------------------------------------------

    def _encode(self, message: list[Any]) -> Encoded:
        assert self.codec is not None
        encoded = self.codec.encode(message)
        if len(encoded) > self.limits["maxFrameBytes"]:
            raise local_error("PAYLOAD_TOO_LARGE", f"the message has {len(encoded)} bytes, over maxFrameBytes")
        return encoded

    def _control(self, message: list[Any]) -> None:
        if self._open:
            self._queue(self._encode(message))

    def _queue(self, encoded: Encoded) -> None:
        self._pending.append(encoded)
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Writes what this turn produced as few frames as FRAME_BYTES and maxBatch allow."""
        self._flush_handle = None
        pending, self._pending = self._pending, []
        if not self._open or self._frames is None or self.codec is None:
            return
        batch: list[Encoded] = []
        size = 0
        for encoded in pending:
            if batch and (size + len(encoded) > FRAME_BYTES or len(batch) >= self.limits["maxBatch"]):
                self._frames.put_nowait(self.codec.frame(batch))
                batch, size = [], 0
            batch.append(encoded)
            size += len(encoded)
        if batch:
            self._frames.put_nowait(self.codec.frame(batch))

    @staticmethod
    async def _write(ws: WebSocketClientProtocol, frames: asyncio.Queue[str | bytes]) -> None:
        try:
            while True:
                await ws.send(await frames.get())
        except ConnectionClosed:
            pass

    # -- connections --------------------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while self._closed is None:
            slow = False
            try:
                ws = await self._open_socket()
                self._welcomed = False
                code = await self._serve(ws)
                if self._welcomed:
                    attempt = 0
                action = close_action(code)
                if code == CloseCode.RESUME_REJECTED:
                    action = "reconnect"
                if action == "stop":
                    self._stop(self._closed_error(code))
                    return
                slow = code in SLOW_RETRY_CODES
            except _Stop as stop:
                self._stop(stop.error)
                return
            except InvalidStatusCode as refused:
                if refused.status_code < 500:
                    self._stop(local_error("CONNECTION_CLOSED", f"the upgrade was refused: {refused.status_code}"))
                    return
                slow = True
            except (OSError, asyncio.TimeoutError, InvalidHandshake, ConnectionClosed):
                pass
            if self.reconnect is None or (self.reconnect.max_attempts is not None and attempt >= self.reconnect.max_attempts):
                self._stop(local_error("CONNECTION_CLOSED", "the connection closed and retries are exhausted"))
                return
            await asyncio.sleep(self.reconnect.delay(attempt, slow))
            attempt += 1

    def _closed_error(self, code: int) -> RpcError[Any]:
        explanation = self._explanation
        why = f": {explanation[2]} {explanation[3]}" if explanation and len(explanation) > 3 else ""
        return local_error("CONNECTION_CLOSED", f"the connection closed with {code}{why}", {"code": code})

    async def _open_socket(self) -> WebSocketClientProtocol:
        ws: WebSocketClientProtocol = await websockets.connect(  # type: ignore[attr-defined]
            self.url,
            subprotocols=[Subprotocol(offer) for offer in self.offers],
            max_size=2**24,
            ping_interval=None,
            compression=None,
            open_timeout=self.open_timeout,
        )
        selected = ws.subprotocol
        if selected is None or selected == FALLBACK_TOKEN:
            detail: Any = None
            try:
                frame = await asyncio.wait_for(ws.recv(), self.open_timeout)
                detail = json.loads(frame)[0][4]
            except Exception:  # noqa: BLE001 - the explanation is optional; the refusal is not
                pass
            await ws.close()
            raise _Stop(local_error("UNSUPPORTED_PROTOCOL", "the server accepts none of the offered subprotocols", detail))
        codec = codec_for(selected.split(".")[2])
        if self.codec is not None and self.codec.name != codec.name:
            self._counts.kept.clear()
        self.codec = codec
        return ws

    async def _serve(self, ws: WebSocketClientProtocol) -> int:
        """Runs one connection from HELLO to close; returns the close code."""
        self._ws = ws
        self._explanation = None
        frames: asyncio.Queue[str | bytes] = asyncio.Queue()
        writer = asyncio.create_task(self._write(ws, frames))
        try:
            auth = await self.auth_provider() if self.auth_provider is not None else self.auth
            codec = self.codec
            assert codec is not None
            hello = [MessageType.HELLO, auth, self._token, self._counts.received]
            await ws.send(codec.frame([codec.encode(hello)]))
            self._frames = frames
            timeout = self.open_timeout
            while True:
                frame = await asyncio.wait_for(ws.recv(), timeout)
                try:
                    batch = codec.decode(frame)
                except ValueError as error:
                    wrong = isinstance(frame, str) == codec.binary
                    raise _Violation(CloseCode.WRONG_FRAME_TYPE if wrong else CloseCode.INVALID_MESSAGE, str(error))
                for message in batch:
                    self._handle(message)
                if self._open:
                    timeout = (self.limits["heartbeatMs"] + self.limits["heartbeatTimeoutMs"]) / 1000
        except asyncio.TimeoutError:
            await ws.close(CloseCode.HEARTBEAT_TIMEOUT, "no message from the server in time")
            return CloseCode.HEARTBEAT_TIMEOUT
        except _Violation as violation:
            await ws.close(violation.code, violation.reason[:120])
            return violation.code
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else CloseCode.ABNORMAL
        finally:
            self._open = False
            self._pending = []
            self._frames = None
            self._ws = None
            writer.cancel()

    # -- receiving ----------------------------------------------------------------------------

    def _handle(self, message: Any) -> None:
        if not isinstance(message, list) or not message or not isinstance(message[0], int):
            raise _Violation(CloseCode.INVALID_MESSAGE, "a message is not an array with a type")
        kind = message[0]
        if kind == MessageType.WELCOME:
            self._welcome(message)
            return
        if kind == MessageType.ERROR and len(message) > 3 and message[1] == 0:
            # A connection-level failure, followed by the close that it explains.
            self._explanation = message
            return
        if not self._open:
            raise _Violation(CloseCode.INVALID_MESSAGE, "a message before WELCOME")
        if kind in SEQUENCED_FROM_SERVER:
            self._counts.received += 1
            if self._counts.received - self._counts.acknowledged_received >= self.limits["ackEvery"]:
                self._acknowledge(MessageType.POS)
        if kind == MessageType.PING:
            self._counts.ack(message[1])
            self._acknowledge(MessageType.PONG)
            self.pings_answered += 1
        elif kind in (MessageType.PONG, MessageType.POS):
            self._counts.ack(message[1])
            if kind == MessageType.PONG and self._counts.received > self._counts.acknowledged_received:
                self._acknowledge(MessageType.POS)
        elif kind == MessageType.PUB:
            subscription = self._topics.get(message[1])
            if subscription is not None:
                if len(message) > 3 and isinstance(message[3], str):
                    subscription.position = message[3]
                subscription.on_data(message[2])
        elif kind == MessageType.SUBSCRIBED:
            # Sent before a subscription's first PUB by a server that keeps positions (section 12.1).
            subscribed = self._calls.get(message[1])
            if isinstance(subscribed, Subscription) and isinstance(message[2], str):
                subscribed.position = message[2]
        elif kind in (MessageType.DATA, MessageType.CREDIT, MessageType.END, MessageType.ERROR, MessageType.ACK):
            call = self._calls.get(message[1])
            if call is None:
                return
            if kind == MessageType.DATA:
                call.on_data(message[2])
            elif kind == MessageType.CREDIT:
                call.on_credit(message[2])
            elif kind == MessageType.ERROR:
                call.on_error(message)
            else:
                call.on_end(message)
        elif kind != MessageType.GOAWAY:
            raise _Violation(CloseCode.INVALID_MESSAGE, f"unknown message type {kind}")

    def _acknowledge(self, kind: int) -> None:
        self._counts.acknowledged_received = self._counts.received
        self._control([kind, self._counts.received])

    def _welcome(self, message: list[Any]) -> None:
        if self._open:
            raise _Violation(CloseCode.INVALID_MESSAGE, "a second WELCOME")
        _, session_id, token, resumed, server_received, limits = message[:6]
        self.limits.update({key: value for key, value in limits.items() if key in _DEFAULT_LIMITS})
        had_session = self._token is not None
        if resumed and not self._counts.can_resume_from(server_received):
            self._lose_session()
            self._token = None
            raise _Violation(CloseCode.RESUME_REJECTED, "the client no longer holds what the server did not receive")
        if not resumed and had_session:
            self._lose_session()
        self._token = token
        self.session_id = session_id
        self._open = True
        self._welcomed = True
        self._pending = []
        for pending in self._counts.unacknowledged(server_received if resumed else 0):
            try:
                self._queue(self._encode(pending))
            except RpcError as error:
                # Only an event sent again under a new codec can fail here: it fails alone.
                call = self._calls.get(pending[1]) if len(pending) > 1 else None
                if call is not None:
                    call.fail(error)
        if resumed:
            self.resumes += 1
            # The PONG comes behind the retransmission: it tells that the resume got through.
            self._control([MessageType.PING, self._counts.received])
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)

    def _lose_session(self) -> None:
        """The session is gone: calls fail with SESSION_LOST, events go again under their key."""
        self.sessions_lost += 1
        calls = list(self._calls.values())
        self._calls.clear()
        self._topics.clear()
        self._counts.reset()
        self._next_id = 1
        lost = local_error("SESSION_LOST", "the session could not be resumed; the call may or may not have run")
        for call in calls:
            if isinstance(call, EventCall) and not call.done:
                call.reopen(self._next_id)
                self._next_id += 1
                self._calls[call.id] = call
                self._counts.sending(call.open_message())
            else:
                call.fail(lost)

    def _stop(self, error: RpcError[Any]) -> None:
        if self._closed is not None:
            return
        self._closed = error
        self._open = False
        calls = list(self._calls.values())
        self._calls.clear()
        self._topics.clear()
        for call in calls:
            call.fail(error)
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(error)
            self._ready.exception()
