#!/usr/bin/env python3
"""A misbehaving HTTP/1.1 server for e2e tests of `sluice get` (loopback only).

usage: badserver.py MODE PORT
Each connection is handled by MODE:
  lying-cl     Content-Length: 1000, sends 500 bytes, closes        -> exit 18
  empty        accepts, reads the request, closes                   -> exit 52
  garbage      answers with a line that is not HTTP                 -> exit 8
  reset        sends headers and part of the body, then RST         -> exit 56
  stall        reads the request and never answers                  -> exit 28 with -m
  stall-body   headers + 100 bytes of a 1000-byte body, then stalls -> exit 28, 100 bytes kept
  burst-stall  of a 100 MB body, 10 fast 64 KiB bursts and 123 bytes, then
               stalls: bytes short of SO_RCVLOWAT                   -> exit 28, 655483 bytes kept
  stale-redirect  as stale, each first answer a redirect: /hop/K -> /hop/K-1,
               "done" at 0                                          -> every hop retried once
  stale        keep-alive: answers the first request on a connection,
               closes on the second without a byte                  -> retried once
  endless-head a status line, then header lines forever              -> exit 56
  endless-trailers  a chunked body, then trailer lines forever      -> exit 56, body kept
  no-status    "HTTP/1.1 " and a blank line: no status code         -> exit 8
  status-051   "HTTP/1.1 051 X", a 2-byte body: three digits, no status -> exit 1
  trailers     a chunked body "hello" with a trailer X-T: 1           -> exit 0
  bare-lf      a head whose lines end in LF alone, body "ok"          -> exit 0, as curl
  te-gzip      "Transfer-Encoding: gzip, chunked" (curl needs --tr-encoding) -> exit 61
  te-unknown   "Transfer-Encoding: foo, chunked"                     -> exit 61
  ce-broken    "Content-Encoding: gzip" on bytes that are not gzip   -> 0, or 61 with --compressed
  ce-truncated half of a gzip body, then a clean end                -> 0, or 61 with --compressed
  ce-unknown   "Content-Encoding: foo"                               -> 0, or 61 with --compressed
  half-upload  reads the head and 100 kB of the request body, then closes
               without a byte of answer                             -> exit 52, 55 or 56
  request-line the request's first line as the body, "Connection: close"  -> exit 0
  expect-silent never a 100 Continue: reads the body whenever it comes and
               answers "got N expect=0|1"                             -> exit 0
  expect-reject "Expect: 100-continue" is answered 413 at once (no body read) -> exit 0
  expect-417   "Expect: 100-continue" is answered 417; a request without it,
               "got N expect=0"                                       -> exit 0
  switch       101 Switching Protocols to h2c, then bytes that are not
               HTTP/2                                               -> exit 8, or 16 with --http2
  dup-cl       "Content-Length: 5" twice, body "hello"                 -> exit 0, as curl 8
  dup-cl-list  "Content-Length: 5, 5", body "hello"                    -> exit 0, as curl 8
  dup-cl-differ "Content-Length: 5" and "Content-Length: 6"           -> exit 8
  cl-chunked   Content-Length: 100 and a chunked "hello": chunked wins -> exit 0, as curl
  chunk-ext-space  a chunk size line "5 ;foo=bar"                     -> exit 0, as curl
  http09       a body without any status line                          -> exit 1, as curl
  long-header  one header line of 101 KiB                              -> exit 100, as curl 8
  many-headers 5001 header lines                                      -> exit 100, as curl 8
  empty-location a 302 with "Location:" empty, body "moved"           -> not followed, exit 0
  bad-scheme   a 302 to ftp2://x/y, body "moved"                      -> exit 1 under -L, no body
  head-echo    the request's head, byte for byte, as the body         -> exit 0
  method-echo  GET /r/CODE: a CODE redirect to /echo; /echo answers
               "METHOD LENGTH": the method and body length it got   -> exit 0
Prints "request on connection N" to stderr for each connection that sent a
request (a bare readiness probe is not counted), so tests can count them.
"""
import fcntl
import gzip
import socket
import struct
import sys
import termios
import time

import accept_loop

MODE, PORT = sys.argv[1], int(sys.argv[2])


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    return data


def read_body(conn, request):
    """The Content-Length body of a request whose head (and maybe part of
    the body) is in `request`."""
    head, _, body = request.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return body[:length]


def serve_expect(conn, request):
    """The expect-* modes, request after request on the connection."""
    while request:
        expects = b"\r\nexpect: 100-continue" in request.split(b"\r\n\r\n", 1)[0].lower()
        if expects and MODE == "expect-reject":
            conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n"
                         b"Connection: close\r\n\r\nbig\n")
            wait_closed(conn, 5)
            return
        if expects and MODE == "expect-417":
            conn.sendall(b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n")
        else:
            body = read_body(conn, request)
            conn.sendall(ok(b"got %d expect=%d\n" % (len(body), expects)))
        request = read_request(conn)


def wait_sent(conn, limit_s=10):
    """Until the peer has acknowledged everything sent (nothing left in our
    send queue), or limit_s passes."""
    deadline = time.time() + limit_s
    while time.time() < deadline:
        unacked = struct.unpack("i", fcntl.ioctl(conn, termios.TIOCOUTQ, b"\0" * 4))[0]
        if unacked == 0:
            return
        time.sleep(0.005)


def wait_closed(conn, limit_s=10):
    """Until the peer closes the connection (or resets it), or limit_s passes."""
    conn.settimeout(limit_s)
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


def serve_method_echo(conn, request):
    """GET /r/CODE redirects with CODE to /echo, which answers "METHOD
    LENGTH" for the method and body length it got; request after request."""
    while request is not None:
        method, path = request.split(b" ", 2)[:2]
        body = read_body(conn, request)
        if path.startswith(b"/r/"):
            conn.sendall(b"HTTP/1.1 %s Moved\r\nLocation: /echo\r\nContent-Length: 0\r\n\r\n"
                         % path[3:])
        else:
            conn.sendall(ok(method + b" %d" % len(body)))
        request = read_request(conn)


def ok(body=b"hello\n", extra=b""):
    return (b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n" % len(body)) + extra + b"\r\n" + body


# The modes that answer every request with the same bytes.
CANNED = {
    "dup-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "dup-cl-list": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
    "dup-cl-differ": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "cl-chunked": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n"
                  b"\r\n5\r\nhello\r\n0\r\n\r\n",
    "chunk-ext-space": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                       b"5 ;foo=bar\r\nhello\r\n0\r\n\r\n",
    "http09": b"hello, no status line\n",
    "long-header": b"HTTP/1.1 200 OK\r\nX-Long: " + b"l" * (101 * 1024) +
                   b"\r\nContent-Length: 2\r\n\r\nhi",
    "many-headers": b"HTTP/1.1 200 OK\r\n" + b"X-H: 1\r\n" * 5001 + b"Content-Length: 2\r\n\r\nhi",
    "empty-location": b"HTTP/1.1 302 Found\r\nLocation:\r\nContent-Length: 5\r\n\r\nmoved",
    "bad-scheme": b"HTTP/1.1 302 Found\r\nLocation: ftp2://x/y\r\nContent-Length: 5\r\n\r\nmoved",
    # A head as servers write it, not as a parser rebuilds it: no reason
    # phrase, blanks kept, a bare LF, a folded line.
    "odd-head": b"HTTP/1.1 200\r\nContent-Length: 2\r\nX-A:  spaced  \r\nx-lower: v\n"
                b"Folded: a\r\n b\r\n\r\nok",
}


def handle(conn, number):
    try:
        request = read_request(conn)
        if request is None:
            return
        print("request on connection", number, file=sys.stderr, flush=True)
        if MODE == "request-line":
            conn.sendall(ok(request.split(b"\r\n", 1)[0] + b"\n", b"Connection: close\r\n"))
        elif MODE == "lying-cl":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500)
        elif MODE == "empty":
            pass
        elif MODE == "garbage":
            conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        elif MODE == "reset":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"y" * 1000)
            # The RST discards what is still unacknowledged: send it once the
            # client's kernel has taken every byte.
            wait_sent(conn)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif MODE == "stall":
            time.sleep(30)
        elif MODE == "stall-body":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"z" * 100)
            time.sleep(30)
        elif MODE == "burst-stall":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
            for _ in range(10):
                conn.sendall(b"b" * 65536)
                time.sleep(0.002)
            conn.sendall(b"b" * 123)
            time.sleep(30)
        elif MODE in ("endless-head", "endless-trailers"):
            conn.sendall(b"HTTP/1.1 200 OK\r\n" if MODE == "endless-head" else
                         b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5\r\nhello\r\n0\r\n")
            deadline = time.time() + 20  # the client gives up long before
            while time.time() < deadline:
                conn.sendall(b"X-More: " + b"m" * 1000 + b"\r\n")
        elif MODE == "trailers":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n")
        elif MODE == "bare-lf":
            conn.sendall(b"HTTP/1.1 200 OK\nContent-Length: 2\nX-A: b\n\nok")
        elif MODE in ("te-gzip", "te-unknown"):
            coded = gzip.compress(b"hello gzip\n")
            coding = b"gzip" if MODE == "te-gzip" else b"foo"
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + b", chunked\r\n\r\n" +
                         b"%x\r\n" % len(coded) + coded + b"\r\n0\r\n\r\n")
        elif MODE in ("ce-broken", "ce-truncated", "ce-unknown"):
            body = {"ce-broken": b"0123456789",
                    "ce-truncated": gzip.compress(b"hello " * 1000)[:40],
                    "ce-unknown": b"foo-coded"}[MODE]
            coding = b"foo" if MODE == "ce-unknown" else b"gzip"
            conn.sendall(ok(body, b"Content-Encoding: " + coding + b"\r\n"))
        elif MODE == "half-upload":
            got = 0
            while got < 100000:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        elif MODE.startswith("expect-"):
            serve_expect(conn, request)
        elif MODE == "no-status":
            conn.sendall(b"HTTP/1.1 \r\n\r\n")
        elif MODE == "status-051":
            conn.sendall(b"HTTP/1.1 051 X\r\nContent-Length: 2\r\n\r\nhi")
        elif MODE in CANNED:
            conn.sendall(CANNED[MODE])
        elif MODE == "head-echo":
            conn.sendall(ok(request.split(b"\r\n\r\n", 1)[0] + b"\r\n", b"Connection: close\r\n"))
        elif MODE == "method-echo":
            serve_method_echo(conn, request)
        elif MODE == "switch":
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                         b"Upgrade: h2c\r\n\r\nTHIS IS NOT HTTP/2 AT ALL, NOT EVEN A FRAME")
            wait_closed(conn)  # the client ends it, on the bytes and not on our close
        elif MODE == "stale":
            conn.sendall(ok())
            read_request(conn)  # the next request on this connection gets nothing
        elif MODE == "stale-redirect":
            # GET /hop/K: 302 to /hop/K-1 (200 "done" at 0), kept alive, then
            # the next request on this connection gets nothing.
            path = request.split(b" ", 2)[1]
            hops = int(path.rsplit(b"/", 1)[1])
            if hops > 0:
                conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /hop/%d\r\n"
                             b"Content-Length: 0\r\n\r\n" % (hops - 1))
            else:
                conn.sendall(ok(b"done"))
            read_request(conn)
    finally:
        conn.close()


accept_loop.serve_threads(PORT, handle)
