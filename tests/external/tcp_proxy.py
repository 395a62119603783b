#!/usr/bin/env python3
"""tcp_proxy.py - fault injection for test_kafka_avro.sh: forwards
127.0.0.1:<free port> to TARGET_PORT until killed (then the service behind
it is "down" for its clients while it keeps running for the others).

  tcp_proxy.py TARGET_PORT PORT_FILE
"""
import socket
import sys
import threading


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    target = int(sys.argv[1])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(sys.argv[2], "w") as f:
        f.write(str(ls.getsockname()[1]))
    while True:
        c, _ = ls.accept()
        u = socket.create_connection(("127.0.0.1", target))
        threading.Thread(target=pipe, args=(c, u), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c), daemon=True).start()


if __name__ == "__main__":
    main()
