"""Message types, close codes and error codes of docs/protocol.md, version 1."""

from __future__ import annotations

from typing import Final

WIRE_VERSION: Final = "v1"
FALLBACK_TOKEN: Final = "switchboard"


class MessageType:
    """Message type numbers (docs/protocol.md section 3)."""

    HELLO: Final = 1
    WELCOME: Final = 2
    PING: Final = 3
    PONG: Final = 4
    POS: Final = 5
    GOAWAY: Final = 6
    CALL: Final = 10
    DATA: Final = 11
    CREDIT: Final = 12
    END: Final = 13
    CANCEL: Final = 14
    ERROR: Final = 15
    EVENT: Final = 16
    ACK: Final = 17
    PUB: Final = 18
    SUBSCRIBED: Final = 26


#: Server-to-client messages counted for session resume (ERROR only on a stream other than 0).
SEQUENCED_FROM_SERVER: Final = frozenset(
    {
        MessageType.DATA,
        MessageType.CREDIT,
        MessageType.END,
        MessageType.ERROR,
        MessageType.ACK,
        MessageType.PUB,
        MessageType.SUBSCRIBED,
    }
)


class CloseCode:
    """The close codes this client sends or acts on (docs/protocol.md section 6)."""

    NORMAL: Final = 1000
    GOING_AWAY: Final = 1001
    ABNORMAL: Final = 1006
    MESSAGE_TOO_BIG: Final = 1009
    SERVICE_RESTART: Final = 1012
    TRY_AGAIN_LATER: Final = 1013
    HEARTBEAT_TIMEOUT: Final = 4000
    OVERLOADED: Final = 4001
    INVALID_MESSAGE: Final = 4400
    RESUME_REJECTED: Final = 4410
    WRONG_FRAME_TYPE: Final = 4415
    CREDIT_EXCEEDED: Final = 4430


def close_action(code: int) -> str:
    """What a client does after a close: 'reconnect', 'refresh' (credentials) or 'stop'.

    As the reconnect guide's table: 1000, 1009 and 4200-4999 stop (the 44xx violations and the
    application range 4500-4999), 41xx refresh, everything else reconnects and resumes.
    """
    if code in (CloseCode.NORMAL, CloseCode.MESSAGE_TOO_BIG) or 4200 <= code <= 4999:
        return "stop"
    if 4100 <= code < 4200:
        return "refresh"
    return "reconnect"


#: Closes after which the client waits longer: the server sheds load.
SLOW_RETRY_CODES: Final = frozenset({CloseCode.OVERLOADED, CloseCode.TRY_AGAIN_LATER})

#: The protocol's error codes and whether repeating the request may succeed (section 7).
ERROR_RETRYABLE: Final[dict[str, bool]] = {
    "CANCELLED": False,
    "INVALID_ARGUMENT": False,
    "NOT_FOUND": False,
    "UNAUTHENTICATED": False,
    "PERMISSION_DENIED": False,
    "FAILED_PRECONDITION": False,
    "RESOURCE_EXHAUSTED": True,
    "SLOW_CONSUMER": False,
    "UNAVAILABLE": True,
    "INTERNAL": False,
    "UNSUPPORTED_PROTOCOL": False,
    "PROTOCOL_ERROR": False,
    "DEADLINE_EXCEEDED": True,
    "PAYLOAD_TOO_LARGE": False,
    "CONNECTION_CLOSED": True,
    "SESSION_LOST": True,
}


def subprotocol(codec: str, api: tuple[str, str] | None) -> str:
    """The subprotocol token for `codec` and the API `(name, version)` (section 1.1)."""
    token = f"switchboard.{WIRE_VERSION}.{codec}"
    return f"{token}.{api[0]}.{api[1]}" if api else token
