"""uvicorn's httptools protocol, with what one step of the event loop writes sent in one write.

uvicorn writes a response's status line and headers, then its body, each straight to the socket.
On loopback each write is a segment of its own that wakes the reader: a small answer cost two
wake-ups at the caller and two send calls here. Every process runs with
`--http services.common.serving:HttpProtocol`.
"""

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# A larger run of writes goes out at once, so that a long answer still meets the socket's flow control.
FLUSH_AT = 64 * 1024


class CoalescingTransport:
    """Holds the writes of one event-loop step and writes them joined when the step ends."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self.transport = transport
        self.loop = loop
        self.pending: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append(data)
        self.size += len(data)
        if self.size >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending.clear()
        self.size = 0
        if not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str):
        return getattr(self.transport, name)


class HttpProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.transport = CoalescingTransport(transport, self.loop)  # type: ignore[assignment]

    def send_400_response(self, msg: str) -> None:
        """A request too broken to parse is refused as every other error is: a problem, not plain text."""
        body = json.dumps({"type": "urn:zhenxing:problem:malformed_request", "title": "Bad request", "status": 400,
                           "detail": msg, "code": "malformed_request"}).encode()
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
        head += [b"content-type: application/problem+json\r\n", b"content-length: %d\r\n" % len(body),
                 b"connection: close\r\n\r\n"]
        self.transport.write(b"".join(head) + body)
        self.transport.close()
