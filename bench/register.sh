#!/bin/bash
# REGISTER + MD5 digest throughput: SIPp at stepped rates against Zvonok (and
# Kamailio when installed), each step bounded in time.  For every step it
# reports SIPp's successful/failed calls and retransmissions and the
# server's CPU (utime+stime from /proc/<pid>/stat of the server and its
# children, in % of one core over the step).  The highest clean rate (0
# failures, 0 retransmissions, all calls done) is the result; with Kamailio
# it also prints the ratio.
#
# Both servers authenticate every REGISTER with one credential (bench /
# benchpw: SIPp cannot vary it per call) and store the contact under the To
# user, one of USERS AORs (1000 by default, max one contact each):
# Zvonok with a pjsip.conf endpoint "bench" listing the AORs, Kamailio with
# auth.so pv_www_authenticate (no database) and usrloc in memory
# (db_mode 0).  Same worker count (WORKERS, default nproc: Zvonok workers /
# Kamailio UDP children).
#
# Usage: bench/register.sh [zvonok-binary]
# Environment: RATES ("500 1000 2000 4000 8000"), DUR (10 s per step),
#              USERS (1000), WORKERS (nproc), NO_KAMAILIO=1 to skip it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ZVONOK=${1:-${ZVONOK:-$HERE/../build/zvonok}}
RATES=${RATES:-"500 1000 2000 4000 8000"}
DUR=${DUR:-10}
USERS=${USERS:-1000}
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

{
	echo "SEQUENTIAL"
	for i in $(seq 1 "$USERS"); do echo "u$i"; done
} >"$TMP/users.csv"

# run_step name port rate -> prints a result line, returns 0 when clean
run_step() {
	local calls=$(($3 * DUR))
	sipp_step "$1" "$3" "$calls" "127.0.0.1:$2" -sf "$HERE/register_sipp.xml" \
		-inf "$TMP/users.csv" -au bench -ap benchpw -r "$3" -m "$calls" -l $(($3 * 4)) \
		-i 127.0.0.1 -p "$(free_port)" -timeout $((DUR + 30)) -max_retrans 5
}

sweep() { # name port -> sets BEST and BEST_CPU
	BEST=0
	BEST_CPU=0
	for r in $RATES; do
		if run_step "$1" "$2" "$r"; then
			BEST=$r
			BEST_CPU=$LAST_CPU
		else
			break
		fi
	done
}

# ---- Zvonok ----------------------------------------------------------------
ZPORT=$(free_port)
zvonok_dir "$TMP/zv"
{
	printf '[global]\ntype=global\nunauth_rate_limit=0\ndefault_auth_algorithms_uas=md5\n\n'
	printf '[udp]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:%s\n\n' "$ZPORT"
	printf '[bench]\ntype=auth\nusername=bench\npassword=benchpw\nsupported_algorithms_uas=md5\n\n'
	printf '[bench]\ntype=endpoint\nauth=bench\naors=%s\n\n' "$(seq -s, -f 'u%g' 1 "$USERS")"
	for i in $(seq 1 "$USERS"); do
		printf '[u%d]\ntype=aor\nmax_contacts=1\nremove_existing=yes\n\n' "$i"
	done
} >"$TMP/zv/pjsip.conf"
"$ZVONOK" -f -C "$TMP/zv" >"$TMP/zv/out.log" 2>&1 &
SERVER_PID=$!
sleep 1
kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/zv/out.log"; exit 1; }
echo "Zvonok ($ZVONOK), $WORKERS workers, $USERS users, ${DUR}s per step"
sweep zvonok "$ZPORT"
ZV_BEST=$BEST
ZV_CPU=$BEST_CPU
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""

# ---- Kamailio --------------------------------------------------------------
KAM_BEST=""
if [ -z "${NO_KAMAILIO:-}" ] && command -v kamailio >/dev/null; then
	KPORT=$(free_port)
	MODS=$(dirname "$(find /usr/lib -name registrar.so -path '*kamailio*' | head -1)")
	cat >"$TMP/kamailio.cfg" <<EOF
#!KAMAILIO
debug=0
log_stderror=yes
children=$WORKERS
listen=udp:127.0.0.1:$KPORT
mpath="$MODS/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("auth", "nonce_expire", 30)
request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (is_method("REGISTER")) {
		if (!pv_www_authenticate("\$td", "benchpw", "0")) {
			www_challenge("\$td", "1");
			exit;
		}
		if (!save("location"))
			sl_reply_error();
		exit;
	}
	sl_send_reply("404", "Not here");
}
EOF
	kamailio -f "$TMP/kamailio.cfg" -DD -E -m 256 -M 16 -Y "$TMP" >"$TMP/kamailio.log" 2>&1 &
	SERVER_PID=$!
	sleep 2
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		echo "Kamailio $(kamailio -v 2>/dev/null | head -1 | awk '{print $3}'), $WORKERS UDP children, auth.so + usrloc (memory)"
		sweep kamailio "$KPORT"
		KAM_BEST=$BEST
		KAM_CPU=$BEST_CPU
	else
		echo "Kamailio did not start:"
		tail -5 "$TMP/kamailio.log"
	fi
	kill "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=""
fi

echo
echo "Highest clean rate: zvonok ${ZV_BEST}/s (cpu ${ZV_CPU}%)"
if [ -n "$KAM_BEST" ]; then
	echo "Highest clean rate: kamailio ${KAM_BEST}/s (cpu ${KAM_CPU}%)"
	python3 -c "import sys; z,k=float(sys.argv[1]),float(sys.argv[2]); print('Ratio zvonok/kamailio (clean rate): %s' % ('%.2f' % (z/k) if k else 'n/a'))" "$ZV_BEST" "$KAM_BEST"
	zpc=$(per_cpu "$ZV_BEST" "$ZV_CPU")
	kpc=$(per_cpu "$KAM_BEST" "$KAM_CPU")
	echo "Registrations per CPU-second at the highest clean rate: zvonok $zpc, kamailio $kpc"
	python3 -c "import sys; z,k=sys.argv[1],sys.argv[2]; print('Ratio zvonok/kamailio (per CPU-second): %s' % ('%.2f' % (float(z)/float(k)) if 'n/a' not in (z,k) and float(k) else 'n/a'))" "$zpc" "$kpc"
fi
