#!/usr/bin/env python3
"""A lossy UDP relay for QUIC tests, on loopback. Deterministic: one seeded
random generator decides the fate of every datagram, both ways.

  udp_relay.py SERVER_PORT LOSS DUP REORDER SEED [REBIND [PROBE_REBINDS]]

Binds 127.0.0.1 on a free port and prints "relay PORT" (the readiness line).
The first client to send is the one it serves: its datagrams go to
127.0.0.1:SERVER_PORT, the server's back to it. Each datagram is dropped with
probability LOSS, else sent twice with probability DUP, else held back and
sent after the next one with probability REORDER. With REBIND > 0, every
REBIND datagrams from the client it moves to a new source port toward the
server, as a NAT rebinding does (what the server sent to the old port is
lost). With PROBE_REBINDS > 0 it also moves, that many times, on the second
of two 1200-byte datagrams in a row from the client once past its first 20
(its handshake): the second of its two PATH_RESPONSEs to a server validating
the client's new address, a datagram with no other frame (the first took the
pending ACK), which RFC 9000 9.3 forbids the server to migrate on. It never moves on two
consecutive client datagrams, nor on a PATH_RESPONSE within 50 datagrams of
its last such move (see the comments where it moves). "padded"
counts the client's 1200-byte datagrams past its first 20: during a download
those are its PATH_RESPONSEs (ngtcp2 pads them to 1200 bytes; its path MTU
probes are larger). On exit (SIGTERM) it prints counts on stderr.
"""
import random
import selectors
import signal
import socket
import sys


def main():
    server_port = int(sys.argv[1])
    loss, dup, reorder = (float(a) for a in sys.argv[2:5])
    rng = random.Random(int(sys.argv[5]))
    rebind_every = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    probe_rebinds = int(sys.argv[7]) if len(sys.argv) > 7 else 0

    def open_socket(connect_to=None):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if connect_to:
            s.connect(("127.0.0.1", connect_to))
        else:
            s.bind(("127.0.0.1", 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
        return s

    front = open_socket()
    back = open_socket(server_port)
    counts = {"relayed": 0, "dropped": 0, "duplicated": 0, "reordered": 0, "rebinds": 0,
              "probe_rebinds": 0, "padded": 0}
    from_client = 0
    last_move = -2  # the client datagram of the last move
    last_probe_move = -50  # ... and of the last move on a PATH_RESPONSE
    padded_run = 0  # 1200-byte datagrams in a row from the client
    client = None
    held = {front: None, back: None}  # a datagram held back, per direction

    def send(sock, data, to):
        try:
            if to is None:
                sock.send(data)
            else:
                sock.sendto(data, to)
        except (BlockingIOError, ConnectionRefusedError):
            pass  # a full socket buffer or an ICMP error: the datagram is lost

    def forward(out, data, to):
        counts["relayed"] += 1
        r = rng.random()
        if r < loss:
            counts["dropped"] += 1
            return
        if r < loss + dup:
            counts["duplicated"] += 1
            send(out, data, to)
        elif r < loss + dup + reorder and held[out] is None:
            counts["reordered"] += 1
            held[out] = data
            return
        send(out, data, to)
        if held[out] is not None:
            send(out, held[out], to)
            held[out] = None

    def stop(*_):
        print(" ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"relay {front.getsockname()[1]}", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(front, selectors.EVENT_READ)
    sel.register(back, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            if sock.fileno() < 0:
                continue  # the back socket a rebinding closed
            while True:
                try:
                    data, addr = sock.recvfrom(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                if sock is front:
                    client = client or addr
                    if addr != client:
                        continue
                    from_client += 1
                    padded_run = padded_run + 1 if len(data) == 1200 else 0
                    past_handshake = from_client > 20
                    if past_handshake and padded_run:
                        counts["padded"] += 1
                    # At most one such move per 50 client datagrams: moved
                    # again on the PATH_RESPONSEs its own move provokes, the
                    # client's responses (ack-eliciting but not PTO-eliciting
                    # in ngtcp2) pile up unacknowledged until they fill its
                    # congestion window, and it cannot even send its
                    # keep-alive PING. Seen with 7 such moves in 40 ms.
                    on_probe = (past_handshake and padded_run == 2 and
                                counts["probe_rebinds"] < probe_rebinds and
                                from_client - last_probe_move >= 50)
                    periodic = rebind_every and from_client % rebind_every == 0
                    # Never two moves on consecutive datagrams: the server
                    # would migrate on the first (a PATH_RESPONSE with an ACK)
                    # and spend its whole anti-amplification budget on
                    # PATH_CHALLENGEs to a port closed a moment later.
                    # ngtcp2 1.11 then cancels its loss timer and, past the
                    # handshake, never re-arms it when the client's next
                    # datagram lifts the limit (RFC 9002 A.6): with its
                    # congestion window full of those challenges the
                    # server is stuck until the idle timeout. A NAT that
                    # moves twice within a millisecond is a test artefact;
                    # the server-side work-around is an open item.
                    if (on_probe or periodic) and from_client - last_move < 2:
                        on_probe = periodic = False
                    if on_probe:
                        counts["probe_rebinds"] += 1
                        last_probe_move = from_client
                    if on_probe or periodic:
                        last_move = from_client
                        sel.unregister(back)
                        back.close()
                        held[back] = None
                        back = open_socket(server_port)
                        held[back] = None
                        sel.register(back, selectors.EVENT_READ)
                        counts["rebinds"] += 1
                    forward(back, data, None)
                elif client is not None:
                    forward(front, data, client)


if __name__ == "__main__":
    main()
