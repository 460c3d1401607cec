#!/usr/bin/env python3
"""A minimal SIP-over-WebSocket client (RFC 6455 / RFC 7118) for tests,
stdlib only.  Subcommands print one line each:

  ws_client.py [--wss] HOST PORT options          -> first line of the answer
  ws_client.py [--wss] HOST PORT register USER    -> first line (expect 401)
  ws_client.py [--wss] HOST PORT ping             -> "pong <payload>"
  ws_client.py [--wss] HOST PORT noproto          -> HTTP status line
  ws_client.py [--wss] HOST PORT fragmented       -> first line of the answer
  ws_client.py [--wss] HOST PORT unmasked         -> "close <code>"
  ws_client.py [--wss] HOST PORT idle             -> "ping" once the server
                                                     pings the idle connection
"""
import base64
import hashlib
import os
import socket
import ssl
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def connect(host, port, wss):
    s = socket.create_connection((host, port), timeout=3)
    if wss:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    return s


def handshake(s, host, port, proto="sip"):
    key = base64.b64encode(os.urandom(16))
    req = (b"GET / HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n" % (host.encode(), port, key))
    if proto:
        req += b"Sec-WebSocket-Protocol: %s\r\n" % proto.encode()
    s.sendall(req + b"\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    status = head.split(b"\r\n")[0].decode()
    if " 101 " in status:
        want = base64.b64encode(hashlib.sha1(key + GUID).digest())
        if b"Sec-WebSocket-Accept: " + want not in head:
            raise SystemExit("bad Sec-WebSocket-Accept")
    return status


def frame(op, payload, fin=True, mask=True):
    b0 = (0x80 if fin else 0) | op
    n = len(payload)
    if n < 126:
        hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_frame(s):
    def need(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf
    b0, b1 = need(2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", need(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", need(8))[0]
    if b1 & 0x80:
        raise SystemExit("server frames must not be masked")
    return b0 & 0x0F, need(n)


def sip(method, user, lport):
    return ("%s sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bK%s;rport\r\n"
            "From: <sip:%s@127.0.0.1>;tag=ws1\r\nTo: <sip:%s@127.0.0.1>\r\n"
            "Call-ID: ws-%s-%d@test\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n"
            "Contact: <sip:%s@df7jal23ls0d.invalid;transport=ws>\r\nContent-Length: 0\r\n\r\n"
            % (method, os.urandom(6).hex(), user, user, method.lower(), lport, method, user)).encode()


def main():
    args = sys.argv[1:]
    wss = args[0] == "--wss"
    if wss:
        args = args[1:]
    host, port, cmd = args[0], int(args[1]), args[2]
    s = connect(host, port, wss)
    if cmd == "noproto":
        print(handshake(s, host, port, proto=None))
        return
    status = handshake(s, host, port)
    if " 101 " not in status:
        print(status)
        return
    lport = s.getsockname()[1]
    if cmd == "options":
        s.sendall(frame(0x1, sip("OPTIONS", "probe", lport)))
    elif cmd == "register":
        s.sendall(frame(0x1, sip("REGISTER", args[3], lport)))
    elif cmd == "fragmented":
        msg = sip("OPTIONS", "frag", lport)
        s.sendall(frame(0x1, msg[:20], fin=False) + frame(0x9, b"mid") +
                  frame(0x0, msg[20:60], fin=False) + frame(0x0, msg[60:]))
    elif cmd == "ping":
        s.sendall(frame(0x9, b"hello"))
    elif cmd == "unmasked":
        s.sendall(frame(0x1, sip("OPTIONS", "x", lport), mask=False))
    while True:
        op, payload = read_frame(s)
        if op == 0x9 and cmd == "idle":
            s.sendall(frame(0xA, payload))
            print("ping")
            return
        if op == 0xA and cmd == "ping":
            print("pong " + payload.decode())
            return
        if op == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 0
            print("close %d" % code)
            return
        if op in (0x1, 0x2):
            print(payload.split(b"\r\n")[0].decode())
            return


if __name__ == "__main__":
    main()
