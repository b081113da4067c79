"""Test set-up: the generated package on the path, the live server's URLs from the environment.

The vitest test tests/src/python/python-client.test.ts starts the server (and a fault proxy in
front of it) on loopback and runs pytest with SWITCHBOARD_URL and SWITCHBOARD_PROXY_URL set.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "generated"))


def _url(name: str) -> str:
    url = os.environ.get(name)
    if not url:
        pytest.skip(f"{name} is not set: run through tests/src/python/python-client.test.ts")
    return url


@pytest.fixture
def url() -> str:
    """The server, directly."""
    return _url("SWITCHBOARD_URL")


@pytest.fixture
def proxy_url() -> str:
    """The server behind the fault proxy, which cuts every connection after a few frames."""
    return _url("SWITCHBOARD_PROXY_URL")


@pytest.fixture(params=["json", "msgpack"])
def codec(request: pytest.FixtureRequest) -> str:
    """Each codec in turn."""
    value: str = request.param
    return value
