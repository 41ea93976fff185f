"""The accept loop of the threaded e2e peers (badserver.py, fakeproxy.py):
127.0.0.1 only, one thread per connection, connections numbered from 1, and
an end by itself after a minute without one."""
import socket
import threading


def serve_threads(port, handle, idle_s=60):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    srv.settimeout(idle_s)
    number = 0
    while True:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            return
        number += 1
        threading.Thread(target=handle, args=(conn, number), daemon=True).start()
