#!/usr/bin/env python3
"""Send raw SIP messages from files to a server over UDP or TCP and print
the first line of the answer to each (or "drop" when none comes within the
timeout).  In each file @ID@ becomes a unique token and @PORT@ the local
port of the socket, so answers can be matched and routed back.

An answer must echo the request's top Via (RFC 3261 8.2.6.2: a response
without it cannot be matched to the client transaction): the corpus puts
branch=z9hG4bK@ID@ in every Via, and an answer with no Via carrying that
branch is printed with " (no Via)" after its first line.

usage: send_raw.py udp|tcp HOST PORT FILE...
prints: NAME<TAB>first line of the answer[ (no Via)] | drop
"""
import os
import socket
import sys
import uuid

TIMEOUT = 1.0


def answer_udp(sock, token):
    sock.settimeout(TIMEOUT)
    while True:
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            return None
        if token.encode() in data or b"Call-ID" not in data:
            return data


def answer_tcp(sock, token):
    sock.settimeout(TIMEOUT)
    buf = b""
    while b"\r\n\r\n" not in buf:
        try:
            chunk = sock.recv(65535)
        except socket.timeout:
            return None
        if not chunk:
            return buf or None
        buf += chunk
    return buf


def has_via(data, token):
    """True when a Via header of the answer carries the request's branch."""
    head = data.split(b"\r\n\r\n", 1)[0]
    want = b"branch=z9hg4bk" + token.encode()
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"via", b"v") and want in value.lower():
            return True
    return False


def main():
    proto, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for path in sys.argv[4:]:
        name = os.path.basename(path).rsplit(".", 1)[0]
        token = uuid.uuid4().hex[:16]
        raw = open(path, "rb").read()
        if proto == "udp":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
        else:
            sock = socket.create_connection((host, port), timeout=TIMEOUT)
        local_port = sock.getsockname()[1]
        msg = raw.replace(b"@ID@", token.encode()).replace(b"@PORT@", str(local_port).encode())
        if proto == "udp":
            sock.sendto(msg, (host, port))
            data = answer_udp(sock, token)
        else:
            sock.sendall(msg)
            data = answer_tcp(sock, token)
        sock.close()
        if data:
            first = data.split(b"\r\n", 1)[0].decode("latin-1")
            if not has_via(data, token):
                first += " (no Via)"
        else:
            first = "drop"
        print(f"{name}\t{first}", flush=True)


if __name__ == "__main__":
    main()
