#!/usr/bin/env python3
"""Raw-socket clients for the `sluice serve` e2e tests. Loopback only.

  send PORT DATA [shut]       send DATA (backslash escapes decoded, other bytes
                              sent as they are), optionally shut down our
                              side, print everything until EOF
  slowloris PORT INTERVAL     a request head trickled one byte per INTERVAL s;
                              print the seconds until the server answered, then
                              the answer
  stall PORT PID PATH SECS    request PATH, read nothing for SECS, then read 1 MiB
                              more; print VmRSS (kB) of PID before, its peak
                              meanwhile, and the bytes read
  reset PORT PATH NBYTES      request PATH, read NBYTES, then reset the connection
  idle PORT                   one exchange, then print the seconds until the
                              server closes the idle connection
  hold PORT N SECS [idle]     N connections held open for SECS, each with a
                              partial request head (or idle after one exchange)
  tls-pipeline PORT N PATH    over TLS, N pipelined requests for PATH, each in
                              its own TLS record, the last with Connection:
                              close; read nothing until the server stops
                              sending (its output queue is full), then print
                              the bytes received until EOF
"""
import codecs
import fcntl
import os
import select
import ssl
import socket
import struct
import sys
import termios
import time


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:  # before connect, so the window is small from the start
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def read_until_eof(s, limit_s=10):
    out = b""
    deadline = time.time() + limit_s
    while time.time() < deadline:
        try:
            b = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            break
        if not b:
            break
        out += b
    return out


def get(path):
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def wire_bytes(arg):
    """An argument's bytes as given, with backslash escapes (\\r, \\xff) decoded.
    Other bytes pass unchanged: decoding the argument as text first would turn
    a raw 0xff into "\\xc3\\xbf" (or fail)."""
    return codecs.escape_decode(os.fsencode(arg))[0]


def cmd_send(port, data, shut=""):
    s = connect(int(port))
    s.sendall(wire_bytes(data))
    if shut == "shut":
        s.shutdown(socket.SHUT_WR)
    sys.stdout.buffer.write(read_until_eof(s))


def cmd_slowloris(port, interval):
    s = connect(int(port))
    start = time.time()
    s.sendall(b"GET /bytes/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    while time.time() - start < 30:
        readable, _, _ = select.select([s], [], [], float(interval))
        if readable:
            answer = read_until_eof(s, 5)
            print(f"{time.time() - start:.3f}")
            sys.stdout.buffer.write(answer)
            return
        try:
            s.sendall(b"a")
        except OSError:
            print(f"{time.time() - start:.3f}\nclosed")
            return
    print("no answer")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cmd_stall(port, pid, path, secs):
    s = connect(int(port), rcvbuf=64 * 1024)
    base = rss_kb(pid)
    s.sendall(get(path))
    peak = 0
    deadline = time.time() + float(secs)
    while time.time() < deadline:
        peak = max(peak, rss_kb(pid))
        time.sleep(0.05)
    got = 0
    while got < (1 << 20):
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    print(base, peak, got)


def cmd_reset(port, path, nbytes):
    s = connect(int(port))
    s.sendall(get(path))
    got = 0
    while got < int(nbytes):
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    # SO_LINGER 0: close() sends a RST, as a crashed client would.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print(got)


def cmd_idle(port):
    s = connect(int(port))
    s.sendall(get("/bytes/1"))
    s.recv(65536)
    start = time.time()
    s.settimeout(30)
    while s.recv(65536):
        pass
    print(f"{time.time() - start:.3f}")


def cmd_hold(port, n, secs, mode="partial"):
    conns = []
    for _ in range(int(n)):
        c = connect(int(port))
        if mode == "idle":  # one whole exchange, then an idle keep-alive connection
            c.sendall(get("/bytes/1"))
            c.recv(65536)
        else:  # some bytes, so TCP_DEFER_ACCEPT lets it through, but no whole head
            c.sendall(b"GET /bytes/1 HTTP/1.1\r\n")
        conns.append(c)
    print("holding", flush=True)
    time.sleep(float(secs))


def wait_quiet(s, quiet_s=0.2, limit_s=10):
    """Until bytes have arrived for us (unread) and their count has held still
    for quiet_s: the peer has sent all it can. At most limit_s."""
    last, since, deadline = -1, time.time(), time.time() + limit_s
    while time.time() < deadline:
        now = struct.unpack("i", fcntl.ioctl(s.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        if now != last:
            last, since = now, time.time()
        elif now > 0 and time.time() - since >= quiet_s:
            return
        time.sleep(0.01)


def cmd_tls_pipeline(port, n, path):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(connect(int(port)))
    for i in range(int(n)):
        last = i == int(n) - 1
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: a\r\n"
                  f"{'Connection: close' if last else 'X-N: ' + str(i)}\r\n\r\n".encode())
    # The server's output queue fills and it stops reading: wait until it has
    # stopped sending (the bytes waiting for us hold still), not a fixed time.
    wait_quiet(s)
    got = 0
    s.settimeout(10)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += len(b)
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    print(got)


if __name__ == "__main__":
    commands = {"send": cmd_send, "slowloris": cmd_slowloris, "stall": cmd_stall,
                "reset": cmd_reset, "hold": cmd_hold, "idle": cmd_idle,
                "tls-pipeline": cmd_tls_pipeline}
    commands[sys.argv[1]](*sys.argv[2:])
