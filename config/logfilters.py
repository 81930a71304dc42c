"""Logging filters named in `settings.LOGGING`."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

# Query parameters that carry a credential: CryptoShop's access token (its API and the
# seller back office take `?access_token=`), the WebSocket's `?token=` / `?access_token=`.
CREDENTIAL_PARAMETERS = frozenset({"access_token", "accessToken", "token"})
_PARAMETER = re.compile(r"(?<=[?&])([^=&#\s\"']+)=([^&#\s\"']*)")


def _redact_parameter(match: re.Match[str]) -> str:
    # Django decodes the name before looking it up: `access%5Ftoken` is `access_token` too
    if unquote_plus(match.group(1)) in CREDENTIAL_PARAMETERS:
        return f"{match.group(1)}=[redacted]"
    return match.group(0)


def redact(text: str) -> str:
    """`text` with the value of every credential query parameter replaced by `[redacted]`."""
    if "=" not in text:
        return text
    return _PARAMETER.sub(_redact_parameter, text)


class RedactCredentials(logging.Filter):
    """Keeps credentials in URLs out of the logs: uvicorn writes every request line with its
    query string (the access log) and every WebSocket it accepts.

    The arguments are redacted one by one and keep their shape (uvicorn's access formatter
    unpacks them); the message itself only when it has no arguments, so that a format
    string never loses a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict) and args:
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True
