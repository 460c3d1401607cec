#!/bin/bash
# Call set-up throughput: SIPp places calls at stepped rates against
# Zvonok, each step bounded in time; the dialplan answers and hangs up
# (scenario "answer": Answer()+Hangup()) or answers, waits a second and
# hangs up (scenario "wait": Answer()+Wait(1)+Hangup()).  The caller is
# identified by address (no digest), offers PCMU, and gets the PBX's BYE
# (bench/call_sipp.xml).  For every step: calls ok/failed, retransmissions
# and Zvonok's CPU over the step; the highest clean rate (all calls done,
# 0 failures, 0 retransmissions) and calls per CPU-second are the result,
# printed with their ratio to the Asterisk 22 figures of the same
# scenarios on this kind of machine (issue 5: 1000 calls/s at 139% CPU for
# Answer+Hangup, 800 calls/s at 144% for Answer+Wait(1)+Hangup).  Asterisk
# itself is not packaged for Debian 12, so it is not run here.
#
# Usage: bench/calls.sh [zvonok-binary]
# Environment: RATES ("100 200 400 800 1600"), DUR (10 s per step),
#              SCENARIOS ("answer wait"), WORKERS (nproc).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ZVONOK=${1:-${ZVONOK:-$HERE/../build/zvonok}}
RATES=${RATES:-"100 200 400 800 1600"}
DUR=${DUR:-10}
SCENARIOS=${SCENARIOS:-"answer wait"}
WORKERS=${WORKERS:-$(nproc)}
command -v sipp >/dev/null || { echo "sipp (sip-tester) is needed" >&2; exit 1; }
[ -x "$ZVONOK" ] || { echo "no zvonok binary at $ZVONOK" >&2; exit 1; }
. "$HERE/lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/zvbench.XXXXXX")
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null

ZPORT=$(free_port)
calls_dir "$TMP/zv" "$ZPORT"
"$ZVONOK" -f -C "$TMP/zv" >"$TMP/zv/out.log" 2>&1 &
SERVER_PID=$!
sleep 1
kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/zv/out.log"; exit 1; }
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
echo "Zvonok ($ZVONOK), $WORKERS workers, ${DUR}s per step, idle RSS $((rss / 1024)) MB"

for sc in $SCENARIOS; do
	best=0
	best_cpu=0
	for r in $RATES; do
		calls=$((r * DUR))
		if sipp_step "$sc" "$r" "$calls" "127.0.0.1:$ZPORT" -sf "$HERE/call_sipp.xml" -s "$sc" \
			-r "$r" -m "$calls" -l $((r * 4)) -i 127.0.0.1 -p "$(free_port)" \
			-mp "$(free_port)" -timeout $((DUR + 30)) -max_retrans 5 -max_socket 60000; then
			best=$r
			best_cpu=$LAST_CPU
		else
			break
		fi
	done
	if [ "$sc" = answer ]; then ast_rate=1000 ast_cpu=139; else ast_rate=800 ast_cpu=144; fi
	zpc=$(per_cpu "$best" "$best_cpu")
	apc=$(per_cpu "$ast_rate" "$ast_cpu")
	echo "$sc: highest clean rate ${best}/s at ${best_cpu}% CPU = $zpc calls per CPU-second" \
	     "(Asterisk 22: ${ast_rate}/s at ${ast_cpu}% = $apc)"
	python3 -c "import sys; z,a=sys.argv[1],sys.argv[2]; print('$sc: ratio zvonok/asterisk (calls per CPU-second): %s' % ('%.1f' % (float(z)/float(a)) if z != 'n/a' else 'n/a'))" "$zpc" "$apc"
done
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")
echo "RSS after the runs: $((rss / 1024)) MB"
