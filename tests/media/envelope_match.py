#!/usr/bin/env python3
"""Does a recording carry a known piece of audio (music on hold, a
prompt)?  Compares loudness envelopes, which survive G.711/G.722 coding,
resampling and small gaps, where a sample-by-sample comparison would not.

Usage: envelope_match.py RECORDING REFERENCE [MAX-SECONDS]

Both are 16-bit PCM WAV files (mono, or the first channel); the
reference is read up to MAX-SECONDS (60).  Each is cut into 20 ms blocks
whose level in dB (floor -60 dBFS) forms the envelope; the recording's
audible stretch (first to last block above -40 dBFS) is slid along the
reference, and the best Pearson correlation wins.

Prints one line: "corr=<-1..1> at=<seconds into the reference> secs=<length
compared>".  Unrelated music gives correlations around 0.0-0.3; the same
audio through a codec 0.9 or more.
"""
import math
import sys
import wave

BLOCK_MS = 20


def envelope(path, max_secs=None):
    w = wave.open(path, "rb")
    if w.getsampwidth() != 2:
        sys.exit("%s: not 16-bit PCM" % path)
    rate, ch = w.getframerate(), w.getnchannels()
    frames = w.getnframes()
    if max_secs:
        frames = min(frames, int(max_secs * rate))
    raw = w.readframes(frames)
    samples = memoryview(raw).cast("h")[::ch]
    n = rate * BLOCK_MS // 1000
    env = []
    for i in range(0, len(samples) - n + 1, n):
        block = samples[i:i + n]
        rms = math.sqrt(sum(v * v for v in block) / n) / 32768
        env.append(max(-60.0, 20 * math.log10(rms)) if rms > 0 else -60.0)
    return env


def pearson(a, b):
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    va = sum((x - ma) ** 2 for x in a)
    vb = sum((y - mb) ** 2 for y in b)
    if va == 0 or vb == 0:
        return 0.0
    return sum((x - ma) * (y - mb) for x, y in zip(a, b)) / math.sqrt(va * vb)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rec = envelope(sys.argv[1])
    ref = envelope(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 60)
    loud = [i for i, v in enumerate(rec) if v > -40]
    if len(loud) < 25:
        print("corr=0.00 at=0.00 secs=0.00")
        return
    rec = rec[loud[0]:loud[-1] + 1]
    if len(rec) > len(ref):
        rec = rec[:len(ref)]
    best, at = -1.0, 0
    for off in range(0, len(ref) - len(rec) + 1):
        c = pearson(rec, ref[off:off + len(rec)])
        if c > best:
            best, at = c, off
    print("corr=%.2f at=%.2f secs=%.2f" % (best, at * BLOCK_MS / 1000, len(rec) * BLOCK_MS / 1000))


if __name__ == "__main__":
    main()
