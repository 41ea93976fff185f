#!/usr/bin/env python3
"""An HTTP Digest (RFC 7616) server for e2e tests of `get --digest/--anyauth`
(loopback only).

usage: digestserver.py MODE PORT
Every request must carry Authorization: Digest for user "alice", password
"s3cret", realm "test"; without it (or with a wrong one) the answer is 401
with the challenge of MODE:
  md5          qop="auth", algorithm=MD5
  sha256       qop="auth", algorithm=SHA-256
  md5-sess     qop="auth", algorithm=MD5-sess
  noqop        no qop (RFC 2069's form)
  digest+basic both a Digest and a Basic challenge (Basic is accepted too)
  basic-only   only Basic realm="test"
Request bodies (Content-Length) are read and dropped. The 200's body is
"ok SCHEME URI\\n". Stops after a minute without a connection.
"""
import base64
import hashlib
import re
import sys

import accept_loop

MODE, PORT = sys.argv[1], int(sys.argv[2])
USER, PASSWORD, REALM, NONCE, OPAQUE = "alice", "s3cret", "test", "n0nce42", "opq"
ALGO = {"md5": "MD5", "sha256": "SHA-256", "md5-sess": "MD5-sess"}.get(MODE, "MD5")


def h(text):
    name = "sha256" if ALGO.startswith("SHA-256") else "md5"
    return hashlib.new(name, text.encode()).hexdigest()


def digest_ok(params, method):
    if params.get("username") != USER or params.get("nonce") != NONCE:
        return False
    ha1 = h(f"{USER}:{REALM}:{PASSWORD}")
    if ALGO.endswith("-sess"):
        ha1 = h(f"{ha1}:{NONCE}:{params.get('cnonce', '')}")
    ha2 = h(f"{method}:{params.get('uri', '')}")
    if MODE == "noqop":
        want = h(f"{ha1}:{NONCE}:{ha2}")
    else:
        want = h(f"{ha1}:{NONCE}:{params.get('nc')}:{params.get('cnonce')}:auth:{ha2}")
    return params.get("response") == want


def check(auth, method):
    if auth.startswith("Digest "):
        pairs = re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', auth[7:])
        params = {k: quoted or bare for k, quoted, bare in pairs}
        return "digest" if digest_ok(params, method) else None
    if auth.startswith("Basic ") and MODE in ("digest+basic", "basic-only"):
        ok = base64.b64decode(auth[6:]).decode() == f"{USER}:{PASSWORD}"
        return "basic" if ok else None
    return None


def challenge():
    basic = f'WWW-Authenticate: Basic realm="{REALM}"\r\n'
    if MODE == "basic-only":
        return basic
    qop = "" if MODE == "noqop" else 'qop="auth", '
    digest = (f'WWW-Authenticate: Digest realm="{REALM}", {qop}nonce="{NONCE}", '
              f'opaque="{OPAQUE}", algorithm={ALGO}\r\n')
    return digest + (basic if MODE == "digest+basic" else "")


def read_request(conn, pending):
    """(method, uri, authorization, rest of pending) or None at the end."""
    while b"\r\n\r\n" not in pending:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        pending += chunk
    head, pending = pending.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, uri = lines[0].split(" ")[:2]
    fields = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    length = int(fields.get("content-length", "0"))
    while len(pending) < length:  # the body, read and dropped
        chunk = conn.recv(65536)
        if not chunk:
            return None
        pending += chunk
    return method, uri, fields.get("authorization", ""), pending[length:]


def handle(conn, number):
    pending = b""
    try:
        while True:
            request = read_request(conn, pending)
            if request is None:
                return
            method, uri, auth, pending = request
            scheme = check(auth, method)
            if scheme:
                body = f"ok {scheme} {uri}\n".encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            else:
                body = b"denied\n"
                conn.sendall(("HTTP/1.1 401 Unauthorized\r\n" + challenge() +
                              f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
    except OSError:
        pass
    finally:
        conn.close()


accept_loop.serve_threads(PORT, handle)
