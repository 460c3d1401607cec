#!/bin/bash
# Overload: SIPp floods Zvonok with INVITEs well above what the machine
# can set up (tests/sip/overload_uac.xml: a 503 must carry Retry-After;
# an answered call is ACKed and the PBX's BYE answered; the dialplan
# answers, waits WAIT seconds and hangs up), once with the overload
# protection at its default (zvonok.conf overload_delay = 200 ms) and once
# without it (overload_delay = 0).  For each run: calls answered, refused
# with 503, failed (accepted calls that did not complete: time-outs,
# lost messages), SIPp's retransmissions, the longest answer time, and
# Zvonok's CPU.  Then one plain call after the flood must be answered.
#
# Usage: bench/overload.sh [zvonok-binary]
# The dialplan first loops WORK times (While/Set/EndWhile): dialplan
# work that makes a call cost more than SIPp's side of it, so Zvonok,
# not SIPp, is what saturates on a 2-core machine shared with SIPp.
# Environment: RATE (1500 calls/s offered), DUR (5 s), WAIT (1), WORK (150),
#              LIMIT (calls open at once in SIPp, 6000), WORKERS (nproc),
#              MODES ("on off").
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ZVONOK=${1:-${ZVONOK:-$HERE/../build/zvonok}}
RATE=${RATE:-1500}
WORK=${WORK:-150}
DUR=${DUR:-5}
WAIT=${WAIT:-1}
LIMIT=${LIMIT:-6000}
WORKERS=${WORKERS:-$(nproc)}
MODES=${MODES:-"on off"}
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

run() { # mode
	local mode=$1 delay=200
	[ "$mode" = off ] && delay=0
	ZPORT=$(free_port)
	rm -rf "$TMP/zv"
	calls_dir "$TMP/zv" "$ZPORT" # its extensions.conf is replaced below
	echo "overload_delay = $delay" >>"$TMP/zv/zvonok.conf"
	cat >"$TMP/zv/extensions.conf" <<EOC
[bench]
exten => flood,1,Set(i=0)
 same => n,While(\$[\${i} < $WORK])
 same => n,Set(i=\$[\${i} + 1])
 same => n,EndWhile()
 same => n,Answer()
 same => n,Wait($WAIT)
 same => n,Hangup()
EOC
	"$ZVONOK" -f -C "$TMP/zv" >"$TMP/zv/out.log" 2>&1 &
	SERVER_PID=$!
	sleep 1
	kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/zv/out.log"; exit 1; }
	local calls=$((RATE * DUR)) t0 t1 c0 c1
	rm -f "$TMP"/*_counts.csv "$TMP/stat.csv"
	t0=$(date +%s.%N)
	c0=$(cpu_ticks "$SERVER_PID")
	(cd "$TMP" && timeout $((DUR + 90)) sipp "127.0.0.1:$ZPORT" -sf "$HERE/../tests/sip/overload_uac.xml" \
		-s flood -i 127.0.0.1 -p "$(free_port)" -mp "$(free_port)" -r "$RATE" -m "$calls" \
		-l "$LIMIT" -timeout $((DUR + 60)) -max_retrans 5 -max_socket 60000 -nostdin \
		-trace_counts -trace_stat -stf "$TMP/stat.csv" >"$TMP/sipp.out" 2>&1)
	t1=$(date +%s.%N)
	c1=$(cpu_ticks "$SERVER_PID")
	local refused
	refused=$("$ZVONOK" -C "$TMP/zv" -rx "core show overload" | sed -n 's/.*Calls refused (overload): *//p')
	python3 - "$TMP" "$mode" "$RATE" "$calls" "$t0" "$t1" "$c0" "$c1" "$(getconf CLK_TCK)" "$refused" <<'EOP'
import glob, sys
tmp, mode, rate, calls, t0, t1, c0, c1, hz, refused = sys.argv[1:]
def last(path):
    rows = [l.rstrip("\n").split(";") for l in open(path) if l.strip()]
    return dict(zip(rows[0], rows[-1])) if len(rows) >= 2 else {}
st = last(tmp + "/stat.csv")
cn = {}
for f in glob.glob(tmp + "/*_counts.csv"):
    cn = last(f)
g = lambda d, k: int(d.get(k, 0) or 0)
ans = g(cn, "4_200_Recv")
ref = g(cn, "3_503_Recv")
wall = float(t1) - float(t0)
cpu = (int(c1) - int(c0)) / float(hz) / wall * 100 if wall > 0 else 0
print("overload protection %-3s: offered %s/s, %s calls: answered %d, refused 503 %d"
      " (Zvonok counted %s), failed %d, retransmissions %d (INVITE %d), %.1fs, cpu %.0f%%"
      % (mode, rate, calls, ans, ref, refused or "0", g(st, "FailedCall(C)"),
         g(st, "Retransmissions(C)"), g(cn, "0_INVITE_Retrans"), wall, cpu))
EOP
	# after the flood: one call must be answered
	sleep 2
	rm -f "$TMP"/*_counts.csv
	(cd "$TMP" && timeout 30 sipp "127.0.0.1:$ZPORT" -sf "$HERE/../tests/sip/overload_uac.xml" \
		-s flood -i 127.0.0.1 -p "$(free_port)" -mp "$(free_port)" -m 1 -nostdin \
		-timeout 20 -trace_counts >"$TMP/after.out" 2>&1)
	local after
	after=$(awk -F';' 'NR==1 { for (i = 1; i <= NF; i++) if ($i == "4_200_Recv") c = i } END { print $c }' \
		"$TMP"/*_counts.csv 2>/dev/null | tail -1)
	echo "  a call after the flood: $([ "${after:-0}" -ge 1 ] && echo answered || echo NOT answered)"
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
}

echo "Zvonok ($ZVONOK), $WORKERS workers, $WORK dialplan loop turns, Answer()+Wait($WAIT)+Hangup()"
for m in $MODES; do
	run "$m"
done
