#!/usr/bin/env python3
"""Hand-made HTTP/2 clients for the `sluice serve` h2 e2e tests: raw frames
over a plain socket (h2c by prior knowledge). Loopback only.

  frame PORT TYPE FLAGS STREAM HEXPAYLOAD
                      preface + SETTINGS, then one raw frame; print
                      "GOAWAY <code> last=<id>" (or "EOF"/"TIMEOUT")
  rapid-reset PORT N  N x (HEADERS + RST_STREAM(CANCEL)); print
                      "GOAWAY <code> after <streams sent>" or "no GOAWAY after N"
  flood PORT KIND N   N PING or SETTINGS frames; print the GOAWAY as above
  continuation PORT N HEADERS without END_HEADERS, then N small CONTINUATIONs
  hpack-bomb PORT N   one 4000-byte header entered in the dynamic table, then
                      referenced N times (1 byte each); print the GOAWAY
  idle PORT SECS      preface + SETTINGS, then wait up to SECS; "READY" on stderr
                      once the server's SETTINGS came; print each GOAWAY as
                      "GOAWAY <code> last=<id>", then "EOF" when closed
  split-preface PORT  the preface one byte at a time, then GET /bytes/10;
                      print "status <code> data <bytes>"
  stall PORT PID PATH SECS MODE
                      MODE window: tiny window, never a WINDOW_UPDATE;
                      MODE noread: huge window, but never read the socket.
                      For SECS seconds; print "<rss before kB> <peak rss kB>
                      <bytes read> <closed 0/1>"
  script PORT STEP... preface + SETTINGS, then the steps in order:
                        ack          wait for the server's SETTINGS, ACK them
                        window0      SETTINGS_INITIAL_WINDOW_SIZE 0
                        get:ID:PATH  HEADERS with END_STREAM
                        post:ID:PATH HEADERS without END_STREAM
                        data:ID      a DATA frame (4 bytes), no END_STREAM
                        await:ID     read until END_STREAM or RST_STREAM on ID
                        drain        read until EOF (10 s at most)
                      prints, in order, "END <id>", "RST <id> <code>",
                      "GOAWAY <code> last=<id>" and "EOF" as they come
  stall-many PORT PID CONNS STREAMS PATH
                      CONNS connections, each with STREAMS GETs of PATH and a
                      window of 0, held open once every response head came;
                      print "<rss before kB> <rss after kB> <heads received>"
                      (the server's VmRSS), then close them all
"""
import socket
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    0, 1, 3, 4, 6, 7, 8, 9)
END_STREAM, END_HEADERS = 0x1, 0x4


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def literal(name, value, indexing=False):
    """Literal header field with a new name, no Huffman."""
    head = b"\x40" if indexing else b"\x00"
    return head + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value


def request_block(path=b"/bytes/10"):
    # :method GET (2), :scheme http (6), then :path and :authority literal.
    return b"\x82\x86" + b"\x04" + hpack_int(len(path), 7) + path + \
        b"\x01" + hpack_int(9, 7) + b"localhost"


def connect(port, settings=b""):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(PREFACE + frame(SETTINGS, 0, 0, settings))
    return s


def read_frames(s, until_s=5.0):
    """Yields (type, flags, stream, payload) until EOF or the deadline."""
    buf = b""
    deadline = time.time() + until_s
    while time.time() < deadline:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return
        except ConnectionResetError:
            return
        if not chunk:
            return
        buf += chunk
        while len(buf) >= 9:
            length = struct.unpack(">I", b"\x00" + buf[:3])[0]
            if len(buf) < 9 + length:
                break
            ftype, flags = buf[3], buf[4]
            stream = struct.unpack(">I", buf[5:9])[0] & 0x7FFFFFFF
            yield ftype, flags, stream, buf[9:9 + length]
            buf = buf[9 + length:]


def wait_goaway(s, until_s=5.0):
    for ftype, _, _, payload in read_frames(s, until_s):
        if ftype == SETTINGS and not _ & 1:
            s.sendall(frame(SETTINGS, 1, 0))  # ACK theirs, like any client
        if ftype == GOAWAY:
            last, code = struct.unpack(">II", payload[:8])
            return code, last & 0x7FFFFFFF
    return None


def print_goaway(s, suffix=""):
    g = wait_goaway(s)
    print(f"GOAWAY {g[0]} last={g[1]}{suffix}" if g else "EOF")


def sendall_tolerant(s, data):
    """False once the server has closed on us."""
    try:
        s.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError):
        return False


def cmd_frame(port, ftype, flags, stream, hexpayload):
    s = connect(port)
    s.sendall(frame(int(ftype), int(flags), int(stream), bytes.fromhex(hexpayload)))
    print_goaway(s)


def goaway_pending(s):
    """Non-blocking check for a GOAWAY already sent to us."""
    s.setblocking(False)
    try:
        data = s.recv(1 << 20, socket.MSG_PEEK)
    except BlockingIOError:
        data = b""
    except ConnectionResetError:
        return True
    finally:
        s.setblocking(True)
    return b"\x07\x00\x00\x00\x00\x00" in data  # GOAWAY frame: type 7, flags 0, stream 0


def cmd_rapid_reset(port, n):
    s = connect(port)
    block = request_block(b"/bytes/100")
    sent = 0
    for i in range(int(n)):
        sid = 2 * i + 1
        pair = frame(HEADERS, END_HEADERS | END_STREAM, sid, block) + \
            frame(RST_STREAM, 0, sid, struct.pack(">I", 8))
        if not sendall_tolerant(s, pair):
            break
        sent += 1
        if sent % 50 == 0 and goaway_pending(s):
            break
    print_goaway(s, f" after {sent}")


def cmd_flood(port, kind, n):
    s = connect(port)
    one = frame(PING, 0, 0, b"12345678") if kind == "ping" else frame(SETTINGS, 0, 0)
    sendall_tolerant(s, one * int(n))
    print_goaway(s)


def cmd_continuation(port, n):
    s = connect(port)
    block = request_block()
    data = frame(HEADERS, 0, 1, block)
    for _ in range(int(n)):
        data += frame(CONTINUATION, 0, 1, literal(b"x-a", b"b"))
    sendall_tolerant(s, data)
    print_goaway(s)


def cmd_hpack_bomb(port, n):
    s = connect(port)
    block = request_block() + literal(b"x-bomb", b"a" * 4000, indexing=True)
    block += b"\xbe" * int(n)  # dynamic table index 62: the 4000-byte header again
    frames = b""
    chunks = [block[i:i + 16000] for i in range(0, len(block), 16000)]
    for i, c in enumerate(chunks):
        flags = END_STREAM if i == 0 else 0
        if i == len(chunks) - 1:
            flags |= END_HEADERS
        frames += frame(HEADERS if i == 0 else CONTINUATION, flags, 1, c)
    sendall_tolerant(s, frames)
    print_goaway(s)


def cmd_idle(port, secs):
    s = connect(port)
    for ftype, flags, _, payload in read_frames(s, float(secs)):
        if ftype == SETTINGS and not flags & 1:
            s.sendall(frame(SETTINGS, 1, 0))
            print("READY", file=sys.stderr, flush=True)  # readiness, for the test
        if ftype == GOAWAY:
            last, code = struct.unpack(">II", payload[:8])
            print(f"GOAWAY {code} last={last & 0x7FFFFFFF}", flush=True)
    print("EOF", flush=True)


def cmd_split_preface(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    for b in PREFACE:
        s.sendall(bytes([b]))
        time.sleep(0.005)
    s.sendall(frame(SETTINGS, 0, 0) +
              frame(HEADERS, END_HEADERS | END_STREAM, 1, request_block()))
    status, got = None, 0
    for ftype, flags, stream, payload in read_frames(s, 5):
        if ftype == SETTINGS and not flags & 1:
            s.sendall(frame(SETTINGS, 1, 0))
        if ftype == HEADERS and stream == 1:
            status = payload[:1].hex()  # 0x88: indexed ":status: 200"
        if ftype == DATA and stream == 1:
            got += len(payload)
            if flags & END_STREAM:
                break
    print(f"status {'200' if status == '88' else status} data {got}")


def vm_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def cmd_stall(port, pid, path, secs, mode):
    pid, secs = int(pid), float(secs)
    before = vm_rss(pid)
    if mode == "window":
        settings = struct.pack(">HI", 4, 1024)  # INITIAL_WINDOW_SIZE 1 KiB
    else:
        settings = struct.pack(">HI", 4, 0x7FFFFFFF)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if mode == "noread":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(PREFACE + frame(SETTINGS, 0, 0, settings) + frame(SETTINGS, 1, 0))
    if mode == "noread":
        s.sendall(frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7FFFFFFF - 65535)))
    s.sendall(frame(HEADERS, END_HEADERS | END_STREAM, 1, request_block(path.encode())))
    peak, got, closed = before, 0, 0
    deadline = time.time() + secs
    while time.time() < deadline:
        if mode == "window":
            for ftype, _, _, payload in read_frames(s, 0.05):
                got += 9 + len(payload)
        time.sleep(0.05)
        peak = max(peak, vm_rss(pid))
    # Now read whatever is there: did the server close on us meanwhile?
    s.settimeout(2)
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                closed = 1
                break
            got += len(b)
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = 1
    print(before, peak, got, closed)


class Events:
    """Reads a connection's frames and prints what the script tests look at."""

    def __init__(self, s):
        self.s, self.buf, self.ended, self.eof = s, b"", set(), False

    def pump(self, until, secs=10.0):
        deadline = time.time() + secs
        while not until() and not self.eof and time.time() < deadline:
            self.s.settimeout(max(0.01, deadline - time.time()))
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
                print("EOF", flush=True)
                break
            self.buf += chunk
            self.frames()

    def frames(self):
        while len(self.buf) >= 9:
            length = struct.unpack(">I", b"\x00" + self.buf[:3])[0]
            if len(self.buf) < 9 + length:
                return
            ftype, flags = self.buf[3], self.buf[4]
            stream = struct.unpack(">I", self.buf[5:9])[0] & 0x7FFFFFFF
            payload = self.buf[9:9 + length]
            self.buf = self.buf[9 + length:]
            self.frame(ftype, flags, stream, payload)

    def frame(self, ftype, flags, stream, payload):
        if ftype == SETTINGS and not flags & 1:
            self.s.sendall(frame(SETTINGS, 1, 0))
            self.ended.add("settings")
        elif ftype in (DATA, HEADERS) and flags & END_STREAM:
            self.ended.add(stream)
            print(f"END {stream}", flush=True)
        elif ftype == RST_STREAM:
            self.ended.add(stream)
            print(f"RST {stream} {struct.unpack('>I', payload)[0]}", flush=True)
        elif ftype == GOAWAY:
            last, code = struct.unpack(">II", payload[:8])
            print(f"GOAWAY {code} last={last & 0x7FFFFFFF}", flush=True)


def cmd_script(port, steps):
    s = connect(port)
    ev = Events(s)
    for step in steps:
        kind, *rest = step.split(":", 2)
        if kind == "ack":
            ev.pump(lambda: "settings" in ev.ended)
        elif kind == "window0":
            s.sendall(frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 0)))
        elif kind in ("get", "post"):
            flags = END_HEADERS | (END_STREAM if kind == "get" else 0)
            sendall_tolerant(s, frame(HEADERS, flags, int(rest[0]), request_block(rest[1].encode())))
        elif kind == "data":
            sendall_tolerant(s, frame(DATA, 0, int(rest[0]), b"late"))
        elif kind == "await":
            sid = int(rest[0])
            ev.pump(lambda: sid in ev.ended)
        elif kind == "drain":
            ev.pump(lambda: False)


def cmd_stall_many(port, pid, conns, streams, path):
    pid, conns, streams = int(pid), int(conns), int(streams)
    before = vm_rss(pid)
    block = request_block(path.encode())
    socks = []
    for _ in range(conns):
        s = connect(port, struct.pack(">HI", 4, 0))  # INITIAL_WINDOW_SIZE 0
        s.sendall(frame(SETTINGS, 1, 0) + b"".join(
            frame(HEADERS, END_HEADERS | END_STREAM, 2 * i + 1, block) for i in range(streams)))
        socks.append(s)
    heads = 0
    for s in socks:  # every response head came: the server has done all it can
        got = 0
        for ftype, _, _, _ in read_frames(s, 20):
            if ftype == HEADERS:
                got += 1
                if got == streams:
                    break
        heads += got
    # The last head may leave before the server's last write: wait for its
    # RSS to settle (three equal readings), not for a fixed time.
    after, same, deadline = vm_rss(pid), 0, time.time() + 5
    while same < 3 and time.time() < deadline:
        time.sleep(0.05)
        now = vm_rss(pid)
        same = same + 1 if now == after else 0
        after = now
    print(before, after, heads, flush=True)
    for s in socks:
        s.close()


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    port = int(args[0])
    {
        "frame": lambda: cmd_frame(port, *args[1:5]),
        "rapid-reset": lambda: cmd_rapid_reset(port, args[1]),
        "flood": lambda: cmd_flood(port, args[1], args[2]),
        "continuation": lambda: cmd_continuation(port, args[1]),
        "hpack-bomb": lambda: cmd_hpack_bomb(port, args[1]),
        "split-preface": lambda: cmd_split_preface(port),
        "idle": lambda: cmd_idle(port, args[1]),
        "stall": lambda: cmd_stall(port, *args[1:5]),
        "script": lambda: cmd_script(port, args[1:]),
        "stall-many": lambda: cmd_stall_many(port, *args[1:5]),
    }[cmd]()


if __name__ == "__main__":
    main()
