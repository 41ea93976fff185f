#!/usr/bin/env python3
"""A TCP listener whose accept queue is full, for connect-timeout tests.

usage: full_backlog.py PORT
Listens on 127.0.0.1:PORT with a backlog of 0, never accepts, and fills the
queue with its own connections: a further SYN is dropped, so a client's
connect() hangs until its timeout. Prints "full" once the queue is full.
"""
import socket
import sys
import time


def main():
    port = int(sys.argv[1])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(0)
    held = []
    # Connect until one does not complete: the queue is then full.
    for _ in range(64):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", port))
            held.append(s)
        except (socket.timeout, OSError):
            s.close()
            break
    print("full", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
