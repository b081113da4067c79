"""The `json` and `msgpack` codecs (docs/protocol.md sections 1.2 to 1.4)."""

from __future__ import annotations

import datetime
import json
import struct
from typing import Any, Protocol

import msgpack

from .errors import local_error

Encoded = str | bytes
Frame = str | bytes

MAP_EXT = 0x4D
BIGINT_EXT = 0x42


class Codec(Protocol):
    """Encodes single messages and joins them into a batch frame; decodes a frame's batch."""

    name: str
    binary: bool

    def encode(self, message: list[Any]) -> Encoded: ...

    def frame(self, encoded: list[Encoded]) -> Frame: ...

    def decode(self, frame: Frame) -> list[Any]: ...


class JsonCodec:
    """Text frames of UTF-8 JSON."""

    name = "json"
    binary = False

    def encode(self, message: list[Any]) -> Encoded:
        try:
            return json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default)
        except (TypeError, ValueError) as error:
            raise local_error("INVALID_ARGUMENT", f"cannot encode as JSON: {error}") from error

    def frame(self, encoded: list[Encoded]) -> Frame:
        return "[" + ",".join(str(part) for part in encoded) + "]"

    def decode(self, frame: Frame) -> list[Any]:
        if not isinstance(frame, str):
            raise ValueError("binary frame on a json connection")
        batch = json.loads(frame)
        if not isinstance(batch, list):
            raise ValueError("a frame is not an array")
        return batch


def _json_default(value: Any) -> Any:
    # As JSON.stringify writes them (section 1.4).
    if isinstance(value, datetime.datetime):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == MAP_EXT:
        pairs = msgpack.unpackb(data, raw=False, strict_map_key=False, ext_hook=_ext_hook, timestamp=3)
        return {_hashable(key): value for key, value in pairs}
    if code == BIGINT_EXT:
        return int.from_bytes(data, "big", signed=True)
    return msgpack.ExtType(code, data)


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def _msgpack_default(value: Any) -> Any:
    if isinstance(value, int):
        length = (value.bit_length() + 8) // 8
        return msgpack.ExtType(BIGINT_EXT, value.to_bytes(length, "big", signed=True))
    raise TypeError(f"{type(value).__name__} is not a MessagePack value")


def _array_header(length: int) -> bytes:
    if length < 16:
        return bytes([0x90 | length])
    if length < 0x10000:
        return b"\xdc" + struct.pack(">H", length)
    return b"\xdd" + struct.pack(">I", length)


class MsgpackCodec:
    """Binary frames of standard MessagePack, with the timestamp, Map and big-integer extensions."""

    name = "msgpack"
    binary = True

    def __init__(self) -> None:
        self._packer = msgpack.Packer(use_bin_type=True, datetime=True, default=_msgpack_default)

    def encode(self, message: list[Any]) -> Encoded:
        try:
            packed: bytes = self._packer.pack(message)
        except (TypeError, ValueError, OverflowError) as error:
            self._packer = msgpack.Packer(use_bin_type=True, datetime=True, default=_msgpack_default)
            raise local_error("INVALID_ARGUMENT", f"cannot encode as MessagePack: {error}") from error
        return packed

    def frame(self, encoded: list[Encoded]) -> Frame:
        return _array_header(len(encoded)) + b"".join(part if isinstance(part, bytes) else part.encode() for part in encoded)

    def decode(self, frame: Frame) -> list[Any]:
        if not isinstance(frame, bytes):
            raise ValueError("text frame on a msgpack connection")
        batch = msgpack.unpackb(frame, raw=False, strict_map_key=False, ext_hook=_ext_hook, timestamp=3)
        if not isinstance(batch, list):
            raise ValueError("a frame is not an array")
        return batch


def codec_for(name: str) -> Codec:
    """The codec named `name` ('json' or 'msgpack')."""
    if name == "json":
        return JsonCodec()
    if name == "msgpack":
        return MsgpackCodec()
    raise ValueError(f"unknown codec {name!r} (this client speaks json and msgpack)")
