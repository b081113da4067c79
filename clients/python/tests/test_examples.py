"""The generated package of an example (examples/hello) against that example's own server."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from switchboard_rt import RpcError

sys.path.insert(0, str(Path(__file__).parents[3] / "examples/hello/src/generated/python"))

from hello_client import Api, create_client  # noqa: E402


@pytest.fixture
def hello_url() -> str:
    url = os.environ.get("SWITCHBOARD_HELLO_URL")
    if not url:
        pytest.skip("SWITCHBOARD_HELLO_URL is not set: run through tests/src/python/python-client.test.ts")
    return url


def test_the_hello_example(hello_url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(hello_url, codecs=[codec]) as client:
            api = Api(client)
            assert await api.greet({"name": "Ada"}) == "Hello, Ada!"
            assert [n async for n in api.countdown({"from": 3})] == [3, 2, 1, 0]
            with pytest.raises(RpcError) as invalid:
                await api.greet({"name": ""})
            data: Any = invalid.value.data
            assert invalid.value.code == "INVALID_ARGUMENT" and data["issues"][0]["path"] == ["name"]

    asyncio.run(main())
