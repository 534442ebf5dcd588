# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) 2026 dnsops.dnssec contributors
"""A UDP and TCP DNS proxy that can drop, fail or delay the queries it forwards."""

from __future__ import annotations

import socket
import struct
import threading
import time

from .faults import FaultTable

RCODES = {"servfail": 2, "refused": 5}

# How long a dropped TCP connection is held open before it is closed.
DROP_HOLD = 30.0


def error_reply(query: bytes, rcode: int) -> bytes | None:
    """Return a reply to the wire-format ``query`` with ``rcode`` and no records.

    The question section is copied; None when the query is too short to answer.
    """
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    end = 12
    if qdcount:
        while end < len(query) and query[end] != 0:
            if query[end] & 0xC0:
                return None
            end += query[end] + 1
        end += 5
        if end > len(query):
            return None
    # QR, the opcode and RD from the query, and the RCODE.
    reply_flags = 0x8000 | (flags & 0x7900) | rcode
    header = struct.pack("!HHHHHH", qid, reply_flags, 1 if qdcount else 0, 0, 0, 0)
    return header + query[12:end]


def _family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _read_exact(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class FaultProxy:
    """Forward DNS on ``address``:``port`` to ``address``:``backend_port``.

    The fault mode of ``address`` in ``faults`` is read for every UDP query
    and every TCP connection.
    """

    def __init__(
        self, address: str, port: int, backend_port: int, faults: FaultTable
    ) -> None:
        self.address = address
        self.port = port
        self.backend = (address, backend_port)
        self.faults = faults
        self._stop = threading.Event()
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Bind both sockets and start serving; raise OSError if a bind fails."""
        family = _family(self.address)
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            udp.bind((self.address, self.port))
            tcp.bind((self.address, self.port))
            tcp.listen(64)
        except OSError:
            udp.close()
            tcp.close()
            raise
        udp.settimeout(0.2)
        tcp.settimeout(0.2)
        self._udp, self._tcp = udp, tcp
        for target in (self._serve_udp, self._serve_tcp):
            thread = threading.Thread(
                target=target, name=f"proxy-{self.address}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop serving and close both sockets."""
        self._stop.set()
        for thread in self._threads:
            thread.join(2.0)
        for sock in (self._udp, self._tcp):
            if sock is not None:
                sock.close()

    def _serve_udp(self) -> None:
        assert self._udp is not None
        while not self._stop.is_set():
            try:
                query, peer = self._udp.recvfrom(65535)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(
                target=self._answer_udp, args=(query, peer), daemon=True
            ).start()

    def _answer_udp(self, query: bytes, peer: tuple[str, int]) -> None:
        assert self._udp is not None
        mode, seconds = self.faults.get(self.address)
        if mode == "drop":
            return
        if mode in RCODES:
            reply = error_reply(query, RCODES[mode])
        else:
            if mode == "delay":
                time.sleep(seconds)
            reply = self._forward_udp(query)
        if reply is not None and not self._stop.is_set():
            try:
                self._udp.sendto(reply, peer)
            except OSError:
                pass

    def _forward_udp(self, query: bytes) -> bytes | None:
        with socket.socket(_family(self.address), socket.SOCK_DGRAM) as sock:
            sock.settimeout(3.0)
            try:
                sock.sendto(query, self.backend)
                return sock.recv(65535)
            except OSError:
                return None

    def _serve_tcp(self) -> None:
        assert self._tcp is not None
        while not self._stop.is_set():
            try:
                conn, _peer = self._tcp.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            threading.Thread(target=self._answer_tcp, args=(conn,), daemon=True).start()

    def _answer_tcp(self, conn: socket.socket) -> None:
        conn.settimeout(None)
        with conn:
            mode, seconds = self.faults.get(self.address)
            if mode == "drop":
                conn.settimeout(DROP_HOLD)
                try:
                    while conn.recv(4096) and not self._stop.is_set():
                        pass
                except OSError:
                    pass
            elif mode in RCODES:
                self._fail_tcp(conn, RCODES[mode])
            else:
                if mode == "delay":
                    time.sleep(seconds)
                self._pipe_tcp(conn)

    def _fail_tcp(self, conn: socket.socket, rcode: int) -> None:
        conn.settimeout(10.0)
        try:
            while True:
                size = _read_exact(conn, 2)
                query = (
                    _read_exact(conn, struct.unpack("!H", size)[0]) if size else None
                )
                if query is None:
                    return
                reply = error_reply(query, rcode)
                if reply is None:
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return

    def _pipe_tcp(self, conn: socket.socket) -> None:
        try:
            backend = socket.create_connection(self.backend, timeout=3.0)
        except OSError:
            return
        backend.settimeout(None)
        with backend:
            upstream = threading.Thread(target=_copy, args=(conn, backend), daemon=True)
            upstream.start()
            _copy(backend, conn)
            upstream.join(1.0)


def _copy(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65535)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass
