#!/usr/bin/env python3
"""An HTTP/1.1 server on a Unix domain socket, for `get --unix-socket` tests.

usage: unix_http_server.py PATH [--abstract] [--tls CERT KEY]
Answers every request 200 with its own head (request line and header lines)
as the body. With --abstract, PATH is a name in Linux's abstract namespace.
Prints "listening" on stdout once it accepts connections.
"""
import http.server
import socketserver
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = (self.requestline + "\r\n" + str(self.headers)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    args = sys.argv[1:]
    path = args.pop(0)
    if "--abstract" in args:
        path = "\0" + path
    server = Server(path, Handler)
    if "--tls" in args:
        i = args.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[i + 1], args[i + 2])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
