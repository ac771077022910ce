"""Hostile Hubs at the byte level, next to `hubserver.LocalHub` (whose werkzeug cannot send these).

`HostileHub` is a raw TCP server on 127.0.0.1: each request is answered by the script registered
for the longest matching path prefix, a generator of raw bytes (status line, headers, body) sent
as they come, then the connection is closed. The scripts below are what issue 15 found and what
we added: headers one byte at a time, an endless body, a big valid answer, a gzip bomb, a
truncated chunked body, an HTTP/1.0 answer ended by closing. Every script stops after
`MAX_SCRIPT_SECONDS` or when the server stops, so a forgotten one cannot hang the run.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache

MAX_SCRIPT_SECONDS = 30.0
Script = Callable[[str], Iterator[bytes]]  # the request target -> raw answer bytes


class HostileHub:
    """A raw HTTP server whose answers are scripts; counts requests and bytes sent."""

    def __init__(self) -> None:
        hub = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                hub._answer(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._scripts: dict[str, Script] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self.targets: list[str] = []
        self.sent_bytes = 0

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def on(self, prefix: str, script: Script) -> HostileHub:
        self._scripts[prefix] = script
        return self

    def __enter__(self) -> HostileHub:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, sock: socket.socket) -> None:
        sock.settimeout(5)
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = sock.recv(4096)
                if not data:
                    return
                head += data
            target = head.split(b" ", 2)[1].decode("latin-1")
            with self._lock:
                self.targets.append(target)
            path = target.split("?", 1)[0]
            prefix = max((p for p in self._scripts if path.startswith(p)), key=len, default=None)
            script = self._scripts[prefix] if prefix is not None else not_found
            started = time.monotonic()
            for chunk in script(target):
                if self.stopping.is_set() or time.monotonic() - started > MAX_SCRIPT_SECONDS:
                    return
                sock.sendall(chunk)
                with self._lock:
                    self.sent_bytes += len(chunk)
        except OSError:  # the client gave up: what these tests want
            return
        finally:
            sock.close()


def head(status: str = "200 OK", headers: dict[str, str] | None = None, version: str = "HTTP/1.1") -> bytes:
    """Status line and headers; `Connection: close` unless said otherwise (the server closes after each answer)."""
    fields = {"Connection": "close", **(headers or {})}
    lines = [f"{version} {status}", *(f"{k}: {v}" for k, v in fields.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def not_found(target: str) -> Iterator[bytes]:
    body = b'{"error": "not here"}'
    yield head("404 Not Found", {"Content-Type": "application/json", "Content-Length": str(len(body))}) + body


def answer(body: bytes, status: str = "200 OK", **headers: str) -> Script:
    """One complete answer (JSON content type and a length unless given)."""
    fields = {"Content-Type": "application/json", "Content-Length": str(len(body)), "Connection": "close"}
    fields.update({k.replace("_", "-"): v for k, v in headers.items()})

    def script(target: str) -> Iterator[bytes]:
        yield head(status, fields) + body

    return script


def slow_headers(body: bytes, seconds_per_byte: float) -> Script:
    """A valid answer whose status line and headers arrive one byte every `seconds_per_byte`."""
    raw = head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body)),
                          "X-Padding": "p" * 200})  # fmt: skip

    def script(target: str) -> Iterator[bytes]:
        for index in range(len(raw)):
            yield raw[index : index + 1]
            time.sleep(seconds_per_byte)
        yield body

    return script


def endless_body(target: str) -> Iterator[bytes]:
    """200, chunked, a JSON list that never ends (64 KiB chunks as fast as the client reads)."""
    yield head("200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    piece = b"[" + b'{"id": "a/b"},' * 4600
    while True:
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
        piece = piece.replace(b"[", b"", 1) if piece.startswith(b"[") else piece


def big_list(total_bytes: int, *, declare_length: bool) -> Script:
    """A valid JSON list of about `total_bytes`, with or without a Content-Length."""
    row = json.dumps({"id": "acme/bert-x", "downloads": 1, "tags": ["bert"] * 20}).encode()
    count = max(1, total_bytes // (len(row) + 1))
    size = 2 + count * (len(row) + 1) - 1

    def script(target: str) -> Iterator[bytes]:
        fields = {"Content-Type": "application/json", "Connection": "close"}
        if declare_length:
            fields["Content-Length"] = str(size)
        yield head("200 OK", fields) + b"["
        batch = b",".join([row] * 1000)
        for start in range(0, count, 1000):
            rows = min(1000, count - start)
            yield (b"," if start else b"") + (batch if rows == 1000 else b",".join([row] * rows))
        yield b"]"

    return script


@cache
def gzip_bomb_body(decoded_bytes: int) -> bytes:
    """gzip of a valid JSON list padded with spaces: ~1,000 times smaller than what it expands to."""
    return gzip.compress(b"[" + b" " * (decoded_bytes - 2) + b"]", compresslevel=9)


def truncated_chunked(target: str) -> Iterator[bytes]:
    """A chunk that announces 4 KiB, sends 10 bytes, then the connection closes."""
    yield head("200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    yield b"1000\r\n" + b'[{"id": "a'


def http10_cut(target: str) -> Iterator[bytes]:
    """HTTP/1.0, no Content-Length: the body ends where the server closes, here mid-JSON."""
    yield head("200 OK", {"Content-Type": "application/json"}, version="HTTP/1.0") + b'[{"id": "acme/bert-'


def http10_whole(body: bytes) -> Script:
    """HTTP/1.0, no Content-Length, a complete body, then close (legal, and must work)."""

    def script(target: str) -> Iterator[bytes]:
        yield head("200 OK", {"Content-Type": "application/json"}, version="HTTP/1.0") + body

    return script
