#!/usr/bin/env python3
"""A QUIC handshake flood for tests, on loopback: COUNT client Initials, each
with its own random connection IDs, correctly protected (RFC 9001 5) so the
server decrypts them, and carrying only the first part of a TLS ClientHello,
so a server that accepts one keeps a connection waiting in its handshake.
Nothing is ever sent again (a spoofed flood cannot answer a Retry).

  quic_initial_flood.py PORT COUNT [SOCKETS]

Sends from SOCKETS source ports (default 50) in turn. Prints one line on
exit: "sent N replies R retries T" (T: replies that are Retry packets).
"""
import os
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC

INITIAL_SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def hkdf_extract(salt, ikm):
    h = HMAC(salt, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def hkdf_expand_label(secret, label, length):
    full = b"tls13 " + label
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, block, i = b"", b"", 1
    while len(out) < length:
        h = HMAC(secret, hashes.SHA256())
        h.update(block + info + bytes([i]))
        block = h.finalize()
        out += block
        i += 1
    return out[:length]


def initial_keys(dcid, label=b"client in"):
    """Key, IV and header-protection key of the Initials one side sends."""
    initial = hkdf_extract(INITIAL_SALT_V1, dcid)
    secret = hkdf_expand_label(initial, label, 32)
    return (hkdf_expand_label(secret, b"quic key", 16), hkdf_expand_label(secret, b"quic iv", 12),
            hkdf_expand_label(secret, b"quic hp", 16))


def partial_client_hello():
    # Handshake type 1 (ClientHello) announcing 1400 bytes, of which only the
    # version and random follow: the server's TLS waits for the rest.
    body = b"\x03\x03" + os.urandom(32)
    return b"\x01" + (1400).to_bytes(3, "big") + body


def initial_packet(dcid=None, token=b""):
    dcid, scid = dcid or os.urandom(8), os.urandom(8)
    key, iv, hp = initial_keys(dcid)
    crypto = partial_client_hello()
    frame = b"\x06\x00" + struct.pack(">H", 0x4000 | len(crypto)) + crypto  # CRYPTO, offset 0
    pn = 0
    token_field = bytes([len(token)]) + token  # a one-byte varint: tokens under 64 bytes
    header_len = 1 + 4 + 1 + len(dcid) + 1 + len(scid) + len(token_field) + 2 + 4
    payload = frame + b"\x00" * (1200 - header_len - len(frame) - 16)  # PADDING to 1200 bytes
    length = 4 + len(payload) + 16
    header = (bytes([0xC3]) + struct.pack(">I", 1) + bytes([len(dcid)]) + dcid +
              bytes([len(scid)]) + scid + token_field + struct.pack(">H", 0x4000 | length) +
              struct.pack(">I", pn))
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    sealed = AESGCM(key).encrypt(nonce, payload, header)
    pn_offset = len(header) - 4
    sample = sealed[4 - 4:4 - 4 + 16]  # the sample starts 4 bytes after the packet number
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(sample)
    first = bytes([header[0] ^ (mask[0] & 0x0F)])
    pn_bytes = bytes(a ^ b for a, b in zip(header[pn_offset:], mask[1:5]))
    return first + header[1:pn_offset] + pn_bytes + sealed


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    nsock = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    socks = []
    for _ in range(nsock):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("127.0.0.1", port))
        s.setblocking(False)
        socks.append(s)
    replies = retries = 0

    def drain():
        nonlocal replies, retries
        for s in socks:
            while True:
                try:
                    d = s.recv(65536)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                replies += 1
                retries += (d[0] & 0xF0) == 0xF0  # long header, type 3: Retry
    for i in range(count):
        try:
            socks[i % nsock].send(initial_packet())
        except BlockingIOError:
            pass
        if i % 100 == 99:
            drain()
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        drain()
        time.sleep(0.05)
    print(f"sent {count} replies {replies} retries {retries}", flush=True)


if __name__ == "__main__":
    main()
