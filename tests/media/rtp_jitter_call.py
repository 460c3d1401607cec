#!/usr/bin/env python3
"""A SIP caller that sends a jittered, reordered RTP stream of tone steps.

usage: rtp_jitter_call.py SIP_PORT EXTEN [MAX_DELAY_MS] [SEED]

Calls EXTEN at 127.0.0.1:SIP_PORT as user 300 (or $ZV_CALLER) over UDP (INVITE with a
PCMU offer, ACK), then sends STEPS (the frequencies below, REPEAT times,
100 ms = 5 packets of 20 ms each) as u-law RTP to the address of the
answer: packet k is due at k x 20 ms and is sent up to MAX_DELAY_MS (150)
later, a random delay per packet (SEED, 7), so packets arrive reordered
by several positions.  Sequence numbers and timestamps are those of the
original order.  Then it answers the BYE of the PBX (or sends its own
after 8 s) and exits 0; it exits 1 when the call fails.  Prints the step
sequence sent, one frequency a line, for the test to compare.
"""
import math
import os
import random
import re
import socket
import sys
import time

FREQS = [400, 800, 1200, 1600, 2000, 2400, 2800, 3200]
REPEAT = 3
PER_STEP = 5


def ulaw(sample):
    """16-bit linear to G.711 u-law (the ITU bias-and-segment rule)."""
    sign = 0x80 if sample < 0 else 0
    mag = min(abs(sample), 32635) + 0x84
    exp = 7
    mask = 0x4000
    while exp > 0 and not mag & mask:
        exp -= 1
        mask >>= 1
    mant = (mag >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF


def packets():
    out = []
    phase = 0.0
    for _ in range(REPEAT):
        for f in FREQS:
            for _ in range(PER_STEP):
                b = bytearray()
                for _ in range(160):
                    b.append(ulaw(int(12000 * math.sin(phase))))
                    phase += 2 * math.pi * f / 8000
                out.append(bytes(b))
    return out


def sip_msg(lines, body=""):
    return ("\r\n".join(lines) + "\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)).encode()


def main():
    sip_port, exten = int(sys.argv[1]), sys.argv[2]
    max_delay = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.150
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind(("127.0.0.1", 0))
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    lport, rport = sip.getsockname()[1], rtp.getsockname()[1]
    pbx = ("127.0.0.1", sip_port)
    callid = "jb-%d-%d@127.0.0.1" % (lport, int(time.time()))
    user = os.environ.get("ZV_CALLER", "300")
    frm = "<sip:%s@127.0.0.1:%d>;tag=jb%d" % (user, lport, lport)
    to = "<sip:%s@127.0.0.1:%d>" % (exten, sip_port)
    via = "Via: SIP/2.0/UDP 127.0.0.1:%d;rport;branch=z9hG4bK%s" % (lport, "%s")
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n" % rport)
    invite = sip_msg([
        "INVITE sip:%s@127.0.0.1:%d SIP/2.0" % (exten, sip_port), via % "inv1",
        "From: " + frm, "To: " + to, "Call-ID: " + callid, "CSeq: 1 INVITE",
        "Contact: <sip:%s@127.0.0.1:%d>" % (user, lport), "Max-Forwards: 70",
        "Content-Type: application/sdp"], sdp)
    sip.settimeout(0.5)
    answer = None
    for _ in range(20):
        sip.sendto(invite, pbx)
        try:
            while True:
                data = sip.recv(65535).decode(errors="replace")
                code = int(data.split(" ", 2)[1]) if data.startswith("SIP/2.0") else 0
                if code >= 300:
                    print("call failed: %d" % code, file=sys.stderr)
                    return 1
                if code == 200:
                    answer = data
                    break
        except socket.timeout:
            pass
        if answer:
            break
    if not answer:
        print("no answer", file=sys.stderr)
        return 1
    to_hdr = re.search(r"^To: (.*)$", answer, re.M | re.I).group(1).strip()
    m = re.search(r"^m=audio (\d+)", answer, re.M)
    c = re.search(r"^c=IN IP4 (\S+)", answer, re.M)
    dest = (c.group(1), int(m.group(1)))
    ack = sip_msg([
        "ACK sip:%s@127.0.0.1:%d SIP/2.0" % (exten, sip_port), via % "ack1",
        "From: " + frm, "To: " + to_hdr, "Call-ID: " + callid, "CSeq: 1 ACK",
        "Max-Forwards: 70"])
    sip.sendto(ack, pbx)

    pkts = packets()
    rnd = random.Random(seed)
    start = time.monotonic() + 0.1
    sched = sorted((start + k * 0.020 + rnd.uniform(0, max_delay), k) for k in range(len(pkts)))
    ssrc, seq0, ts0 = 0x4a42, 1000, 50000
    for when, k in sched:
        d = when - time.monotonic()
        if d > 0:
            time.sleep(d)
        hdr = bytes([0x80, 0x80 if k == 0 else 0]) + ((seq0 + k) & 0xFFFF).to_bytes(2, "big")
        hdr += ((ts0 + 160 * k) & 0xFFFFFFFF).to_bytes(4, "big") + ssrc.to_bytes(4, "big")
        rtp.sendto(hdr + pkts[k], dest)

    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        try:
            data = sip.recv(65535).decode(errors="replace")
        except socket.timeout:
            continue
        if data.startswith("BYE "):
            hdrs = [l for l in data.split("\r\n") if re.match(r"(Via|From|To|Call-ID|CSeq):", l, re.I)]
            sip.sendto(sip_msg(["SIP/2.0 200 OK"] + hdrs), pbx)
            break
    else:
        bye = sip_msg([
            "BYE sip:%s@127.0.0.1:%d SIP/2.0" % (exten, sip_port), via % "bye1",
            "From: " + frm, "To: " + to_hdr, "Call-ID: " + callid, "CSeq: 2 BYE",
            "Max-Forwards: 70"])
        sip.sendto(bye, pbx)
    for _ in range(REPEAT):
        for f in FREQS:
            print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
