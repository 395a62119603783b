#!/usr/bin/env python3
"""notify_listen.py SOCKET OUT: the service manager's end of sd_notify(3)
for tests: bind a unix datagram socket at SOCKET (writable by the daemon's
user) and append each message to OUT as one line, "<monotonic ms> <msg>"
with the message's newlines as '|'. Runs until killed."""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "a", buffering=1) as f:
    while True:
        data = s.recv(65536)
        ms = int(time.monotonic() * 1000)
        f.write("%d %s\n" % (ms, data.decode("utf-8", "replace").replace("\n", "|")))
