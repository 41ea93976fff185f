#!/usr/bin/env python3
"""A raw-bytes HTTP/2 server that misbehaves on purpose (loopback only).

usage: h2_fake_server.py MODE PORT
  rst      answers stream 1 with RST_STREAM(INTERNAL_ERROR)    -> exit 92
  goaway   answers with GOAWAY(PROTOCOL_ERROR, last stream 0)  -> exit 16
  garbage  sends a frame that breaks the framing layer        -> exit 16
  goaway-kept  GOAWAY(COMPRESSION_ERROR) keeping stream 1, then closes -> exit 16
  goaway-mid   a head and 5 body bytes, GOAWAY(INTERNAL_ERROR), close  -> exit 16
  status-CODE  a response whose :status is CODE as given (e.g. status-051)
  burst-stall  of a 100 MB body, 10 fast 64 KiB bursts and 123 bytes (inside
               the 1 MiB window), then stalls: bytes short of SO_RCVLOWAT -> exit 28
It reads the client preface and frames without decoding HPACK: enough to
provoke the client's error paths. Stops after 60 s without a client.
"""
import socket
import struct
import sys
import time

MODE, PORT = sys.argv[1], int(sys.argv[2])


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream) + payload


def serve(conn):
    data = b""
    # Wait for the client's HEADERS (type 1) on stream 1.
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
        if len(data) < 24:
            continue
        pos, seen_headers = 24, False
        while pos + 9 <= len(data):
            length = int.from_bytes(data[pos:pos + 3], "big")
            if data[pos + 3] == 1:
                seen_headers = True
            pos += 9 + length
        if seen_headers:
            break
    out = frame(4, 0, 0) + frame(4, 1, 0)  # our SETTINGS, and an ACK of theirs
    if MODE == "rst":
        out += frame(3, 0, 1, struct.pack(">I", 2))
    elif MODE == "goaway":
        out += frame(7, 0, 0, struct.pack(">II", 0, 1))
    elif MODE == "garbage":
        out += frame(4, 0, 0, b"\x00\x00\x00")  # SETTINGS payload not a multiple of 6
    elif MODE == "goaway-kept":
        out += frame(7, 0, 0, struct.pack(">II", 1, 9))
    elif MODE == "goaway-mid":  # :status 200 (static index 8), then part of a body
        out += frame(1, 4, 1, b"\x88") + frame(0, 0, 1, b"hello") + frame(7, 0, 0, struct.pack(">II", 1, 2))
    elif MODE.startswith("status-"):  # a :status literal as given, END_STREAM
        code = MODE[len("status-"):].encode()
        out += frame(1, 5, 1, b"\x08" + bytes([len(code)]) + code)
    elif MODE == "burst-stall":  # :status 200, content-length: 100000000 (literal, indexed name)
        out += frame(1, 4, 1, b"\x88\x5c\x09100000000")
        conn.sendall(out)
        for _ in range(10):
            conn.sendall(b"".join(frame(0, 0, 1, b"b" * 16384) for _ in range(4)))
            time.sleep(0.002)
        out = frame(0, 0, 1, b"b" * 123)
    conn.sendall(out)
    if MODE.startswith("goaway-"):
        return  # the caller closes the connection
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", PORT))
srv.listen(8)
srv.settimeout(60)
while True:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        break
    c.settimeout(10)
    try:
        serve(c)
    except OSError:
        pass
    finally:
        c.close()
