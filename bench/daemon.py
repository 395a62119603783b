"""`skred serve`: cold start to the first 200 of GET /readyz, and the idle
resident set one second after that.

  daemon.py SKRED DATA_DIR

The daemon gets a free port on 127.0.0.1 and a schedule that never falls
due in the measurement (1 January). Prints "<start_ms> <idle_rss_kb>".
"""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ready(port):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        c.request("GET", "/readyz")
        ok = c.getresponse().status == 200
        c.close()
        return ok
    except OSError:
        return False


def main():
    skred, data = sys.argv[1], sys.argv[2]
    port = free_port()
    env = dict(os.environ, SKRED_DATA_DIR=data,
               SKRED_HTTP_ADDR="127.0.0.1:%d" % port,
               SKRED_SCHED_SCHEDULES="daily=0 17 1 1 *",
               SKRED_LOG_LEVEL="warn")
    t0 = time.monotonic()
    p = subprocess.Popen([skred, "serve"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        while not ready(port):
            if p.poll() is not None:
                print("skred serve exited with %d" % p.returncode,
                      file=sys.stderr)
                return 1
            if time.monotonic() - t0 > 30:
                print("no 200 from /readyz in 30 s", file=sys.stderr)
                return 1
            time.sleep(0.001)
        start_ms = (time.monotonic() - t0) * 1000
        time.sleep(1.0)
        rss = 0
        with open("/proc/%d/status" % p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        print("%.1f %d" % (start_ms, rss))
        return 0
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


if __name__ == "__main__":
    sys.exit(main())
