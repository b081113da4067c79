"""The runtime's pure parts: codecs, session counts, backoff and close actions."""

from __future__ import annotations

import datetime

import msgpack
import pytest

from switchboard_rt import ReconnectOptions, close_action, subprotocol
from switchboard_rt.codec import BIGINT_EXT, MAP_EXT, JsonCodec, MsgpackCodec, codec_for
from switchboard_rt.errors import RpcError
from switchboard_rt.session import SessionCounts


def test_msgpack_frames_round_trip_with_the_protocol_extensions() -> None:
    codec = MsgpackCodec()
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    message = [11, 1, {"big": 2**70, "neg": -(2**70), "at": when, "raw": b"\x00\x01", "n": 2**63}]
    frame = codec.frame([codec.encode(message), codec.encode([13, 1])])
    assert codec.decode(frame) == [message, [13, 1]]


def test_msgpack_reads_maps_and_big_integers_written_by_the_typescript_codec() -> None:
    pairs = msgpack.packb([[1, "one"], ["two", 2]])
    big = (2**80).to_bytes(11, "big", signed=True)
    frame = msgpack.packb([[11, 1, [msgpack.ExtType(MAP_EXT, pairs), msgpack.ExtType(BIGINT_EXT, big)]]])
    assert MsgpackCodec().decode(frame) == [[11, 1, [{1: "one", "two": 2}, 2**80]]]


def test_json_frames_and_values_json_cannot_hold() -> None:
    codec = JsonCodec()
    assert codec.decode(codec.frame([codec.encode([4, 3]), codec.encode([5, 3])])) == [[4, 3], [5, 3]]
    with pytest.raises(RpcError) as nan:
        codec.encode([10, 1, "add", float("nan")])
    assert nan.value.code == "INVALID_ARGUMENT"
    with pytest.raises(ValueError):
        codec.decode(b"[]")
    with pytest.raises(ValueError):
        MsgpackCodec().decode("[]")
    with pytest.raises(ValueError):
        codec_for("msgpackr")


def test_session_counts_keep_what_the_peer_has_not_acknowledged() -> None:
    counts = SessionCounts(buffer=3)
    for n in range(1, 5):
        counts.sending([10, n, "p", None])
    # Four sent, three kept: the oldest fell out of the buffer.
    assert counts.can_resume_from(1) and not counts.can_resume_from(0)
    assert not counts.can_resume_from(5)
    assert [m[1] for m in counts.unacknowledged(2)] == [3, 4]
    counts.ack(4)
    assert counts.unacknowledged(4) == [] and counts.can_resume_from(4)


def test_full_jitter_backoff_stays_under_its_ceiling_and_waits_longer_when_told_to() -> None:
    options = ReconnectOptions(initial_delay=0.1, max_delay=1.0, slow_delay=2.0)
    for attempt in range(12):
        assert 0 <= options.delay(attempt, slow=False) <= min(1.0, 0.1 * 2**attempt)
        assert options.delay(attempt, slow=True) >= 2.0


def test_close_actions_follow_the_close_code_table() -> None:
    assert [close_action(code) for code in (1000, 1009, 4400, 4430, 4500, 4999)] == ["stop"] * 6
    assert [close_action(code) for code in (1001, 1006, 1012, 1013, 4000, 4001, 4002)] == ["reconnect"] * 7
    assert close_action(4100) == "refresh"
    assert subprotocol("msgpack", ("billing", "2026-01")) == "switchboard.v1.msgpack.billing.2026-01"
    assert subprotocol("json", None) == "switchboard.v1.json"
