#!/usr/bin/env python3
"""Sends one client Initial carrying a forged Retry token (the magic byte of
ngtcp2's Retry tokens, then junk) and reads the server's answer as a client
would: Initial keys from the DCID we chose, header protection removed, the
payload decrypted. Prints "close ERROR" for a CONNECTION_CLOSE it could read
(INVALID_TOKEN is 11), or "no close" otherwise.

  quic_bad_token.py PORT
"""
import os
import socket
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from quic_initial_flood import initial_keys, initial_packet


def varint(buf, at):
    n = 1 << (buf[at] >> 6)
    v = buf[at] & 0x3F
    for b in buf[at + 1:at + n]:
        v = (v << 8) | b
    return v, at + n


def read_close(d, dcid):
    if d[0] & 0xF0 != 0xC0:  # long header, type 0: an Initial
        return None
    at = 5
    at += 1 + d[at]          # our SCID echoed as its DCID
    at += 1 + d[at]          # the server's SCID
    tlen, at = varint(d, at)  # token (none from a server)
    at += tlen
    length, at = varint(d, at)
    key, iv, hp = initial_keys(dcid, b"server in")
    sample = d[at + 4:at + 20]
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(sample)
    first = d[0] ^ (mask[0] & 0x0F)
    pnlen = (first & 0x03) + 1
    pn_bytes = bytes(a ^ b for a, b in zip(d[at:at + pnlen], mask[1:1 + pnlen]))
    header = bytes([first]) + d[1:at] + pn_bytes
    pn = int.from_bytes(pn_bytes, "big")
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    payload = AESGCM(key).decrypt(nonce, d[at + pnlen:at + length], header)
    i = 0
    while i < len(payload):
        if payload[i] == 0x00:  # PADDING
            i += 1
            continue
        if payload[i] == 0x1C:  # CONNECTION_CLOSE (transport)
            code, _ = varint(payload, i + 1)
            return code
        return None
    return None


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", int(sys.argv[1])))
    s.settimeout(2)
    dcid = os.urandom(8)
    s.send(initial_packet(dcid, token=bytes([0xB6]) + os.urandom(40)))
    try:
        code = read_close(s.recv(65536), dcid)
    except (socket.timeout, ValueError, Exception):
        code = None
    print("no close" if code is None else f"close {code}", flush=True)


if __name__ == "__main__":
    main()
