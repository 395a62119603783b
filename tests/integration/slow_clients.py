#!/usr/bin/env python3
"""slow_clients.py - slow-loris against `skred serve` (test_web_limits.sh).

  slow_clients.py PORT N TIMEOUT_S

Opens N connections to 127.0.0.1:PORT that each send one byte a second
and never finish a request: most in the headers (a request line, then
header bytes), one in ten in the body (whole headers of a POST with a
Content-Length, then body bytes), one in ten sending nothing at all but
staying open. While they are open,
/healthz and GET /api/v1/status must answer 200 (on fresh connections);
then every slow connection must be closed by the daemon (end of stream or
reset) while it is still trickling, within TIMEOUT_S of its start. Prints
"ok - ..." / "FAIL - ..." lines and a summary line "slow: ..."; exits 1 on
any failure. Bounded: at most N + a few sockets, at most TIMEOUT_S + 5 s.
"""
import http.client
import selectors
import socket
import sys
import time

port, n, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
failed = 0


def ok(msg):
    print("ok - " + msg, flush=True)


def fail(msg):
    global failed
    failed += 1
    print("FAIL - " + msg, flush=True)


def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        return r.status
    except OSError as e:
        return "error: %s" % e
    finally:
        c.close()


t0 = time.monotonic()
slow = []
silent = set()
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if i % 10 == 0:
        s.sendall(b"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 60000\r\n\r\n" % port)
    elif i % 10 == 1:
        silent.add(s)
    else:
        s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % port)
    s.setblocking(False)
    slow.append(s)
opened = time.monotonic() - t0
sel = selectors.DefaultSelector()
for s in slow:
    sel.register(s, selectors.EVENT_READ)
closed_at = {}


def poll(wait):
    """Wait up to wait s for the daemon closing slow connections."""
    for key, _ in sel.select(wait):
        s = key.fileobj
        try:
            data = s.recv(4096)
        except (ConnectionResetError, BlockingIOError, OSError):
            data = b""
        if not data:
            closed_at[s] = time.monotonic() - t0
            sel.unregister(s)


# Normal requests while the slow ones are open.
poll(0)
still_open = n - len(closed_at)
codes = [get("/healthz"), get("/api/v1/status"), get("/healthz")]
open_after = n - len(closed_at)
if codes == [200, 200, 200]:
    ok("/healthz and /api/v1/status answer 200 with %d slow connections open" % still_open)
else:
    fail("with %d slow connections open: /healthz, /api/v1/status, /healthz -> %s" % (still_open, codes))
if still_open < n:
    fail("%d slow connections were closed before the normal requests (opened in %.1f s)" % (n - still_open, opened))

# Trickle one byte a second until the daemon has closed them all.
last = 0.0
while len(closed_at) < n and time.monotonic() - t0 < timeout + 5:
    now = time.monotonic()
    if now - last >= 1.0:
        last = now
        for s in slow:
            if s not in closed_at and s not in silent:
                try:
                    s.send(b"x")
                except OSError:
                    closed_at[s] = time.monotonic() - t0
                    try:
                        sel.unregister(s)
                    except (KeyError, ValueError):
                        pass
    poll(0.2)
times = sorted(closed_at.values())
if len(times) == n and times[-1] <= timeout + 5:
    ok("all %d slow connections (headers, body, silent) closed by the daemon while still open (first %.1f s, last %.1f s)" % (n, times[0], times[-1]))
else:
    fail("slow connections closed by the daemon: %d of %d in %.1f s" % (len(times), n, time.monotonic() - t0))
codes = [get("/healthz"), get("/api/v1/status")]
if codes == [200, 200]:
    ok("and the daemon answers normally afterwards")
else:
    fail("after the slow connections: %s" % codes)
for s in slow:
    s.close()
print("slow: connections=%d opened_in=%.2fs first_closed=%s last_closed=%s" % (
    n, opened, "%.1fs" % times[0] if times else "-", "%.1fs" % times[-1] if times else "-"))
sys.exit(1 if failed else 0)
