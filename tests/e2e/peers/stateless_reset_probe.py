#!/usr/bin/env python3
"""Sends short-header QUIC packets for connection IDs the server never issued
and reports what comes back (stateless resets, RFC 9000 10.3).

  stateless_reset_probe.py PORT COUNT SIZE

Prints one line: "sent N replies R shortest A longest B bad_form F", where a
reply has a bad form unless its first bits are 01 (short header, fixed bit).
"""
import os
import socket
import sys
import time


def main():
    port, count, size = (int(a) for a in sys.argv[1:4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    for _ in range(count):
        # 0x40: short header, fixed bit; then an 18-byte ID and junk.
        s.send(bytes([0x40 | (os.urandom(1)[0] & 0x3F)]) + os.urandom(size - 1))
    s.settimeout(0.5)
    lengths, bad = [], 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        lengths.append(len(d))
        bad += (d[0] & 0xC0) != 0x40
    print(f"sent {count} replies {len(lengths)} shortest {min(lengths, default=0)} "
          f"longest {max(lengths, default=0)} bad_form {bad}")


if __name__ == "__main__":
    main()
