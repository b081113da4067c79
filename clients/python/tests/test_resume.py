"""Session resume through the fault proxy, which cuts every connection after a few frames."""

from __future__ import annotations

import asyncio
import uuid

from pytest_client import Api, create_client

from switchboard_rt import ReconnectOptions

FAST = ReconnectOptions(initial_delay=0.002, max_delay=0.02)


def test_resume_through_cuts_loses_and_duplicates_nothing(proxy_url: str, url: str, codec: str) -> None:
    run = f"{codec}-{uuid.uuid4()}"

    async def main() -> None:
        async with create_client(proxy_url, codecs=[codec], reconnect=FAST, credit_window=64) as client:
            api = Api(client)
            items: list[int] = []

            async def stream() -> None:
                async for n in api.count({"to": 5_000}):
                    items.append(n)

            async def calls() -> list[float]:
                results: list[float] = []
                for batch in range(10):
                    results += await asyncio.gather(*(api.add({"a": batch * 20 + i, "b": 1000}) for i in range(20)))
                return results

            async def events() -> None:
                await asyncio.gather(*(api.audit.record({"what": f"resume-{run}-{i}"}) for i in range(50)))

            results, _, _ = await asyncio.gather(calls(), stream(), events())
            assert items == list(range(1, 5_001))
            assert results == [i + 1000 for i in range(200)]
            assert client.resumes >= 5, f"only {client.resumes} resumes: the proxy did not cut enough"
            assert client.sessions_lost == 0
        async with create_client(url, codecs=[codec]) as direct:
            seen = (await Api(direct).observe())["events"]
            for i in range(50):
                assert seen.count(f"resume-{run}-{i}") == 1

    asyncio.run(main())
