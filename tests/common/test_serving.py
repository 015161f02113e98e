"""The processes' HTTP protocol: an answer written in one step of the event loop leaves in one write."""

import asyncio
import json
import re
import shlex
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
import yaml

from services.common.serving import FLUSH_AT, HttpProtocol
from tests.platform import ROOT, UVICORN_OPTIONS, free_port

SMALL = b"x" * 16_000
CHUNK = b"y" * 50_000
CHUNKS = 6


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/small":
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(SMALL)).encode())]})
        await send({"type": "http.response.body", "body": SMALL})
        return
    # A long answer in parts, with the loop turning between them, as a streamed export does.
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(CHUNK) * CHUNKS).encode())]})
    for number in range(CHUNKS):
        await asyncio.sleep(0)
        await send({"type": "http.response.body", "body": CHUNK, "more_body": number < CHUNKS - 1})


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=HttpProtocol, lifespan="off", log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    yield port
    running.should_exit = True
    thread.join(timeout=10)


def request(path: str, *, close: bool = False) -> bytes:
    connection = b"close" if close else b"keep-alive"
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: test\r\nConnection: " + connection + b"\r\n\r\n"


def read_answer(sock: socket.socket, body_length: int) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < body_length:
        part = sock.recv(1 << 20)
        assert part, "the connection closed before the whole answer"
        data += part
    return data


def test_headers_and_body_leave_in_one_write(server):
    """Written apart, the headers reach the reader first and wake it twice (seen: every time)."""
    with socket.create_connection(("127.0.0.1", server)) as sock:
        for _ in range(20):
            sock.sendall(request("/small"))
            first = sock.recv(1 << 20)
            assert first.startswith(b"HTTP/1.1 200")
            head, _, body = first.partition(b"\r\n\r\n")
            assert body == SMALL, f"the first read held {len(body)} of {len(SMALL)} body bytes"


def test_a_long_answer_arrives_whole_and_in_order(server):
    assert len(CHUNK) * CHUNKS > 2 * FLUSH_AT
    with socket.create_connection(("127.0.0.1", server)) as sock:
        for _ in range(3):
            sock.sendall(request("/long"))
            answer = read_answer(sock, len(CHUNK) * CHUNKS)
            assert answer.partition(b"\r\n\r\n")[2] == CHUNK * CHUNKS


def test_a_closing_connection_sends_everything_first(server):
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(request("/small", close=True))
        data = b""
        while part := sock.recv(1 << 20):
            data += part
    assert data.partition(b"\r\n\r\n")[2] == SMALL


def launches() -> dict[str, list[str]]:
    """Every command line that starts a process: the Procfile, compose.yaml, the image's default, the tests'."""
    found = {f"Procfile {line.partition(':')[0]}": shlex.split(line.partition(":")[2])
             for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()}
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    found |= {f"compose {name}": service["command"] for name, service in compose["services"].items()
              if "uvicorn" in service.get("command", [])}
    cmd = re.search(r"^CMD (\[.*?\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE | re.DOTALL)
    found["Dockerfile CMD"] = json.loads(cmd.group(1))
    found["tests"] = list(UVICORN_OPTIONS)
    return found


def test_every_process_is_served_with_this_protocol():
    protocol = f"{HttpProtocol.__module__}:{HttpProtocol.__name__}"
    found = launches()
    assert len(found) == 4 + 4 + 1 + 1
    for where, command in found.items():
        assert protocol in command and command[command.index(protocol) - 1] == "--http", where


def test_a_request_too_broken_to_parse_is_refused_with_a_problem(server):
    with socket.create_connection(("127.0.0.1", server), timeout=5) as sock:
        sock.sendall(b"GET /small HTTP/1.1\r\nHost: test\r\nBad\x01Header: x\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-type: application/problem+json" in head
    assert json.loads(body)["code"] == "malformed_request"
