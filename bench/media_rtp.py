#!/usr/bin/env python3
"""Helpers of bench/media.sh (standard library only; the RTP ends of the
calls are bench/rtpgen.c).

  media_rtp.py startup OUT PORT CMD...
      Starts CMD (stdout+stderr to OUT), sends a SIP OPTIONS to
      127.0.0.1:PORT every millisecond until one is answered, and prints
      "PID MS": the server's pid and the milliseconds from the fork to the
      first answer.  The server keeps running when this exits.

  media_rtp.py ports K
      Prints K free UDP ports P of 127.0.0.1 whose P+1 is free too.

  media_rtp.py chunks AUDIO
      Prints the number of 160-byte chunks of AUDIO's data and how many of
      them are distinct.
"""
import os
import select
import socket
import struct
import subprocess
import sys
import time

CHUNK = 160  # 20 ms of G.711 at 8 kHz


def wav_data(path):
    """The data chunk of a RIFF/WAVE mu-law file, or the whole of a raw
    mu-law file (what media.sh gives rtpgen, which sends a file's bytes
    from offset 0)."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"RIFF" or b[8:12] != b"WAVE":
        return b
    off = 12
    while off + 8 <= len(b):
        cid, size = b[off:off + 4], struct.unpack("<I", b[off + 4:off + 8])[0]
        if cid == b"fmt ":
            tag = struct.unpack("<H", b[off + 8:off + 10])[0]
            if tag != 7:
                raise SystemExit("%s: format tag %d, not mu-law (7)" % (path, tag))
        if cid == b"data":
            return b[off + 8:off + 8 + size]
        off += 8 + size + (size & 1)
    raise SystemExit("%s: no data chunk" % path)


def chunks_of(path):
    data = wav_data(path)
    n = len(data) // CHUNK
    index = {}
    for i in range(n):
        index.setdefault(data[i * CHUNK:(i + 1) * CHUNK], i)
    return n, index


def cmd_chunks(path):
    n, index = chunks_of(path)
    print(n, len(index))


def options_msg(port, lport, i):
    return ("OPTIONS sip:ping@127.0.0.1:%d SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-start-%d;rport\r\n"
            "From: <sip:bench@127.0.0.1>;tag=start%d\r\n"
            "To: <sip:ping@127.0.0.1>\r\n"
            "Call-ID: start-%d-%d@127.0.0.1\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            % (port, lport, i, i, os.getpid(), i)).encode()


def cmd_startup(out, port, argv):
    port = int(port)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    lport = s.getsockname()[1]
    log = open(out, "wb")
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         start_new_session=False)
    i = 0
    deadline = t0 + 10
    while time.monotonic() < deadline:
        if p.poll() is not None:
            print("%d -1" % p.pid)
            return
        i += 1
        s.sendto(options_msg(port, lport, i), ("127.0.0.1", port))
        end = time.monotonic() + 0.001
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            try:
                msg = s.recv(4096)
            except OSError:  # ICMP port unreachable before the bind
                continue
            if msg.startswith(b"SIP/2.0 "):
                ms = (time.monotonic() - t0) * 1000
                print("%d %.1f %s" % (p.pid, ms, msg.split(b" ", 2)[1].decode()))
                return
    print("%d -1" % p.pid)


def cmd_ports(k):
    found = []
    while len(found) < int(k):
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        p = a.getsockname()[1]
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            b.bind(("127.0.0.1", p + 1))
        except OSError:
            continue
        finally:
            a.close()
            b.close()
        if all(abs(p - q) > 1 for q in found):
            found.append(p)
    print(" ".join(map(str, found)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "ports":
        cmd_ports(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "chunks":
        cmd_chunks(sys.argv[2])
    elif len(sys.argv) >= 5 and sys.argv[1] == "startup":
        cmd_startup(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
