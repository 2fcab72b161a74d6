#!/usr/bin/env python3
# trickle.py PORT N SECONDS INTERVAL: hold N connections to 127.0.0.1:PORT,
# each sending one header line of an unfinished HTTP request every INTERVAL
# seconds, for SECONDS in all; print how many were open at the start and how
# many the server had closed by the end (a slow-client attack, loopback only).
import socket
import sys
import time

port, n, total, every = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
print("open %d" % len(socks), flush=True)
end = time.monotonic() + total
closed = 0
while time.monotonic() < end and socks:
    time.sleep(every)
    alive = []
    for s in socks:
        try:
            s.sendall(b"X-Trickle: 1\r\n")
            alive.append(s)
        except OSError:
            closed += 1
            s.close()
    socks = alive
print("closed %d" % closed, flush=True)
