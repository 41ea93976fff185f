#!/usr/bin/env python3
"""A fake HTTP proxy for e2e tests of `sluice get -x` (loopback only).

usage: fakeproxy.py MODE PORT
Each connection is handled by MODE:
  echo     answers every request (kept alive) with 200 and, as the body, the
           request head exactly as received: what a proxy sees
  refuse-N answers the first request (a CONNECT) with status N    -> exit 56
  close    reads the first request and closes without a byte     -> exit 56 (CONNECT)
Prints "connection N" to stderr for each connection that sent a request.
Stops by itself after a minute without a connection.
"""
import sys

import accept_loop

MODE, PORT = sys.argv[1], int(sys.argv[2])


def read_head(conn, pending):
    while b"\r\n\r\n" not in pending[0]:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        pending[0] += chunk
    head, pending[0] = pending[0].split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n"


def handle(conn, number):
    pending = [b""]
    try:
        head = read_head(conn, pending)
        if head is None:
            return
        print("connection", number, file=sys.stderr, flush=True)
        if MODE == "close":
            return
        if MODE.startswith("refuse-"):
            status = MODE.split("-", 1)[1]
            conn.sendall(f"HTTP/1.1 {status} No\r\nProxy-Authenticate: Basic realm=\"p\"\r\n"
                         "Content-Length: 2\r\n\r\nno".encode())
            conn.recv(1)  # until the client closes
            return
        while head is not None:  # echo
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(head) + head)
            head = read_head(conn, pending)
    except OSError:
        pass
    finally:
        conn.close()


accept_loop.serve_threads(PORT, handle)
