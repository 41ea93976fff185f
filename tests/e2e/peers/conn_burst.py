#!/usr/bin/env python3
"""A burst of connections to a server, then all of them closed: how much of
the memory the burst took does the server keep? Loopback only.

  burst PORT PID N MODE [STREAMS PATH]
      N connections, each held open once it is ready:
        h1        one GET /bytes/10 answered, then idle (keep-alive)
        h2        h2c preface + SETTINGS, the server's SETTINGS came
        tls-half  a TLS ClientHello sent, the server's first flight came,
                  and the handshake never finished
        h2-stall  h2c with a window of 0 and STREAMS GETs of PATH, every
                  response head came (the server holds what it could not send)
      then all closed. Prints the server's VmRSS (kB) "<before> <with the
      burst> <after>", where "after" is read once the RSS has not changed
      for 1.5 s (at most 15 s after the close).
"""
import resource
import select
import socket
import ssl
import struct
import sys
import time

from h2_raw_client import PREFACE, vm_rss  # the peer beside this one (main-guarded)


def settled_rss(pid, quiet_s, limit_s):
    """The RSS once it has not changed for quiet_s (or after limit_s)."""
    rss, since, end = vm_rss(pid), time.time(), time.time() + limit_s
    while time.time() - since < quiet_s and time.time() < end:
        time.sleep(0.05)
        now = vm_rss(pid)
        if now != rss:
            rss, since = now, time.time()
    return rss


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def get_block(path):
    return b"\x82\x86\x04" + bytes([len(path)]) + path + b"\x01\x09localhost"


def recv_until(s, done, limit_s=20):
    buf, end = b"", time.time() + limit_s
    while not done(buf) and time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        buf += chunk
    return buf


def count_frames(buf, ftype):
    n, at = 0, 0
    while at + 9 <= len(buf):
        length = struct.unpack(">I", b"\x00" + buf[at:at + 3])[0]
        if at + 9 + length > len(buf):
            break
        n += buf[at + 3] == ftype
        at += 9 + length
    return n


def open_h1(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n")
    recv_until(s, lambda b: b"\r\n\r\n" in b and len(b.split(b"\r\n\r\n", 1)[1]) >= 10)
    return s


def open_h2(port, settings=b"", requests=b"", heads=0):
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(PREFACE + frame(4, 0, 0, settings) + frame(4, 1, 0) + requests)
    recv_until(s, lambda b: count_frames(b, 4) >= 1 and count_frames(b, 1) >= heads)
    return s


def open_tls_half(port, ctx):
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    s = ctx.wrap_socket(raw, do_handshake_on_connect=False)
    s.setblocking(False)
    try:
        s.do_handshake()  # sends the ClientHello, then wants the server's answer
    except ssl.SSLWantReadError:
        pass
    select.select([s], [], [], 20)  # the server's flight is there; we stop here
    return s


def cmd_burst(port, pid, n, mode, streams="0", path="/bytes/10000000"):
    port, pid, n, streams = int(port), int(pid), int(n), int(streams)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 64)), hard))
    before = settled_rss(pid, 0.3, 5)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    block = get_block(path.encode())
    requests = b"".join(frame(1, 0x5, 2 * i + 1, block) for i in range(streams))
    opener = {
        "h1": lambda: open_h1(port),
        "h2": lambda: open_h2(port),
        "tls-half": lambda: open_tls_half(port, ctx),
        "h2-stall": lambda: open_h2(port, struct.pack(">HI", 4, 0), requests, streams),
    }[mode]
    socks = [opener() for _ in range(n)]
    peak = settled_rss(pid, 0.3, 10)
    for s in socks:
        s.close()
    after = settled_rss(pid, 1.5, 15)
    print(before, peak, after, flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"burst": lambda: cmd_burst(*args)}[cmd]()


if __name__ == "__main__":
    main()
