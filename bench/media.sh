#!/bin/bash
# Bridged calls with RTP: N simultaneous held calls per step (STEPS, each
# step bounded in time), every one a SIPp UAC (bench/media_uac.xml) calling
# extension "media" whose dialplan is Dial(PJSIP/callee); the callee is a
# SIPp UAS (bench/media_uas.xml) reached through a static AOR contact.
# Both legs negotiate PCMU only, so the bridge relays G.711 untranslated.
#
# Media: SIPp does only SIP; both RTP ends are bench/rtpgen (C, built
# beside zvonok: thousands of calls at 50 packets/s each way).  The
# caller's SDP names its port A, the callee's its port B.  The UAC logs
# the PBX's media address of every answered call (an <ereg> on the 200
# OK's SDP, a <log> into calls.log), which rtpgen follows: from port A it
# streams raw PCMU made by sox (a 300-3300 Hz sweep, every 20 ms chunk
# distinct) once per call, each call its own SSRC/sequence/timestamp, the
# calls' 20 ms ticks spread over the period and batched with sendmmsg.
# At port B it counts every packet the PBX relays, checks that its
# payload is a chunk of the file and follows the previous one of its
# stream, and echoes it back; the echoes relayed back to port A are
# counted and checked the same way.  Loss = 1 - received / (calls x
# chunks of the file), forward (caller -> callee) and round trip (back at
# the caller); "kernel drops" are the UDP receive errors of the whole host
# over the step (/proc/net/snmp), to tell socket overflow from PBX loss,
# and "backlog drops" the per-CPU input queue's (/proc/net/softnet_stat;
# loopback packets, and those the eBPF program redirects, pass it).
#
# Per step: calls ok/failed (SIPp), Zvonok's CPU (utime+stime of
# /proc/<pid>/stat, in % of one core) over a steady window in which every
# call of the step is up and streaming, that CPU per call, the RSS with
# every call up minus the idle RSS per 100 calls, loss and payload checks.
# Then linear fits over the steps (CPU and RSS against calls) and the
# comparison with Asterisk 22.10.1 on this kind of machine (0.15% of a core
# per bridged G.711 call, +46 MB RSS per 100 bridged calls, idle RSS 72 MB,
# start-up 0.5-0.7 s; Asterisk is not packaged for Debian 12 and is not run
# here) and with Zvonok's targets (<= 0.03% per call, <= 2 MB per 100
# calls, 0 loss, idle <= 15 MB, start-up <= 50 ms).
#
# Start-up: STARTS times, the time from the fork of Zvonok to its first
# answer to a SIP OPTIONS (polled every millisecond), and the "ready in X
# ms" it logs; the last start is the server of the steps.
#
# Modes (MODES, default "user kernel"): every step runs once per mode, each
# mode on a fresh Zvonok: rtp.conf kernel_forwarding=no (the native bridge
# relays RTP packet by packet in user space) and kernel_forwarding=yes (the
# eBPF TC program forwards it; needs root, else the mode says it is off and
# measures the user-space relay again).  A table at the end puts both modes'
# CPU per call, RSS and loss side by side; each step also prints how many
# packets the kernel forwarded and how many the user-space relay saw, and
# with sysctl kernel.bpf_stats_enabled=1 (not set here: it is host-wide)
# the program's runs and time per run.  The PBX's CPU does not include the
# forwarding itself: it runs in the receive softirq, accounted to the
# sender of the packet (rtpgen on loopback) or ksoftirqd; see "host busy"
# and rtpgen's own CPU.
#
# Usage: bench/media.sh [zvonok-binary]   (rtpgen is taken from the same
#        directory, or RTPGEN)
# Environment: STEPS ("50 100 200 400" simultaneous calls), STEP (20: seconds
#              of audio per call, i.e. the hold time), RAMP (100 new calls
#              per second while a step ramps up: SIPp sets up 400/s
#              cleanly here), STARTS (3), WORKERS (nproc),
#              MODES ("user kernel"), SLACK (2: seconds a call is held
#              beyond its audio, so that packets a starved rtpgen sends
#              late still find the call up; its lateness is printed), SETTLE (15: seconds after the last
#              step before the RSS after load is read), MEDIA_DEBUG=1 lists
#              the channels left at the end, MEDIA_HOOK (a command run with
#              Zvonok's pid, the step's calls and the mode once the RSS is
#              read, every call still up: e.g. to copy /proc/<pid>/smaps;
#              its output goes to stderr), BASELINE (1: before each step
#              the CPU of rtpgen alone for 4 s, as many streams sent straight
#              from its caller end to its callee end and echoed, no PBX:
#              what the test side costs by itself; rtpgen's CPU in the step
#              minus this is what the relaying, in the kernel or in Zvonok,
#              costs the senders on loopback; 0: skipped).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ZVONOK=${1:-${ZVONOK:-$HERE/../build/zvonok}}
STEPS=${STEPS:-"50 100 200 400"}
STEP=${STEP:-20}
RAMP=${RAMP:-100}
STARTS=${STARTS:-3}
MODES=${MODES:-"user kernel"}
SETTLE=${SETTLE:-15}
SLACK=${SLACK:-2}
WORKERS=${WORKERS:-$(nproc)}
command -v sipp >/dev/null || { echo "sipp (sip-tester) is needed" >&2; exit 1; }
command -v sox >/dev/null || { echo "sox is needed" >&2; exit 1; }
[ -x "$ZVONOK" ] || { echo "no zvonok binary at $ZVONOK" >&2; exit 1; }
ZVONOK=$(cd "$(dirname "$ZVONOK")" && pwd)/$(basename "$ZVONOK")
RTPGEN=${RTPGEN:-$(dirname "$ZVONOK")/rtpgen}
[ -x "$RTPGEN" ] || { echo "no rtpgen at $RTPGEN (cmake --build build --target rtpgen)" >&2; exit 1; }
. "$HERE/lib.sh"
PY=$(command -v /usr/bin/python3 || command -v python3)
RTPH="$HERE/media_rtp.py"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zvbench.XXXXXX")
SERVER_PID="" UAS_PID="" UAC_PID="" MEDIA_PID="" UACPORT=0
gone() { # wait up to 10 s for a pid that may not be our child
	local i
	for i in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$1" 2>/dev/null
}
cleanup() {
	local p
	for p in $UAC_PID $MEDIA_PID $UAS_PID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && gone "$SERVER_PID"
	rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

now() { date +%s.%N; }
sleep_until() { # absolute time (seconds since the epoch, fractional)
	local d
	d=$("$PY" -c 'import sys,time; print(max(0.0, float(sys.argv[1]) - time.time()))' "$1")
	sleep "$d"
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
sock_drops() { # drops of the UDP sockets now open: Zvonok's RTP range, SIPp's, rtpgen's
	"$PY" - "$SINK_A" "$SINK_B" "$UASPORT" "$UACPORT" <<'EOP'
import sys
a, b, uas, uac = map(int, sys.argv[1:])
z = s = k = 0
for line in list(open("/proc/net/udp"))[1:]:
    f = line.split()
    p, d = int(f[1].split(":")[1], 16), int(f[-1])
    if 10000 <= p <= 29999:
        z += d
    elif p in (uas, uac):
        s += d
    elif p in (a, a + 1, b, b + 1):
        k += d
print("%d/%d/%d" % (z, s, k))
EOP
}
backlog_drops() { # packets dropped by the per-CPU input queues (softnet_stat column 2)
	local d=0 x
	while read -r _ x _; do d=$((d + 16#$x)); done </proc/net/softnet_stat
	echo "$d"
}
baseline() { # N: rtpgen's CPU (% of a core) streaming N calls to itself, no PBX
	local b pid t0 c0 t1 c1
	b="$TMP/baseline.$1"
	if [ ! -s "$b" ]; then
		"$RTPGEN" -t 30 -l "$1" "$TMP/media.ulaw" "$SINK_A" "$SINK_B" "$TMP/baseline.json" \
			/dev/null 2>/dev/null &
		pid=$!
		sleep 1.5
		c0=$(cpu_ticks "$pid") t0=$(now)
		sleep 4
		c1=$(cpu_ticks "$pid") t1=$(now)
		kill -TERM "$pid"
		wait "$pid"
		"$PY" -c 'import sys; c0,c1,t0,t1,hz=map(float,sys.argv[1:]); print("%.1f" % ((c1-c0)/hz/(t1-t0)*100))' \
			"$c0" "$c1" "$t0" "$t1" "$(getconf CLK_TCK)" >"$b"
	fi
	cat "$b"
}
host_busy() { # busy and total ticks of the host (/proc/stat)
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6 "," t }' /proc/stat
}
udp_errs() { # RcvbufErrors + InErrors(other), NoPorts of the host
	awk '/^Udp:/ { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 } else print $c["InErrors"], $c["NoPorts"] }' /proc/net/snmp
}

# ---- audio -----------------------------------------------------------------
cd "$TMP" || exit 1
# raw mu-law: rtpgen sends the file's 160-octet chunks as they are
sox -n -r 8000 -c 1 -e u-law -t ul "$TMP/media.ulaw" synth "$STEP" sine 300-3300 vol 0.5 2>"$TMP/sox.err" ||
	{ cat "$TMP/sox.err"; exit 1; }
read -r CHUNKS DISTINCT < <("$PY" "$RTPH" chunks "$TMP/media.ulaw")

# ---- configuration ---------------------------------------------------------
ZPORT=$(free_port)
UASPORT=$(free_port)
read -r SINK_A SINK_B < <("$PY" "$RTPH" ports 2)
zvonok_dir "$TMP/zv"
# RTP ports 10000-29999: an RTP+RTCP pair per leg, two legs a call, so
# 5000 calls; below the ephemeral range that free_port draws from.
rtp_conf() { # MODE: user (the relay in user space) or kernel (eBPF forwarding)
	cat >"$TMP/zv/rtp.conf" <<EOC
[general]
rtpstart=10000
rtpend=29999
kernel_forwarding=$([ "$1" = kernel ] && echo yes || echo no)
EOC
}
set -- $MODES
rtp_conf "$1"
cat >"$TMP/zv/pjsip.conf" <<EOC
[global]
type=global
unauth_rate_limit=0
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT
[caller]
type=endpoint
context=bench
disallow=all
allow=ulaw
[caller]
type=identify
endpoint=caller
match=127.0.0.1
[callee]
type=aor
contact=sip:callee@127.0.0.1:$UASPORT
[callee]
type=endpoint
context=bench
disallow=all
allow=ulaw
aors=callee
EOC
cat >"$TMP/zv/extensions.conf" <<'EOC'
[bench]
exten => media,1,Dial(PJSIP/callee)
 same => n,Hangup()
EOC

# ---- start-up --------------------------------------------------------------
STARTUP=""
READY=""
for i in $(seq "$STARTS"); do
	read -r SERVER_PID ms code < <("$PY" "$RTPH" startup "$TMP/zv/out.log" "$ZPORT" \
		"$ZVONOK" -f -C "$TMP/zv")
	if [ "${ms:--1}" = -1 ]; then
		echo "Zvonok did not answer OPTIONS:"
		cat "$TMP/zv/out.log"
		exit 1
	fi
	sleep 0.3
	r=$(grep -o 'ready in [0-9.]* ms' "$TMP/zv/out.log" | head -1 | awk '{ print $3 }')
	STARTUP="$STARTUP $ms"
	READY="$READY ${r:-n/a}"
	if [ "$i" -lt "$STARTS" ]; then
		kill "$SERVER_PID"
		gone "$SERVER_PID"
		SERVER_PID=""
	fi
done
sleep 2
IDLE_RSS=$(rss_kb "$SERVER_PID")
c0=$(cpu_ticks "$SERVER_PID") t0=$(now)
sleep 3
c1=$(cpu_ticks "$SERVER_PID") t1=$(now)
IDLE_CPU=$("$PY" -c 'import sys; c0,c1,t0,t1,hz=map(float,sys.argv[1:]); print("%.2f" % ((c1-c0)/hz/(t1-t0)*100))' \
	"$c0" "$c1" "$t0" "$t1" "$(getconf CLK_TCK)")
echo "Zvonok ($ZVONOK), $WORKERS workers, PCMU both legs, ${STEP}s of audio per call ($CHUNKS packets of 20 ms, $DISTINCT distinct), ramp ${RAMP} calls/s"
echo "start-up to the first OPTIONS answer (ms, $STARTS starts):$STARTUP; Zvonok's own \"ready in\" (ms):$READY"
echo "idle: RSS $(awk -v k="$IDLE_RSS" 'BEGIN { printf "%.1f", k / 1024 }') MB, CPU $IDLE_CPU%"

# ---- the callee ------------------------------------------------------------
sipp -sf "$HERE/media_uas.xml" -i 127.0.0.1 -p "$UASPORT" -mp "$(free_port)" \
	-key sinkport "$SINK_B" -nostdin -max_socket 60000 >"$TMP/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.5
kill -0 "$UAS_PID" 2>/dev/null || { cat "$TMP/uas.out"; exit 1; }

for MODE in $MODES; do
if [ "$MODE" != "$1" ]; then # the next mode: a fresh Zvonok with its rtp.conf
	kill "$SERVER_PID"
	gone "$SERVER_PID"
	rtp_conf "$MODE"
	read -r SERVER_PID ms code < <("$PY" "$RTPH" startup "$TMP/zv/out.log" "$ZPORT" \
		"$ZVONOK" -f -C "$TMP/zv")
	[ "${ms:--1}" = -1 ] && { echo "Zvonok did not answer OPTIONS:"; cat "$TMP/zv/out.log"; exit 1; }
	sleep 2
	IDLE_RSS=$(rss_kb "$SERVER_PID")
fi
# ---- the steps -------------------------------------------------------------
: >"$TMP/results.$MODE"
echo
echo "== mode: $MODE ($([ "$MODE" = kernel ] && echo "kernel_forwarding=yes: RTP forwarded by the eBPF TC program" || echo "kernel_forwarding=no: RTP relayed packet by packet in user space"))"
if [ "$MODE" = kernel ]; then
	"$ZVONOK" -C "$TMP/zv" -rx "rtp show kernel" | head -2 | sed 's/^/   /'
	"$ZVONOK" -C "$TMP/zv" -rx "rtp show kernel" | grep -q "Kernel forwarding: on" ||
		echo "   (kernel forwarding is off: this mode measures the user-space relay again)"
fi
printf '%-6s %-13s %-9s %-14s %-21s %-26s %-8s\n' calls "ok/failed" "cpu" "per call" "RSS (+ per 100)" \
	"loss fwd / round trip" "kernel drops"
for n in $STEPS; do
	ramp=$("$PY" -c "print($n / $RAMP)")
	if [ "$("$PY" -c "print(int($STEP - 1 - ($ramp + 2) >= 1))")" != 1 ]; then
		echo "$n: STEP ($STEP s) too short for a steady window after a ${ramp}s ramp; skipped"
		continue
	fi
	alone=-1
	[ "${BASELINE:-1}" = 1 ] && alone=$(baseline "$n")
	rm -f "$TMP"/stat*.csv "$TMP/media.json" "$TMP/calls.log"
	"$RTPGEN" -t $((STEP + 120)) "$TMP/media.ulaw" "$SINK_A" "$SINK_B" "$TMP/media.json" \
		"$TMP/calls.log" 2>"$TMP/media.err" &
	MEDIA_PID=$!
	sleep 0.5
	read -r e0 np0 < <(udp_errs)
	b0=$(backlog_drops)
	ts=$(now)
	UACPORT=$(free_port)
	(cd "$TMP" && exec sipp "127.0.0.1:$ZPORT" -sf "$HERE/media_uac.xml" -s media -r "$RAMP" \
		-m "$n" -l "$n" -d $((STEP * 1000 + SLACK * 1000)) -i 127.0.0.1 -p "$UACPORT" \
		-key sinkport "$SINK_A" -timeout $((STEP + 60)) -max_retrans 5 -max_socket 60000 \
		-trace_logs -log_file "$TMP/calls.log" \
		-trace_stat -stf "$TMP/stat.csv" -fd 1 -nostdin) >"$TMP/uac.out" 2>&1 &
	UAC_PID=$!
	sleep_until "$("$PY" -c "print($ts + $ramp + 2)")"
	c0=$(cpu_ticks "$SERVER_PID") t0=$(now)
	o0="$(cpu_ticks "$MEDIA_PID") $(cpu_ticks "$UAC_PID") $(cpu_ticks "$UAS_PID") $(host_busy)"
	sleep_until "$("$PY" -c "print($ts + $STEP - 1)")"
	c1=$(cpu_ticks "$SERVER_PID") t1=$(now)
	o1="$(cpu_ticks "$MEDIA_PID") $(cpu_ticks "$UAC_PID") $(cpu_ticks "$UAS_PID") $(host_busy)"
	rss=$(rss_kb "$SERVER_PID")
	[ -n "${MEDIA_HOOK:-}" ] && $MEDIA_HOOK "$SERVER_PID" "$n" "$MODE" >&2
	drops=$(sock_drops)
	# every TC filter on lo (other Zvonoks' too) runs on each packet, twice
	# on loopback (before and after the redirect)
	nfilt=$(tc filter show dev lo ingress 2>/dev/null | grep -c 'handle 0x')
	kern=$("$ZVONOK" -C "$TMP/zv" -rx "rtp show kernel" 2>/dev/null)
	kfwd=$(sed -n 's/^Kernel-forwarded packets: //p' <<<"$kern")
	kuser=$(sed -n 's/^User-space relayed packets: //p' <<<"$kern")
	kprog=$(grep '^Program runs' <<<"$kern")
	nchan=$("$ZVONOK" -C "$TMP/zv" -rx "core show channels" 2>/dev/null | grep -oiE '^[0-9]+ active channels?' | awk '{ print $1 }')
	wait "$UAC_PID"
	UAC_PID=""
	sleep 1
	kill -TERM "$MEDIA_PID"
	wait "$MEDIA_PID"
	MEDIA_PID=""
	read -r e1 np1 < <(udp_errs)
	b1=$(backlog_drops)
	rss_after=$(rss_kb "$SERVER_PID")
	"$PY" - "$n" "$TMP/stat.csv" "$TMP/media.json" "$c0" "$c1" "$t0" "$t1" "$(getconf CLK_TCK)" \
		"$rss" "$IDLE_RSS" "$rss_after" "$((e1 - e0))" "$((np1 - np0))" "${nchan:-?}" "$drops" "$o0" "$o1" "${kfwd:-0}" "${kuser:-0}" "$((b1 - b0))" "${nfilt:-0}" "$alone" >>"$TMP/results.$MODE" <<'EOP'
import json, sys
(n, stat, media, c0, c1, t0, t1, hz, rss, idle, after, errs, noports, nchan, drops, o0, o1,
 kfwd, kuser, backlog, nfilt, alone) = sys.argv[1:]
o0, o1 = o0.split(), o1.split()
dt = float(t1) - float(t0)
others = [(int(b) - int(a)) / float(hz) / dt * 100 for a, b in zip(o0[:3], o1[:3])]
(hb0, ht0), (hb1, ht1) = [map(int, x[3].split(",")) for x in (o0, o1)]
host = (hb1 - hb0) / (ht1 - ht0) * 100 if ht1 > ht0 else 0
n = int(n)
ok = fail = 0
try:
    rows = [l.rstrip("\n").split(";") for l in open(stat) if l.strip()]
    head, last = rows[0], rows[-1]
    ok = int(last[head.index("SuccessfulCall(C)")])
    fail = int(last[head.index("FailedCall(C)")])
except (OSError, IndexError, ValueError):
    pass
try:
    m = json.load(open(media))
except (OSError, ValueError):
    m = {"chunks": 0, "forward": {}, "return": {}}
cpu = (int(c1) - int(c0)) / float(hz) / (float(t1) - float(t0)) * 100
exp = ok * m["chunks"]
f, r = m["forward"], m["return"]
loss = lambda got: (1 - got / exp) * 100 if exp else 100.0
print(json.dumps({"n": n, "ok": ok, "fail": fail, "cpu": cpu, "window": float(t1) - float(t0),
                  "rss": int(rss), "idle": int(idle), "after": int(after),
                  "fwd": f, "ret": r, "exp": exp,
                  "loss_fwd": loss(f.get("packets", 0)), "loss_rt": loss(r.get("packets", 0)),
                  "errs": int(errs), "noports": int(noports), "nchan": nchan, "drops": drops,
                  "others": others, "host": host, "kfwd": int(kfwd), "kuser": int(kuser),
                  "backlog": int(backlog), "filters": int(nfilt), "alone": float(alone), "gen": m.get("generator", {})}))
EOP
	"$PY" - "$TMP/results.$MODE" <<'EOP'
import json, sys
s = json.loads(open(sys.argv[1]).read().splitlines()[-1])
n = s["n"]
f, r = s["fwd"], s["ret"]
print("%-6d %-13s %-9s %-14s %-21s %-26s %-8s" % (
    n, "%d/%d" % (s["ok"], s["fail"]), "%.1f%%" % s["cpu"], "%.4f%%" % (s["cpu"] / n),
    "%.1f MB (+%.2f)" % (s["rss"] / 1024, (s["rss"] - s["idle"]) / 1024 / n * 100),
    "%.3f%% / %.3f%%" % (s["loss_fwd"], s["loss_rt"]), "%d" % s["errs"]))
print("       window %.1fs: rtpgen %.0f%%, SIPp UAC %.0f%%, SIPp UAS %.0f%% of a core, host %.0f%% busy"
      % ((s["window"],) + tuple(s["others"]) + (s["host"],)))
g = s["gen"]
print("       rtpgen: %d calls learned, %d fully sent; sent %d, echoed %d, send errors %d, retries %d;"
      " sending ticks >= 5 ms late %d (worst %d ms, echoing %d ms); socket buffers %d/%d;"
      " backlog drops %d; TC filters on lo %d"
      % (g.get("calls", 0), g.get("calls_done", 0), g.get("sent", 0), g.get("echoed", 0),
         g.get("send_errors", 0), g.get("send_retries", 0), g.get("late_ticks_5ms", 0),
         g.get("late_max_ms", 0), g.get("echo_late_max_ms", 0), g.get("rcvbuf", 0), g.get("sndbuf", 0), s["backlog"],
         s["filters"]))
if s["alone"] >= 0:
    print("       rtpgen alone (the same streams to itself, no PBX) %.0f%% of a core: relaying cost the"
          " senders %.0f%% more = %.4f%% of a core per call, besides Zvonok's own"
          % (s["alone"], s["others"][0] - s["alone"], (s["others"][0] - s["alone"]) / n))
if g.get("sent") and (f.get("packets", 0) < g["sent"] or r.get("packets", 0) < g.get("echoed", 0)):
    print("       loss against what rtpgen sent: forward %.3f%%, echoes %.3f%%"
          % ((1 - f.get("packets", 0) / g["sent"]) * 100,
             (1 - r.get("packets", 0) / g["echoed"]) * 100 if g.get("echoed") else 100.0))
print("       %s channels up; packets expected %d, forward %d (%d payloads ok, %d out of"
      " sequence, %d streams), round trip %d (%d ok, %d out of sequence, %d streams); RSS after"
      " the step %.1f MB; UDP to closed ports %d; socket drops at the window's end"
      " (Zvonok/SIPp/sinks) %s" % (
          s["nchan"], s["exp"], f.get("packets", 0), f.get("payload_ok", 0),
          f.get("out_of_sequence", 0), f.get("streams", 0), r.get("packets", 0), r.get("payload_ok", 0),
          r.get("out_of_sequence", 0), r.get("streams", 0), s["after"] / 1024, s["noports"], s["drops"]))
print("       RTP packets so far (process lifetime): forwarded in the kernel %d, relayed in user space %d"
      % (s["kfwd"], s["kuser"]))
EOP
	[ -n "$kprog" ] && echo "       eBPF $kprog"
	[ "$("$PY" -c "import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print(s['ok'])" "$TMP/results.$MODE")" = "$n" ] ||
		{ grep -E "^20[0-9]{2}-" "$TMP/uac.out" | head -3; }
done

# ---- summary ---------------------------------------------------------------
sleep 1
left=$("$ZVONOK" -C "$TMP/zv" -rx "core show channels" 2>/dev/null | grep -oiE '^[0-9]+ active channels?' | awk '{ print $1 }')
[ -n "${MEDIA_DEBUG:-}" ] && "$ZVONOK" -C "$TMP/zv" -rx "core show channels" | tail -8
echo "channels still listed by \"core show channels\" 1 s after the last step's calls ended: ${left:-?}"
# Memory after load: the RSS once the last step's calls have been gone
# SETTLE seconds (the RTP pool closes idle pairs after 10 s, the daemon
# trims the heap once calls stop ending), against the idle RSS and the
# highest RSS of the steps.
sleep "$SETTLE"
SETTLED_RSS=$(rss_kb "$SERVER_PID")
"$PY" - "$TMP/results.$MODE" "$IDLE_RSS" "$SETTLED_RSS" "$SETTLE" <<'EOP'
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
idle, settled, settle = int(sys.argv[2]) / 1024, int(sys.argv[3]) / 1024, sys.argv[4]
peak = max([s["rss"] for s in steps] or [0]) / 1024
print("RSS after load: idle %.1f MB, peak %.1f MB (with the calls up), %.1f MB %s s after the"
      " last calls ended (%.1f MB above idle, %.0f%% of the growth returned)"
      % (idle, peak, settled, settle, settled - idle,
         (peak - settled) / (peak - idle) * 100 if peak > idle else 100))
EOP
echo
echo "-- $MODE:"
"$PY" - "$TMP/results.$MODE" "$IDLE_RSS" "$STARTUP" <<'EOP'
import json, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
idle_mb = int(sys.argv[2]) / 1024
starts = sorted(float(x) for x in sys.argv[3].split())
if not steps:
    sys.exit("no step ran")
def fit(xs, ys):
    k = len(xs)
    if k < 2:
        return ys[0] / xs[0], 0.0
    mx, my = sum(xs) / k, sum(ys) / k
    sxx = sum((x - mx) ** 2 for x in xs)
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return a, my - a * mx
good = [s for s in steps if s["ok"] == s["n"] and s["fail"] == 0]
top = max(good or steps, key=lambda s: s["n"])
xs = [s["n"] for s in good or steps]
a_cpu, b_cpu = fit(xs, [s["cpu"] for s in good or steps])
a_rss, b_rss = fit(xs, [(s["rss"] - s["idle"]) / 1024 for s in good or steps])
per_call = top["cpu"] / top["n"]
mb100 = (top["rss"] - top["idle"]) / 1024 / top["n"] * 100
loss = max(max(s["loss_fwd"], s["loss_rt"]) for s in steps)
bad_payload = sum(s["fwd"].get("packets", 0) - s["fwd"].get("payload_ok", 0) +
                  s["ret"].get("packets", 0) - s["ret"].get("payload_ok", 0) for s in steps)
start = starts[len(starts) // 2]
ratio = lambda a, z: "%.1fx" % (a / z) if z > 0 else "n/a"
met = lambda ok: "met" if ok else "NOT met"
print("At %d bridged calls: %.4f%% of a core per call (fit over the steps: %.4f%% per call + %.1f%%)"
      % (top["n"], per_call, a_cpu, b_cpu))
print("  Asterisk 22.10.1: 0.15%% per call -> Asterisk/Zvonok %s; target <= 0.03%%: %s"
      % (ratio(0.15, per_call), met(per_call <= 0.03)))
print("RSS: %.2f MB per 100 bridged calls (fit: %.2f MB per 100 calls + %.1f MB)"
      % (mb100, a_rss * 100, b_rss))
print("  Asterisk 22.10.1: +46 MB per 100 calls -> Asterisk/Zvonok %s; target <= 2 MB: %s"
      % (ratio(46, mb100), met(mb100 <= 2)))
print("RTP loss: worst step %.3f%% (forward or round trip); payloads not from the file: %d; target 0: %s"
      % (loss, bad_payload, met(loss == 0 and bad_payload == 0)))
print("Idle RSS %.1f MB (Asterisk 72 MB, target <= 15 MB: %s); start-up %.1f ms median to SIP-ready"
      " (Asterisk 500-700 ms, target <= 50 ms: %s)"
      % (idle_mb, met(idle_mb <= 15), start, met(start <= 50)))
EOP
done

# ---- both modes side by side -------------------------------------------------
echo
echo "== user-space relay vs kernel forwarding, per step"
"$PY" - "$TMP" $MODES <<'EOP'
import json, os, sys
tmp, modes = sys.argv[1], sys.argv[2:]
res = {}
for m in modes:
    p = os.path.join(tmp, "results." + m)
    res[m] = {s["n"]: s for s in (json.loads(l) for l in open(p) if l.strip())} if os.path.exists(p) else {}
ns = sorted(set(n for m in modes for n in res[m]))
head = "%-6s" % "calls"
for m in modes:
    head += " | %-8s %-10s %-9s %-17s" % (m, "cpu/call", "MB/100", "loss fwd/rt")
print(head)
for n in ns:
    line = "%-6d" % n
    for m in modes:
        s = res[m].get(n)
        if not s:
            line += " | %-47s" % "-"
            continue
        line += " | %-8s %-10s %-9s %-17s" % (
            "%d/%d" % (s["ok"], s["n"]), "%.4f%%" % (s["cpu"] / n),
            "%.2f" % ((s["rss"] - s["idle"]) / 1024 / n * 100),
            "%.3f/%.3f%%" % (s["loss_fwd"], s["loss_rt"]))
    print(line)
EOP
