#!/usr/bin/python3
"""bench/idle_connections: opens N keep-alive connections to a server, makes one request on each
(so each is a real, used HTTP connection the server keeps state for), then holds them all open
and idle until stdin closes. Prints "open N" once all are established, or exits non-zero on the
first failure.

    bench/idle_connections.py PORT N
"""
import resource
import socket
import sys


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < count + 64:
        sys.exit(f"idle_connections: the open-file limit ({hard}) is below {count + 64}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"
    held = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit(f"idle_connections: connection {i} closed by the server")
            answer += chunk
        if not answer.startswith(b"HTTP/1.1 200"):
            sys.exit(f"idle_connections: connection {i}: {answer[:40]!r}")
        # The body is small and arrives with the headers; what is left unread stays in the
        # kernel's buffer, which costs the server nothing.
        held.append(s)
    print(f"open {len(held)}", flush=True)
    sys.stdin.read()
    for s in held:
        s.close()


if __name__ == "__main__":
    main()
