#!/usr/bin/env python3
"""Analyse the audio in a WAV file (16-bit PCM; of a stereo file the
channel given as the second argument, 0 by default).

Prints one line: "secs=<audible seconds> freq=<Hz> purity=<0..1> rms=<0..1>"
where freq is the strongest frequency between 100 and 3900 Hz (Goertzel:
a 10 Hz scan over 50 ms, then 1 Hz steps over up to a second) over the audible part, purity is the
share of the signal's power at that frequency, and audible seconds count
20 ms blocks whose RMS is above -40 dBFS.  Used by the call tests to check
that a tone arrived end to end (codec, RTP, bridge) and how long.
"""
import math
import sys
import wave


def goertzel_power(x, rate, f):
    w = 2 * math.pi * f / rate
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s0 = v + c * s1 - s2
        s2 = s1
        s1 = s0
    return s1 * s1 + s2 * s2 - c * s1 * s2


def main():
    w = wave.open(sys.argv[1], "rb")
    pick = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # channel of a stereo file
    rate = w.getframerate()
    ch = w.getnchannels()
    raw = w.readframes(w.getnframes())
    n = len(raw) // 2
    samples = [int.from_bytes(raw[2 * i:2 * i + 2], "little", signed=True) / 32768.0
               for i in range(pick, n, ch)]
    block = rate // 50
    audible = []
    for i in range(0, len(samples) - block + 1, block):
        b = samples[i:i + block]
        rms = math.sqrt(sum(v * v for v in b) / block)
        if rms > 0.01:
            audible.extend(b)
    secs = len(audible) / rate
    if len(audible) < rate // 10:
        print("secs=%.2f freq=0 purity=0 rms=0" % secs)
        return
    # Middle second of the audible part, at most.
    mid = len(audible) // 2
    seg = audible[max(0, mid - rate // 2):mid + rate // 2]
    total = sum(v * v for v in seg) * len(seg) / 2
    # Coarse: 50 ms window (20 Hz resolution) in 10 Hz steps; fine: the
    # whole segment (1 Hz resolution) within 20 Hz of the coarse peak.
    short = seg[:rate // 20]
    best = max(range(100, 3900, 10), key=lambda f: goertzel_power(short, rate, f))
    best = max(range(best - 20, best + 21), key=lambda f: goertzel_power(seg, rate, f))
    purity = goertzel_power(seg, rate, best) / total if total else 0
    rms = math.sqrt(sum(v * v for v in seg) / len(seg))
    print("secs=%.2f freq=%d purity=%.2f rms=%.3f" % (secs, best, min(purity, 1.0), rms))


main()
