#!/bin/bash
# Dialplan benchmark (not a test): how fast the engine executes priorities,
# and what a channel parked in Wait() costs in memory.
#   bench/dialplan.sh [build-dir]   (default: build)
# 1. A loop of 10 priorities per iteration (substitutions, $[] expressions,
#    GotoIf, ExecIf, Set) runs ITER times on one Local channel; prints
#    priorities per second.
# 2. PAIRS Local pairs (2 channels, 2 coroutines each pair) are originated
#    and parked in Wait(60); prints the daemon's RSS growth per channel
#    (target: <= 16 KiB; Asterisk spends a thread and its stack per channel).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
ZVONOK=$build/zvonok
ITER=${ITER:-20000}
PAIRS=${PAIRS:-5000}
dir=$(mktemp -d)
trap 'kill -9 $pid 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
mkdir -p "$dir/run" "$dir/log"
cat >"$dir/zvonok.conf" <<EOC
[directories]
astrundir => run
astlogdir => log
astvarlibdir => lib
[options]
verbose = 0
EOC
printf '[modules]\nautoload=yes\n' >"$dir/modules.conf"
printf '[logfiles]\nconsole => notice,warning,error,verbose\n' >"$dir/logger.conf"
cat >"$dir/extensions.conf" <<EOC
[bench]
exten => loop,1,Set(i=0)
 same => n,Set(acc=)
 same => n(top),Set(i=\$[\${i} + 1])
 same => n,Set(x=\${i}\${acc:0:3})
 same => n,ExecIf(\$[\${i} % 2 = 0]?Set(even=\${i}):Set(odd=\${i}))
 same => n,Set(y=\$[\${i} * 3 + 7])
 same => n,NoOp(\${x} \${y} \${even} \${odd})
 same => n,Set(acc=\${y})
 same => n,Set(z=\$["\${x}" = "1"])
 same => n,NoOp(step \${i})
 same => n,Set(w=\${x:1:2})
 same => n,GotoIf(\$[\${i} < $ITER]?top)
 same => n,Verbose(0,BENCH-DONE \${i})
 same => n,Hangup()

exten => w,1,Answer()
 same => n,Wait(60)

exten => go,1,Set(i=0)
 same => n,While(\$[\${i} < $PAIRS])
 same => n,Originate(Local/w@bench,app,Wait,60)
 same => n,Set(i=\$[\${i} + 1])
 same => n,EndWhile()
 same => n,Verbose(0,BENCH-PARKED \${i})
 same => n,Wait(60)
EOC
"$ZVONOK" -f -C "$dir" >"$dir/out.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
	"$ZVONOK" -C "$dir" -rx "core show version" >/dev/null 2>&1 && break
	sleep 0.05
done
rx() { "$ZVONOK" -C "$dir" -rx "$1"; }
wait_log() {
	for _ in $(seq 1 6000); do
		grep -q -- "$1" "$dir/out.log" && return 0
		sleep 0.01
	done
	echo "timed out waiting for $1" >&2
	exit 1
}

t0=$(date +%s.%N)
rx "channel originate Local/loop@bench application NoOp" >/dev/null
wait_log "BENCH-DONE"
t1=$(date +%s.%N)
prios=$(( ITER * 10 + 4 ))
awk -v p="$prios" -v a="$t0" -v b="$t1" 'BEGIN {
	printf "dialplan: %d priorities in %.2f s = %.0f priorities/s\n", p, b - a, p / (b - a) }'

rss() { awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; }
sleep 0.5
before=$(rss)
rx "channel originate Local/go@bench application Wait 60" >/dev/null
wait_log "BENCH-PARKED"
sleep 1
after=$(rss)
chans=$(rx "core show channels" | awk '/active channel/ { print $1 }')
awk -v b="$before" -v a="$after" -v c="$chans" 'BEGIN {
	printf "parked: %d channels in Wait(); RSS %d KiB -> %d KiB = %.1f KiB per channel\n",
		c, b, a, (a - b) / c }'
rx "channel request hangup all" >/dev/null
