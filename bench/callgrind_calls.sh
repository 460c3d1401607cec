#!/bin/bash
# Instructions per call: Zvonok runs under callgrind, its counters are
# zeroed once it is ready, SIPp places CALLS calls of bench/calls.sh's
# scenario at a low rate (valgrind runs one thread at a time, ~50x
# slower), the counters are dumped 3 s after the last call ended (its
# transactions and timers done); what the idle PBX runs in that time
# (periodic prunes, measured over IDLE seconds first) is subtracted and
# the rest divided by CALLS.
# Unlike CPU time this does not depend on what else the machine runs, so
# two builds can be compared on a shared host; it counts user-space
# instructions only (a system call counts as one), so fewer system calls
# show up in calls.sh, not here.
#
# Usage: bench/callgrind_calls.sh [zvonok-binary]
# Environment: SCENARIO (answer | wait, see calls.sh), CALLS (300), IDLE (5),
#              RATE (30 calls/s), WORKERS (2), KEEP=1 keeps the dump
#              (its path is printed) for callgrind_annotate.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ZVONOK=${1:-${ZVONOK:-$HERE/../build/zvonok}}
SCENARIO=${SCENARIO:-answer}
CALLS=${CALLS:-300}
RATE=${RATE:-30}
WORKERS=${WORKERS:-2}
DUR=$((CALLS / RATE + 1))
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }
command -v sipp >/dev/null || { echo "sipp (sip-tester) is needed" >&2; exit 1; }
[ -x "$ZVONOK" ] || { echo "no zvonok binary at $ZVONOK" >&2; exit 1; }
. "$HERE/lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zvcg.XXXXXX")
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null

ZPORT=$(free_port)
calls_dir "$TMP/zv" "$ZPORT"
valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$ZVONOK" -f -C "$TMP/zv" \
	>"$TMP/zv/out.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
	grep -q "ready in" "$TMP/zv/out.log" && break
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/zv/out.log"; exit 1; }
	sleep 0.1
done
sleep 1
total_of() { # the newest dump's total
	local dump
	dump=$(ls -t "$TMP"/cg.out* | head -1)
	awk '/^(summary|totals):/ { print $2; exit }' "$dump"
}
callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
t0=$(date +%s.%N)
sleep "${IDLE:-5}"
callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
t1=$(date +%s.%N)
sleep 1
idle=$(total_of)
callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
t2=$(date +%s.%N)
if ! sipp_step "$SCENARIO" "$RATE" "$CALLS" "127.0.0.1:$ZPORT" -sf "$HERE/call_sipp.xml" \
	-s "$SCENARIO" -r "$RATE" -m "$CALLS" -l $((RATE * 4)) -i 127.0.0.1 -p "$(free_port)" \
	-mp "$(free_port)" -timeout $((DUR + 60)) -max_retrans 5; then
	echo "(not clean: the count below includes retransmissions)"
fi
sleep 3
callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
t3=$(date +%s.%N)
sleep 1
total=$(total_of)
python3 -c 'import sys
idle, t0, t1, total, t2, t3, calls = map(float, sys.argv[2:])
rate = idle / (t1 - t0)
net = total - rate * (t3 - t2)
print("%s: %d calls, %d instructions (idle %d/s over %.1fs subtracted) = %d per call"
      % (sys.argv[1], calls, total, rate, t3 - t2, net / calls))' \
	"$SCENARIO" "$idle" "$t0" "$t1" "$total" "$t2" "$t3" "$CALLS"
[ -n "${KEEP:-}" ] && echo "dump: $(ls -t "$TMP"/cg.out* | head -1)"
exit 0
