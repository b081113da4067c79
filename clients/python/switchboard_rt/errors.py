"""Errors as data with stable codes (docs/protocol.md sections 3.10 and 7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from .protocol import ERROR_RETRYABLE

TData = TypeVar("TData")


class RpcError(Exception, Generic[TData]):
    """A failed call: `code` from the protocol's table or an application code, with its `data`.

    `retryable` defaults as the protocol's table says (false for application codes) unless the
    server said otherwise.
    """

    code: str
    data: TData

    def __init__(self, code: str, message: str, data: TData, retryable: bool | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data
        self.retryable = ERROR_RETRYABLE.get(code, False) if retryable is None else retryable


#: Maps application error codes to the exception classes a generated client raises for them.
ErrorMap = Mapping[str, type[RpcError[Any]]]


def error_from_wire(message: list[Any], errors: ErrorMap | None = None) -> RpcError[Any]:
    """Builds the error of an ERROR message `[15, id, code, message, data?, retryable?]`."""
    code = message[2] if len(message) > 2 and isinstance(message[2], str) else "INTERNAL"
    text = message[3] if len(message) > 3 and isinstance(message[3], str) else ""
    data = message[4] if len(message) > 4 else None
    retryable = message[5] if len(message) > 5 and isinstance(message[5], bool) else None
    cls: type[RpcError[Any]] = errors.get(code, RpcError) if errors else RpcError
    return cls(code, text, data, retryable)


def local_error(code: str, message: str, data: Any = None) -> RpcError[Any]:
    """An error the client raises itself (CONNECTION_CLOSED, SESSION_LOST, CANCELLED ...)."""
    return RpcError(code, message, data)
