"""The placeholder API, run for real with Node.js: it must pass the load balancer's
health check and echo WebSocket messages on /ws, or the first deploy is unhealthy."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import shutil
import socket
import struct
import subprocess
import time
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "placeholder" / "server.js"
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@pytest.fixture(scope="module")
def placeholder():
    node = shutil.which("node")
    assert node, "node is on PATH under `make test` (node_modules/.bin)"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "HEALTH_CHECK_PATH": "/api/health"}
    process = subprocess.Popen([node, str(SERVER)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield port
    process.terminate()
    assert process.wait(timeout=10) == 0  # SIGTERM stops it cleanly (ECS, PM2)


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, response.read()


def test_health_check_answers_200(placeholder):
    status, body = _get(placeholder, "/api/health")
    assert status == 200 and b'"status":"ok"' in body


def test_other_api_paths_do_not_pretend_to_work(placeholder):
    assert _get(placeholder, "/api/orders")[0] == 503
    assert _get(placeholder, "/elsewhere")[0] == 404


def _frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (RFC 6455)."""
    mask = os.urandom(4)
    header = bytes([0x80 | opcode])
    length = len(payload)
    header += bytes([0x80 | length]) if length < 126 else bytes([0x80 | 126]) + struct.pack(">H", length)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = sock.recv(2, socket.MSG_WAITALL)
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack(">H", sock.recv(2, socket.MSG_WAITALL))
    payload = sock.recv(length, socket.MSG_WAITALL) if length else b""
    return first & 0x0F, payload


@pytest.mark.parametrize("message", [b"hello", b"x" * 300])
def test_websocket_echo_on_ws(placeholder, message):
    key = base64.b64encode(os.urandom(16))
    with socket.create_connection(("127.0.0.1", placeholder), timeout=5) as sock:
        sock.sendall(b"GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101")
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
        assert b"Sec-WebSocket-Accept: " + accept in head
        sock.sendall(_frame(0x1, message))
        assert _read_frame(sock) == (0x1, message)
        sock.sendall(_frame(0x9, b"ping"))
        assert _read_frame(sock) == (0xA, b"ping")


def test_websocket_elsewhere_is_refused(placeholder):
    with socket.create_connection(("127.0.0.1", placeholder), timeout=5) as sock:
        sock.sendall(b"GET /other HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        assert sock.recv(64).startswith(b"HTTP/1.1 400")
