#!/usr/bin/env python3
"""The sequence of tone steps in a WAV file (16-bit mono, 8 kHz).

usage: tone_steps.py WAV FREQ...

From the first audible sample on, each 20 ms block that is audible
(RMS above -40 dBFS) is assigned the candidate frequency with the most
power (Goertzel); consecutive equal blocks form a run.  Prints one line:
"steps=F1,F2,... singles=N" where steps are the runs of at least two
blocks in order and singles counts the runs of one block (stray
frames: reordered or misplaced audio).  Used by call_jitterbuffer_test.
"""
import math
import sys
import wave


def power(x, f):
    c = 2 * math.cos(2 * math.pi * f / 8000)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2


def main():
    w = wave.open(sys.argv[1], "rb")
    freqs = [int(a) for a in sys.argv[2:]]
    raw = w.readframes(w.getnframes())
    x = [int.from_bytes(raw[i:i + 2], "little", signed=True) / 32768.0
         for i in range(0, len(raw) - 1, 2)]
    start = next((i for i, v in enumerate(x) if abs(v) > 0.02), len(x))
    start = max(0, start - 1)
    runs = []
    for i in range(start, len(x) - 159, 160):
        b = x[i:i + 160]
        if math.sqrt(sum(v * v for v in b) / 160) < 0.01:
            continue
        f = max(freqs, key=lambda q: power(b, q))
        if runs and runs[-1][0] == f:
            runs[-1][1] += 1
        else:
            runs.append([f, 1])
    steps = [str(f) for f, n in runs if n >= 2]
    singles = sum(1 for f, n in runs if n == 1)
    print("steps=%s singles=%d" % (",".join(steps), singles))


if __name__ == "__main__":
    main()
