#!/usr/bin/env python3
"""Helpers of bench/media.sh (standard library only).

  media_rtp.py startup OUT PORT CMD...
      Starts CMD (stdout+stderr to OUT), sends a SIP OPTIONS to
      127.0.0.1:PORT every millisecond until one is answered, and prints
      "PID MS": the server's pid and the milliseconds from the fork to the
      first answer.  The server keeps running when this exits.

  media_rtp.py media AUDIO PORT_A PORT_B STATS
      The RTP ends of the bridged calls, until SIGTERM, then writes STATS
      (JSON).  PORT_B is the callee's media address (the SDP of the SIPp
      UAS points here): every packet the PBX relays from the caller is
      counted, its payload checked against the 20 ms chunks of AUDIO's
      mu-law data, and echoed to its sender with another SSRC.  PORT_A is
      the caller's media address (the SDP of the SIPp UAC points here,
      while SIPp streams from its own ports): the echoes the PBX relays
      back are counted and checked the same way.  PORT+1 of both swallow
      RTCP.  Per direction: packets, payloads equal to a chunk of the
      file, packets whose chunk is not the one after the previous one of
      the same stream (reordering, loss, duplication), streams (one per
      PBX RTP session).

  media_rtp.py ports K
      Prints K free UDP ports P of 127.0.0.1 whose P+1 is free too.

  media_rtp.py chunks AUDIO
      Prints the number of 160-byte chunks of AUDIO's data and how many of
      them are distinct.
"""
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

CHUNK = 160  # 20 ms of G.711 at 8 kHz


def wav_data(path):
    """The data chunk of a RIFF/WAVE mu-law file, or the whole of a raw
    mu-law file (SIPp 3.6.1's rtp_stream sends a file's bytes from offset
    0, header included, so media.sh gives it a raw one)."""
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


class Dir:
    """One direction of the media: counters and per-stream state."""

    def __init__(self):
        self.pkts = self.ok = self.order = self.bad_hdr = 0
        self.streams = {}  # source port -> last chunk index

    def packet(self, index, pkt, src_port):
        if len(pkt) < 12 or pkt[0] >> 6 != 2:
            self.bad_hdr += 1
            return None
        hl = 12 + 4 * (pkt[0] & 0x0F)
        if pkt[0] & 0x10 and len(pkt) >= hl + 4:
            hl += 4 + 4 * struct.unpack("!H", pkt[hl + 2:hl + 4])[0]
        if pkt[1] & 0x7F != 0:  # not PCMU (RFC 4733 or other)
            self.bad_hdr += 1
            return None
        self.pkts += 1
        i = index.get(pkt[hl:])
        last = self.streams.get(src_port)
        if i is not None:
            self.ok += 1
            if last is not None and i != last + 1:
                self.order += 1
            self.streams[src_port] = i
        elif last is None:
            self.streams[src_port] = -2
        return i

    def as_dict(self):
        return {"packets": self.pkts, "payload_ok": self.ok, "out_of_sequence": self.order,
                "not_pcmu": self.bad_hdr, "streams": len(self.streams)}


def bigbuf(s):
    for opt in (33, socket.SO_RCVBUF):  # SO_RCVBUFFORCE needs root
        try:
            s.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            break
        except OSError:
            pass


def cmd_media(audio, port_a, port_b, stats):
    nchunks, index = chunks_of(audio)
    socks = {}
    for role, port in (("a", int(port_a)), ("b", int(port_b))):
        for k, p in ((role, port), (role + "rtcp", port + 1)):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", p))
            s.setblocking(False)
            bigbuf(s)
            socks[k] = s
    fwd, ret = Dir(), Dir()
    dump = open(os.environ["MEDIA_DUMP"], "w") if os.environ.get("MEDIA_DUMP") else None
    rtcp = [0]
    t_first = [None]
    t_last = [None]
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *a: stop.__setitem__(0, True))
    ep = select.epoll()
    byfd = {}
    for k, s in socks.items():
        ep.register(s.fileno(), select.EPOLLIN)
        byfd[s.fileno()] = (k, s)
    sa, sb = socks["a"], socks["b"]
    while not stop[0]:
        try:
            events = ep.poll(0.2)
        except InterruptedError:
            continue
        for fd, _ in events:
            k, s = byfd[fd]
            # at most 256 datagrams per socket per round: a busy socket
            # must not starve the other one
            for _ in range(256):
                try:
                    pkt, src = s.recvfrom(2048)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    continue
                if k == "b":
                    fwd.packet(index, pkt, src[1])
                    if len(pkt) >= 12:
                        ssrc = int.from_bytes(pkt[8:12], "big") ^ 0x5A5A5A5A
                        try:
                            sb.sendto(pkt[:8] + ssrc.to_bytes(4, "big") + pkt[12:], src)
                        except OSError:
                            pass
                    if dump is not None and fwd.pkts <= 2:
                        dump.write(pkt[12:].hex() + "\n")
                        dump.flush()
                elif k == "a":
                    ret.packet(index, pkt, src[1])
                else:
                    rtcp[0] += 1
            if k == "b":
                now = time.monotonic()
                if t_first[0] is None:
                    t_first[0] = now
                t_last[0] = now
    res = {"chunks": nchunks, "distinct_chunks": len(index), "forward": fwd.as_dict(),
           "return": ret.as_dict(), "rtcp": rtcp[0],
           "span_s": round(t_last[0] - t_first[0], 2) if t_first[0] else 0}
    with open(stats, "w") as f:
        json.dump(res, f)


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
    elif len(sys.argv) == 6 and sys.argv[1] == "media":
        cmd_media(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
