"""The client's session state machine against a scripted fake server (no Switchboard server).

The fake speaks just enough of the protocol over a real loopback WebSocket to drive the client
through what a live server rarely does on demand: a session that cannot be resumed, a terminal
close explained on stream 0, and items beyond the credit granted.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import websockets
from websockets.legacy.server import WebSocketServerProtocol

from switchboard_rt import Client, ReconnectOptions, RpcError

Script = Callable[[WebSocketServerProtocol, int], Awaitable[None]]
LIMITS = {"heartbeatMs": 60_000, "heartbeatTimeoutMs": 60_000, "ackEvery": 256}


async def receive(ws: WebSocketServerProtocol) -> list[Any]:
    batch: list[Any] = json.loads(await ws.recv())
    return batch


async def send(ws: WebSocketServerProtocol, *messages: list[Any]) -> None:
    await ws.send(json.dumps(list(messages)))


def welcome(token: str, resumed: bool = False, received: int = 0) -> list[Any]:
    return [2, "session", token, resumed, received, LIMITS]


async def serve(script: Script, test: Callable[[str], Awaitable[None]]) -> None:
    connections = 0

    async def handler(ws: WebSocketServerProtocol) -> None:
        nonlocal connections
        connections += 1
        await script(ws, connections)

    async with websockets.serve(  # type: ignore[attr-defined]
        handler, "127.0.0.1", 0, subprotocols=["switchboard.v1.json"]
    ) as server:
        port = server.sockets[0].getsockname()[1]
        await test(f"ws://127.0.0.1:{port}/")


def fast_client(url: str) -> Client:
    return Client(url, codecs=["json"], reconnect=ReconnectOptions(initial_delay=0.001, max_delay=0.01))


def test_a_lost_session_fails_calls_with_session_lost_and_sends_events_again_under_their_key() -> None:
    seen: list[list[Any]] = []

    async def script(ws: WebSocketServerProtocol, n: int) -> None:
        hello = (await receive(ws))[0]
        if n == 1:
            assert hello == [1, None, None, 0]
            await send(ws, welcome("t1"))
            seen.extend(await receive(ws))
            seen.extend(await receive(ws))
            await ws.close(1012, "restart")
            return
        # The server restarted: it knows no session, whatever the HELLO asks.
        assert hello == [1, None, "t1", 0]
        await send(ws, welcome("t2"))
        again = (await receive(ws))[0]
        seen.append(again)
        await send(ws, [17, again[1]])
        await ws.wait_closed()

    async def test(url: str) -> None:
        async with fast_client(url) as client:
            call = asyncio.create_task(client.call("add", {"a": 1}))
            await asyncio.sleep(0)
            event = asyncio.create_task(client.emit("audit", {"what": "x"}, key="k-1"))
            with pytest.raises(RpcError) as lost:
                await call
            assert lost.value.code == "SESSION_LOST" and lost.value.retryable
            await event
            assert client.sessions_lost == 1

    asyncio.run(serve(script, test))
    assert seen == [[10, 1, "add", {"a": 1}], [16, 2, "audit", {"what": "x"}, "k-1"], [16, 1, "audit", {"what": "x"}, "k-1"]]


def test_a_terminal_close_settles_everything_with_connection_closed_and_its_explanation() -> None:
    async def script(ws: WebSocketServerProtocol, n: int) -> None:
        await receive(ws)
        await send(ws, welcome("t"))
        await receive(ws)
        await send(ws, [15, 0, "PROTOCOL_ERROR", "stream id 1 reused"])
        await ws.close(4409, "stream id reused")

    async def test(url: str) -> None:
        async with fast_client(url) as client:
            with pytest.raises(RpcError) as closed:
                await client.call("add", {"a": 1})
            assert closed.value.code == "CONNECTION_CLOSED"
            assert closed.value.data == {"code": 4409}
            assert "stream id 1 reused" in closed.value.message
            with pytest.raises(RpcError):
                await client.call("add", {"a": 2})

    asyncio.run(serve(script, test))


def test_items_beyond_the_credit_granted_close_with_4430() -> None:
    closes: list[int | None] = []

    async def script(ws: WebSocketServerProtocol, n: int) -> None:
        await receive(ws)
        await send(ws, welcome("t"))
        call = (await receive(ws))[0]
        assert call[:3] == [10, 1, "count"] and call[4] == 2
        await send(ws, [11, 1, 1], [11, 1, 2], [11, 1, 3])
        await ws.wait_closed()
        closes.append(ws.close_code)

    async def test(url: str) -> None:
        async with Client(url, codecs=["json"], credit_window=2) as client:
            with pytest.raises(RpcError) as closed:
                async for _ in client.stream("count", {}):
                    pass
            assert closed.value.code == "CONNECTION_CLOSED"

    asyncio.run(serve(script, test))
    assert closes == [4430]


def test_a_resume_retransmits_exactly_what_the_server_did_not_receive() -> None:
    seen: list[tuple[int, list[Any]]] = []

    async def script(ws: WebSocketServerProtocol, n: int) -> None:
        hello = (await receive(ws))[0]
        if n == 1:
            await send(ws, welcome("t"), [13, 99, None])  # one sequenced message for the client to count
            seen.extend((n, message) for message in await receive(ws))
            await send(ws, [3, 1])  # PING: the test waits for the PONG before its second call
            assert (await receive(ws))[0][0] == 4
            seen.extend((n, message) for message in await receive(ws))
            # CALL 1 arrived, CALL 2 is treated as lost with the connection: the server counts 1.
            await ws.close(4000, "heartbeat")
            return
        assert hello == [1, None, "t", 1]
        await send(ws, welcome("t", resumed=True, received=1))
        while True:
            batch = await receive(ws)
            seen.extend((n, message) for message in batch)
            for message in batch:
                if message[0] == 10:
                    await send(ws, [13, message[1], message[1] * 10])
                if message[0] == 3:
                    await send(ws, [4, 1])

    async def test(url: str) -> None:
        async with fast_client(url) as client:
            first = asyncio.create_task(client.call("add", {"a": 1}))
            while client.pings_answered < 1:
                await asyncio.sleep(0.001)
            second = asyncio.create_task(client.call("add", {"a": 2}))
            assert await second == 20
            assert client.resumes == 1
            first.cancel()

    asyncio.run(serve(script, test))
    calls = [(n, message[1]) for n, message in seen if message[0] == 10]
    # CALL 1 once (the server had it), CALL 2 on the first connection and again after the resume.
    assert calls == [(1, 1), (1, 2), (2, 2)]


def test_a_41xx_close_refreshes_credentials_and_reconnects() -> None:
    hellos: list[list[Any]] = []

    async def script(ws: WebSocketServerProtocol, n: int) -> None:
        hellos.append((await receive(ws))[0])
        if n == 1:
            await ws.close(4100, "expired")
            return
        await send(ws, welcome("t"))
        call = (await receive(ws))[0]
        await send(ws, [13, call[1], "ok"])
        await ws.wait_closed()

    async def test(url: str) -> None:
        tokens = iter(["expired-token", "fresh-token"])

        async def auth() -> str:
            return next(tokens)

        client = Client(url, codecs=["json"], auth_provider=auth, reconnect=ReconnectOptions(initial_delay=0.001))
        async with client:
            assert await client.call("whoami") == "ok"

    asyncio.run(serve(script, test))
    assert [hello[1] for hello in hellos] == ["expired-token", "fresh-token"]


def test_a_silent_server_is_declared_dead_after_its_heartbeat_and_the_session_resumed() -> None:
    closes: list[int | None] = []
    hellos: list[list[Any]] = []

    async def script(ws: WebSocketServerProtocol, n: int) -> None:
        hellos.append((await receive(ws))[0])
        quick = {"heartbeatMs": 50, "heartbeatTimeoutMs": 50, "ackEvery": 256}
        await send(ws, [2, "session", "t", n > 1, 0, quick])
        if n == 1:
            await ws.wait_closed()  # never a PING: the client must give up on this connection
            closes.append(ws.close_code)
            return
        await ws.wait_closed()

    async def test(url: str) -> None:
        async with fast_client(url) as client:
            while client.resumes < 1:
                await asyncio.sleep(0.01)

    asyncio.run(serve(script, test))
    assert closes == [4000]
    assert hellos[1][2] == "t"
