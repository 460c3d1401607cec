# Shared by the bench/ scripts: ports, CPU accounting of a server process,
# and one bounded SIPp step whose result is judged clean or not.
#   free_port                 a free UDP port on 127.0.0.1
#   cpu_ticks PID             utime+stime ticks of PID and its children
#   sipp_step NAME RATE CALLS ARGS...
#       runs `sipp ARGS` (the caller gives the scenario, target, -m ...)
#       with statistics, and prints one line: calls ok/failed,
#       retransmissions, wall time, the server's CPU (SERVER_PID) in % of
#       one core over the step; returns 0 when clean (every call ok, no
#       failure, no retransmission).  Sets LAST_CPU.
#   zvonok_dir DIR            DIR/run, DIR/log and DIR/zvonok.conf (verbose 0,
#                             WORKERS worker loops) for `zvonok -C DIR`
#   calls_dir DIR PORT        zvonok_dir plus the call set-up benches' SIP
#                             (UDP on PORT, callers from 127.0.0.1 without
#                             digest, PCMU) and dialplan: extension "answer"
#                             (Answer+Hangup) and "wait" (Answer+Wait(1)+Hangup)
# Needs TMP (a scratch directory) and SERVER_PID.

free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cpu_ticks() {
	local total=0 p
	for p in "$1" $(pgrep -P "$1"); do
		[ -r "/proc/$p/stat" ] || continue
		# fields 14 and 15 after the "(comm)" which may contain spaces
		local rest
		rest=$(sed 's/^.*) //' "/proc/$p/stat")
		set -- $rest
		total=$((total + ${12} + ${13}))
	done
	echo "$total"
}

sipp_step() {
	local name=$1 rate=$2 calls=$3
	shift 3
	rm -f "$TMP"/stat*.csv
	local t0 c0 t1 c1
	t0=$(date +%s.%N)
	c0=$(cpu_ticks "$SERVER_PID")
	timeout $((DUR + 40)) sipp "$@" -trace_stat -stf "$TMP/stat.csv" -nostdin \
		>"$TMP/sipp.out" 2>&1
	t1=$(date +%s.%N)
	c1=$(cpu_ticks "$SERVER_PID")
	python3 - "$TMP/stat.csv" "$name" "$rate" "$calls" "$t0" "$t1" "$c0" "$c1" "$(getconf CLK_TCK)" <<'EOP'
import sys
path, name, rate, calls, t0, t1, c0, c1, hz = sys.argv[1:]
try:
    rows = [l.rstrip("\n").split(";") for l in open(path) if l.strip()]
except OSError:
    rows = []
ok = fail = retr = 0
if len(rows) >= 2:
    head, last = rows[0], rows[-1]
    col = lambda n: int(last[head.index(n)]) if n in head else 0
    ok, fail, retr = col("SuccessfulCall(C)"), col("FailedCall(C)"), col("Retransmissions(C)")
wall = float(t1) - float(t0)
cpu = (int(c1) - int(c0)) / float(hz) / wall * 100 if wall > 0 else 0
clean = ok == int(calls) and fail == 0 and retr == 0
print("%-8s %6s/s  ok %7d  failed %6d  retrans %6d  %5.1fs  cpu %6.1f%%  %s"
      % (name, rate, ok, fail, retr, wall, cpu, "clean" if clean else "NOT CLEAN"))
with open(path + ".res", "w") as f:
    f.write("%d %.1f\n" % (1 if clean else 0, cpu))
EOP
	read -r clean cpu <"$TMP/stat.csv.res"
	[ "$clean" = 1 ] || grep -E "^20[0-9]{2}-" "$TMP/sipp.out" | head -3
	LAST_CPU=$cpu
	[ "$clean" = 1 ]
}

# per_cpu RATE CPU%: units per CPU-second ("n/a" when CPU is 0).
per_cpu() {
	python3 -c 'import sys; r,c=float(sys.argv[1]),float(sys.argv[2]); print("%.0f" % (r*100/c) if c else "n/a")' "$1" "$2"
}

zvonok_dir() {
	mkdir -p "$1/run" "$1/log"
	cat >"$1/zvonok.conf" <<EOC
[directories]
astrundir => run
astlogdir => log
astspooldir => spool
astvarlibdir => lib
astdatadir => /usr/share/asterisk
[options]
verbose = 0
workers = $WORKERS
EOC
}

calls_dir() {
	zvonok_dir "$1"
	cat >"$1/pjsip.conf" <<EOC
[global]
type=global
unauth_rate_limit=0
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$2
[bench]
type=endpoint
context=bench
disallow=all
allow=ulaw
[bench]
type=identify
endpoint=bench
match=127.0.0.1
EOC
	cat >"$1/extensions.conf" <<'EOC'
[bench]
exten => answer,1,Answer()
 same => n,Hangup()
exten => wait,1,Answer()
 same => n,Wait(1)
 same => n,Hangup()
EOC
}
