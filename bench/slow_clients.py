#!/usr/bin/python3
"""bench/slow_clients: the slowloris pattern. Opens N connections to a server and trickles a
request's header into each, one byte every INTERVAL seconds, never finishing it; the bytes are
spread evenly over each interval, as independent clients would send them, not in one burst. Prints
"open N" once all are connected, then, once the server has closed every one (or GIVE_UP seconds
after the last opened), one line:

    cut K of N, MIN-MAX s after each opened

and exits 0 only when the server cut all N. A byte the server refuses (reset) counts as cut.

    bench/slow_clients.py PORT N INTERVAL GIVE_UP
"""
import collections
import resource
import select
import socket
import sys
import time

HEADER = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4096


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    interval, give_up = float(sys.argv[3]), float(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < count + 64:
        sys.exit(f"slow_clients: the open-file limit ({hard}) is below {count + 64}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # socket -> [opened_at, bytes sent]
    open_ = {}
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        open_[s] = [time.monotonic(), 0]
    print(f"open {count}", flush=True)
    last_opened = time.monotonic()
    lived = []
    poller = select.epoll()
    by_fd = {s.fileno(): s for s in open_}
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN | select.EPOLLRDHUP)

    def cut(s):
        lived.append(time.monotonic() - open_.pop(s)[0])
        poller.unregister(s.fileno())
        s.close()

    # Every TICK, the next count * TICK / INTERVAL connections in turn each send their next byte.
    tick = 0.01
    turn = collections.deque(open_)
    per_tick = max(1, round(count * tick / interval))
    next_tick = time.monotonic()
    while open_ and time.monotonic() - last_opened < give_up:
        now = time.monotonic()
        if now >= next_tick:
            for _ in range(min(per_tick, len(turn))):
                s = turn.popleft()
                if s not in open_:
                    continue
                state = open_[s]
                try:
                    s.send(HEADER[state[1] % len(HEADER):][:1])
                    state[1] += 1
                    turn.append(s)
                except OSError:
                    cut(s)
            next_tick = now + tick
        for fd, _ in poller.poll(max(0.0, next_tick - time.monotonic())):
            s = by_fd[fd]
            if s not in open_:
                continue
            try:
                data = s.recv(4096)  # a 408 before the close, or the close itself
            except OSError:
                data = b""
            if not data:
                cut(s)
    for s in list(open_):
        s.close()
    span = f"{min(lived):.1f}-{max(lived):.1f}" if lived else "-"
    print(f"cut {len(lived)} of {count}, {span} s after each opened", flush=True)
    sys.exit(0 if len(lived) == count else 1)


if __name__ == "__main__":
    main()
