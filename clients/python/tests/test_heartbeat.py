"""Heartbeats: the client answers the server's PING with PONG and stays connected while idle."""

from __future__ import annotations

import asyncio

from pytest_client import Api, create_client


def test_an_idle_client_answers_pings_and_keeps_its_connection(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec]) as client:
            # The test server PINGs every 200 ms and closes (4000) a connection silent for 1 s after one.
            while client.pings_answered < 4:
                await asyncio.sleep(0.05)
            assert client.is_open
            assert client.resumes == 0
            assert await Api(client).add({"a": 1, "b": 2}) == 3

    asyncio.run(main())
