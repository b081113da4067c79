"""Credit flow control: a slow Python consumer bounds what the server produces ahead of it."""

from __future__ import annotations

import asyncio

from pytest_client import Api, create_client

WINDOW = 256
ITEMS = 100_000


def test_100k_items_to_a_slow_consumer_keep_the_server_within_credit(url: str, codec: str) -> None:
    async def main() -> None:
        async with create_client(url, codecs=[codec], credit_window=WINDOW) as client, create_client(
            url, codecs=[codec]
        ) as observer:
            api = Api(client)
            watch = Api(observer)
            expected = 1
            ahead = 0
            async for n in api.count({"to": ITEMS}):
                assert n == expected
                expected += 1
                if n % 10_000 == 0:
                    # The slow part of the consumer: the server may not run ahead meanwhile.
                    await asyncio.sleep(0.02)
                    ahead = max(ahead, (await watch.observe())["produced"] - n)
            assert expected == ITEMS + 1
            # The generator is pulled only within the credit granted: at most a window ahead.
            assert ahead <= 2 * WINDOW, f"the server produced {ahead} items ahead of the consumer"

    asyncio.run(main())
