"""Every procedure kind on both codecs, through the generated package, against the live server."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from pytest_client import Api, UsersGetUserNotFoundError, create_client

from switchboard_rt import Client, RpcError


def run(coro: object) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


def test_unary_and_typed_errors(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            assert client.codec is not None and client.codec.name == codec
            api = Api(client)
            assert await api.add({"a": 2, "b": 3}) == 5
            user = await api.users.get({"id": "7"})
            assert user["name"] == "user 7" and user["tags"] == ["a"]
            with pytest.raises(UsersGetUserNotFoundError) as not_found:
                await api.users.get({"id": "missing"})
            assert not_found.value.code == "USER_NOT_FOUND"
            assert not_found.value.data == {"id": "missing"}
            assert not_found.value.retryable is False

    run(main())


def test_bad_input_gets_invalid_argument_with_issues(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            with pytest.raises(RpcError) as invalid:
                await Api(client).users.get({"id": ""})
            assert invalid.value.code == "INVALID_ARGUMENT"
            data: Any = invalid.value.data
            assert data["issues"][0]["path"] == ["id"]
            with pytest.raises(RpcError) as missing:
                await client.call("no.such.procedure", None)
            assert missing.value.code == "NOT_FOUND"
            # The connection survives both.
            assert await Api(client).add({"a": 1, "b": 1}) == 2

    run(main())


def test_streams_uploads_channels(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            api = Api(client)
            assert [n async for n in api.count({"to": 2500})] == list(range(1, 2501))
            upload = api.sum()
            for n in range(1, 101):
                await upload.send(n)
            assert await upload.finish() == 5050
            channel = api.chat({"prefix": "> "})
            await channel.send("a")
            assert await channel.__anext__() == "> a"
            await channel.send("b")
            channel.end()
            assert [line async for line in channel] == ["> b"]

    run(main())


def test_events_are_acknowledged_once(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            api = Api(client)
            what = f"event-{uuid.uuid4()}"
            await api.audit.record({"what": what}, key=what)
            # The same key again: the server answers from memory and does not run the handler.
            await api.audit.record({"what": what}, key=what)
            assert (await api.observe())["events"].count(what) == 1

    run(main())


def test_topic_with_key(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            api = Api(client)
            news = api.news(key=f"k-{codec}")
            other = api.news(key="elsewhere")
            # The subscription may not be in place when the first publish runs: publish until one arrives.
            for attempt in range(50):
                await api.publish({"headline": f"h{attempt}", "key": f"k-{codec}"})
                try:
                    item = await asyncio.wait_for(news.__anext__(), 0.2)
                    break
                except asyncio.TimeoutError:
                    continue
            else:
                raise AssertionError("no item on the subscription")
            assert item["rank"] == "top" and item["headline"].startswith("h")
            assert not other.items
            await news.aclose()
            await other.aclose()

    run(main())


def test_cancelling_a_call_aborts_its_handler(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            api = Api(client)
            before = (await api.observe())["aborted"].count("wait")
            task = asyncio.create_task(api.wait({"ms": 60_000}))
            await asyncio.sleep(0)
            await api.add({"a": 0, "b": 0})  # the CALL of `wait` went out before this answer
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(100):
                if (await api.observe())["aborted"].count("wait") > before:
                    return
            raise AssertionError("the handler was not aborted")

    run(main())


def test_a_stream_cancelled_midway_stops_the_producer(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec], credit_window=64) as client:
            api = Api(client)
            stream = api.count({"to": 1_000_000})
            async for n in stream:
                if n == 100:
                    break
            await stream.aclose()
            produced = (await api.observe())["produced"]
            assert produced < 100 + 2 * 64

    run(main())


def test_an_api_the_server_does_not_serve_is_refused_with_the_tokens_it_does(url: str) -> None:
    async def main() -> None:
        client = Client(url, api=("pytest", "999"), codecs=["msgpack", "json"])
        with pytest.raises(RpcError) as refused:
            await client.connect()
        assert refused.value.code == "UNSUPPORTED_PROTOCOL"
        data: Any = refused.value.data
        assert "switchboard.v1.json.pytest.1" in data["supported"]
        assert data["offered"][:2] == ["switchboard.v1.msgpack.pytest.999", "switchboard.v1.json.pytest.999"]
        await client.close()

    run(main())
