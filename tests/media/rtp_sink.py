#!/usr/bin/env python3
"""Receive one RTP stream (G.711) on a UDP port and write what arrives
as WAV files, for the call tests to analyse with tone_check.py.

usage: rtp_sink.py PORT OUT_PREFIX SECONDS [MARK_FILE]

Listens on 127.0.0.1:PORT for at most SECONDS (or until OUT_PREFIX.stop
exists).  PCMU (payload type 0) and PCMA (8) payloads are decoded to
16-bit PCM at 8000 Hz, in arrival order.  Without MARK_FILE everything
goes to OUT_PREFIX.wav; with it, what arrives before MARK_FILE exists goes
to OUT_PREFIX-before.wav and the rest to OUT_PREFIX-after.wav, so a test
can tell audio received after some signalling step (a re-INVITE) from
the audio before.  RFC 4733 events (any other payload type of 4 bytes
with the end bit) are listed in OUT_PREFIX.events, one digit a line.
"""
import os
import socket
import sys
import time
import wave

DIGITS = "0123456789*#ABCD"


def ulaw(b):
    b = ~b & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if b & 0x80 else (t - 0x84)


def alaw(b):
    b ^= 0x55
    seg = (b & 0x70) >> 4
    t = (b & 0x0F) << 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if b & 0x80 else -t


ULAW = [ulaw(i) for i in range(256)]
ALAW = [alaw(i) for i in range(256)]


def save(path, pcm):
    w = wave.open(path, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(8000)
    w.writeframes(b"".join(int(v).to_bytes(2, "little", signed=True) for v in pcm))
    w.close()


def main():
    port, prefix, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    mark = sys.argv[4] if len(sys.argv) > 4 else None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.1)
    before, after, events = [], [], []
    last_end = None
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline and not os.path.exists(prefix + ".stop"):
        try:
            d = s.recv(2048)
        except socket.timeout:
            continue
        if len(d) < 12 or d[0] >> 6 != 2:
            continue
        cc = d[0] & 0x0F
        pt = d[1] & 0x7F
        body = d[12 + 4 * cc:]
        if d[0] & 0x10 and len(body) >= 4:  # header extension
            body = body[4 + 4 * int.from_bytes(body[2:4], "big"):]
        if pt in (0, 8):
            table = ULAW if pt == 0 else ALAW
            out = after if mark and os.path.exists(mark) else before
            out.extend(table[b] for b in body)
        elif len(body) == 4 and body[1] & 0x80 and body[0] < len(DIGITS):
            ts = d[4:8]
            if ts != last_end:  # the end is sent three times
                last_end = ts
                events.append(DIGITS[body[0]])
    if mark:
        save(prefix + "-before.wav", before)
        save(prefix + "-after.wav", after)
    else:
        save(prefix + ".wav", before)
    with open(prefix + ".events", "w") as f:
        f.write("".join(e + "\n" for e in events))


main()
