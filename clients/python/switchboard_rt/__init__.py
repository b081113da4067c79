"""Switchboard's Python runtime: the client that generated packages call into."""

from .backoff import ReconnectOptions
from .calls import Channel, ServerStream, Subscription, Upload
from .client import DEFAULT_CREDIT_WINDOW, Client
from .errors import ErrorMap, RpcError
from .protocol import CloseCode, MessageType, close_action, subprotocol

__all__ = [
    "DEFAULT_CREDIT_WINDOW",
    "Channel",
    "Client",
    "CloseCode",
    "ErrorMap",
    "MessageType",
    "ReconnectOptions",
    "RpcError",
    "ServerStream",
    "Subscription",
    "Upload",
    "close_action",
    "subprotocol",
]
