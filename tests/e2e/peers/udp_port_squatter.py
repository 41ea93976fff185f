"""Holds UDP sockets on half the odd ports of the ephemeral range on
127.0.0.1, as a host busy with QUIC clients might: Linux gives bind() to
port 0 odd ports (and connect() even ones), so a TCP port the kernel picks
for a listener is then taken on UDP about half the time. Prints "squatting N"
once bound, and ends on SIGTERM or by itself after a minute."""
import resource
import signal
import socket
import sys
import time


def main():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = (int(x) for x in f.read().split())
    room = hard - 64  # what this process may hold besides a few files
    held = []
    for port in range(low | 1, high + 1, 4):
        if len(held) >= room:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        held.append(s)
    print(f"squatting {len(held)} of {high - low + 1} ports", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    time.sleep(60)


if __name__ == "__main__":
    main()
