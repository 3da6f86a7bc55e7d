"""Request body size limits (ASGI middleware): oversize bodies get 413 before any route reads them."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_LIMIT", "LARGE_LIMITS", "BodySizeLimit"]

DEFAULT_LIMIT = 1 * 1024 * 1024
#: Path prefixes that take larger bodies (attachments arrive base64-encoded, at most 20 MiB decoded).
LARGE_LIMITS: dict[str, int] = {"/attachments": 28 * 1024 * 1024}


class _TooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuse request bodies over the limit for their path (by Content-Length, and while streaming)."""

    def __init__(
        self, app: ASGIApp, default: int = DEFAULT_LIMIT, large: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.large = LARGE_LIMITS if large is None else large

    def _limit(self, path: str) -> int:
        for prefix, limit in self.large.items():
            if path == prefix or path.startswith(prefix + "/"):
                return limit
        return self.default

    async def _reply(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Request body too large",
                "status": 413,
                "detail": f"the request body exceeds {limit} bytes; send a smaller body",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(str(scope.get("path", "")))
        headers: dict[bytes, bytes] = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reply(send, limit)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reply(send, limit)


def install(app: Any) -> None:
    """Add the middleware to a FastAPI/Starlette app."""
    app.add_middleware(BodySizeLimit)
