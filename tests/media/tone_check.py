#!/usr/bin/env python3
"""Analyse the audio in a WAV file (16-bit PCM; of a stereo file the
channel given as the second argument, 0 by default).

Prints one line: "secs=<audible seconds> freq=<Hz> purity=<0..1> rms=<0..1>"
where freq is the strongest frequency between 100 and 3900 Hz (Goertzel:
a 10 Hz scan over 50 ms, then 1 Hz steps over up to a second) over the audible part, purity is the
share of the signal's power at that frequency, and audible seconds count
20 ms blocks whose RMS is above -40 dBFS.  Used by the call tests to check
that a tone arrived end to end (codec, RTP, bridge) and how long.

Options (they add fields at the end of the line; without them the line is
as above):
  --peaks N   "peaks=f1,f2,..": the N strongest frequencies at least 40 Hz
              apart (two-frequency tones such as 480+620), strongest first
  --cadence   "on=<ms> off=<ms>": the median length of the audible and of
              the silent stretches after the first audible block (20 ms
              resolution; off=0 when the audio never pauses)
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


def median(v):
    v = sorted(v)
    return v[len(v) // 2] if v else 0


def cadence(flags):
    """Median on and off run lengths (in blocks) after the first on block."""
    runs = {True: [], False: []}
    start = flags.index(True) if True in flags else len(flags)
    cur, n = True, 0
    for f in flags[start:]:
        if f == cur:
            n += 1
        else:
            runs[cur].append(n)
            cur, n = f, 1
    if n and cur:  # a trailing silence may be the end of the call
        runs[cur].append(n)
    return median(runs[True]), median(runs[False])


def peaks(seg, short, rate, count):
    scan = {f: goertzel_power(short, rate, f) for f in range(100, 3900, 10)}
    found = []
    for _ in range(count):
        cand = [f for f in scan if all(abs(f - p) >= 40 for p in found)]
        if not cand:
            break
        best = max(cand, key=lambda f: scan[f])
        found.append(max(range(best - 20, best + 21), key=lambda f: goertzel_power(seg, rate, f)))
    return found


def main():
    opts = [a for a in sys.argv[1:] if a.startswith("--")]
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    npeaks = 0
    if "--peaks" in sys.argv:
        i = sys.argv.index("--peaks")
        npeaks = int(sys.argv[i + 1])
        args.remove(sys.argv[i + 1])
    w = wave.open(args[0], "rb")
    pick = int(args[1]) if len(args) > 1 else 0  # channel of a stereo file
    rate = w.getframerate()
    ch = w.getnchannels()
    raw = w.readframes(w.getnframes())
    n = len(raw) // 2
    samples = [int.from_bytes(raw[2 * i:2 * i + 2], "little", signed=True) / 32768.0
               for i in range(pick, n, ch)]
    block = rate // 50
    audible = []
    flags = []
    for i in range(0, len(samples) - block + 1, block):
        b = samples[i:i + block]
        rms = math.sqrt(sum(v * v for v in b) / block)
        flags.append(rms > 0.01)
        if rms > 0.01:
            audible.extend(b)
    secs = len(audible) / rate
    extra = ""
    if npeaks:
        extra += " peaks=0"
    if "--cadence" in opts:
        on, off = cadence(flags)
        extra += " on=%d off=%d" % (on * 20, off * 20)
    if len(audible) < rate // 10:
        print("secs=%.2f freq=0 purity=0 rms=0%s" % (secs, extra))
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
    if npeaks:
        extra = extra.replace(" peaks=0", " peaks=" + ",".join(
            str(f) for f in peaks(seg, short, rate, npeaks)))
    print("secs=%.2f freq=%d purity=%.2f rms=%.3f%s" % (secs, best, min(purity, 1.0), rms, extra))


main()
