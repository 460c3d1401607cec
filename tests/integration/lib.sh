# Integration test helpers: start a zvonok on a temporary configuration,
# drive it with `zvonok -rx`, stop it, assert.  Source from a *_test.sh.
#
# Environment (set by CTest): ZVONOK (the binary), ZV_SRC (source tree).
#   zv_setup            make $ZV_DIR (temp config dir with zvonok.conf
#                       pointing run/log/spool/lib inside it)
#   zv_start [args]     start the daemon in the foreground (log in
#                       $ZV_DIR/out.log), wait until it answers
#   zv_rx "command"     run one CLI command, output on stdout, its status
#   zv_stop             SIGTERM, wait, expect exit status 0
#   zv_free_port [udp]  a free loopback port
#   expect_contains / expect_not_contains / expect_eq / fail
# Fixtures, each with its usage comment below: prerequisites (zv_need),
# pjsip.conf sections (zv_pjsip_*), SIPp callers and callees (zv_sipp_*),
# baresip phones and what they heard (zv_baresip_*, zv_hear, zv_analyse*,
# zv_recording, zv_keys), waiting (zv_wait_*), SIP traces
# (zv_notify_answered), a second Zvonok ($B_DIR: zv_setup_b, zv_start_b,
# zv_b_rx).  Background processes need no clean-up of their own:
# zv_cleanup kills the test's remaining jobs (and their children) at exit.
set -u

: "${ZVONOK:?set ZVONOK to the zvonok binary}"
: "${ZV_SRC:?set ZV_SRC to the source tree}"

ZV_PID=""
ZV_DIR=""
TEST_NAME=$(basename "$0" .sh)

fail() {
	echo "FAIL($TEST_NAME): $*" >&2
	if [ -n "$ZV_DIR" ] && [ -f "$ZV_DIR/out.log" ]; then
		echo "--- zvonok output ---" >&2
		tail -n 40 "$ZV_DIR/out.log" >&2
	fi
	exit 1
}

# At exit: the daemon, then every background job of the test still running
# (SIPp, baresip, their timeout(1) wrappers and what those started).
zv_cleanup() {
	local j
	if [ -n "$ZV_PID" ] && kill -0 "$ZV_PID" 2>/dev/null; then
		kill -KILL "$ZV_PID" 2>/dev/null
	fi
	for j in $(jobs -p); do
		pkill -KILL -P "$j" 2>/dev/null
		kill -KILL "$j" 2>/dev/null
		wait "$j" 2>/dev/null
	done
	[ -n "$ZV_DIR" ] && [ -z "${ZV_KEEP:-}" ] && rm -rf "$ZV_DIR"
	[ -n "${B_DIR:-}" ] && [ -z "${ZV_KEEP:-}" ] && rm -rf "$B_DIR"
	return 0
}
trap zv_cleanup EXIT

zv_setup() {
	ZV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zvtest.XXXXXX")
	mkdir -p "$ZV_DIR/run" "$ZV_DIR/log"
	cat >"$ZV_DIR/zvonok.conf" <<EOC
[directories]
astrundir => run
astlogdir => log
astspooldir => spool
astvarlibdir => lib
astdatadir => /usr/share/asterisk
[options]
verbose = 3
workers = 2
EOC
}

zv_start() {
	"$ZVONOK" -f -C "$ZV_DIR" "$@" >"$ZV_DIR/out.log" 2>&1 &
	ZV_PID=$!
	for _ in $(seq 1 100); do
		if [ -S "$ZV_DIR/run/zvonok.ctl" ] && "$ZVONOK" -C "$ZV_DIR" -rx "core show version" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$ZV_PID" 2>/dev/null || fail "zvonok exited during start-up"
		sleep 0.05
	done
	fail "zvonok did not answer within 5 s"
}

zv_rx() {
	"$ZVONOK" -C "$ZV_DIR" -rx "$1"
}

# Wait for the daemon to exit (at most $1 seconds, default 10); sets ZV_STATUS.
zv_wait_exit() {
	limit=$(( ${1:-10} * 20 ))
	for _ in $(seq 1 "$limit"); do
		if ! kill -0 "$ZV_PID" 2>/dev/null; then
			wait "$ZV_PID"
			ZV_STATUS=$?
			ZV_PID=""
			return 0
		fi
		sleep 0.05
	done
	fail "zvonok did not exit within ${1:-10} s"
}

zv_stop() {
	kill -TERM "$ZV_PID"
	zv_wait_exit 10
	[ "$ZV_STATUS" = 0 ] || fail "zvonok exited with status $ZV_STATUS after SIGTERM"
}

zv_free_port() {
	python3 - "${1:-tcp}" <<'EOP'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
# A UDP port is also given to SIPp as -mp, which binds it and the three
# above it (RTCP, video, video RTCP): pick one whose neighbours are free.
for _ in range(64):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    if kind != socket.SOCK_DGRAM:
        break
    held, ok = [], port + 3 <= 65535
    for p in range(port + 1, port + 4):
        if not ok:
            break
        t = socket.socket(socket.AF_INET, kind)
        try:
            t.bind(("127.0.0.1", p))
            held.append(t)
        except OSError:
            ok = False
    for t in held:
        t.close()
    s.close()
    if ok:
        break
print(port)
EOP
}

# zv_need PROGRAM...: fail unless each PROGRAM is installed.
zv_need() {
	local p
	for p in "$@"; do
		case $p in
		sipp) command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed" ;;
		*) command -v "$p" >/dev/null || fail "$p is not installed" ;;
		esac
	done
}

# zv_wait_udp PORT [SECONDS]: wait until something listens on UDP PORT
# (a SIPp UAS started in the background), at most SECONDS (5).
zv_wait_udp() {
	local i
	for ((i = 0; i < ${2:-5} * 20; i++)); do
		[ -n "$(ss -Hlun "sport = :$1" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	fail "nothing listens on UDP port $1 after ${2:-5} s"
}

# SECS of the zv_wait_* helpers may have a fraction (1.5).
zv_tenths() { awk -v s="$1" 'BEGIN { printf "%d", s * 10 }'; }

# zv_wait_until SECS COMMAND...: run COMMAND every 0.1 s until it succeeds
# (true) or SECS seconds have passed (false).
zv_wait_until() {
	local i limit
	limit=$(zv_tenths "$1")
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# zv_wait_lines FILE PATTERN COUNT SECS: true once COUNT lines of FILE match
# PATTERN (grep), false after SECS seconds.
zv_wait_lines() { zv_wait_until "$4" zv_has_lines "$1" "$2" "$3"; }
zv_has_lines() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }

# zv_wait_channel REGEX [SECS]: true once `core show channels` matches
# REGEX (grep -E), false after SECS (3); its last output is in $chans.
zv_wait_channel() { zv_wait_until "${2:-3}" zv_has_channel "$1"; }
zv_has_channel() {
	chans=$(zv_rx "core show channels")
	grep -qE -- "$1" <<<"$chans"
}

# zv_wait_rx SECS "command" REGEX: true once the CLI command's output
# matches REGEX (grep -E), false after SECS; its last output is in $out.
zv_wait_rx() { zv_wait_until "$1" zv_rx_matches "$2" "$3"; }
zv_rx_matches() {
	out=$(zv_rx "$1")
	grep -qE -- "$2" <<<"$out"
}

# zv_now_ms: the time in milliseconds (for measuring how long a call took).
zv_now_ms() { date +%s%3N; }

expect_contains() { # text pattern [what]
	printf '%s' "$1" | grep -qE -- "$2" || fail "${3:-output} lacks /$2/: $1"
}

expect_not_contains() {
	if printf '%s' "$1" | grep -qE -- "$2"; then fail "${3:-output} has /$2/: $1"; fi
}

expect_eq() { # actual expected [what]
	[ "$1" = "$2" ] || fail "${3:-value} is '$1', expected '$2'"
}

# ---- baresip and audio analysis (call tests) ----------------------------

# zv_baresip_config DIR TONE [MODULE...]: a baresip configuration in DIR
# that binds its own SIP port on loopback, sends the WAV file TONE (aufile)
# and records what it receives (sndfile filter: DIR/dump-*-dec.wav), with
# the given codec and extra modules (g711.so when none are given).
zv_baresip_config() {
	local dir=$1 tone=$2 m
	shift 2
	[ $# -gt 0 ] || set -- g711.so
	mkdir -p "$dir"
	{
		printf 'sip_listen 127.0.0.1:0\nnet_interface 127.0.0.1\n'
		printf 'module_path /usr/lib/baresip/modules\nmodule stdio.so\n'
		for m in "$@"; do printf 'module %s\n' "$m"; done
		printf 'module aufile.so\nmodule sndfile.so\nmodule_app account.so\nmodule_app menu.so\n'
		printf 'audio_source aufile,%s\naudio_player aufile,%s/played.wav\n' "$tone" "$dir"
		printf 'audio_alert aufile,/dev/null\nsnd_path %s\n' "$dir"
	} >"$dir/config"
}

# zv_analyse DIR: tests/media/tone_check.py on the newest recording in DIR.
zv_analyse() {
	local f
	f=$(zv_recording "$1")
	[ -n "$f" ] || { echo "no recording"; return; }
	python3 "$ZV_SRC/tests/media/tone_check.py" "$f"
}

# zv_field LINE KEY: the number after KEY= in LINE.
zv_field() { sed -n "s/.*\b$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
# zv_in_range VALUE LO HI: true when LO <= VALUE <= HI.
zv_in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }

# zv_recording DIR: the newest baresip recording in DIR (empty if none).
zv_recording() { ls -t "$1"/dump-*-dec.wav 2>/dev/null | head -1; }

# zv_analyse_part FILE START LEN: tone_check.py on LEN s of the recording
# FILE from START (sox trim: a negative START counts from the end).
zv_analyse_part() {
	sox "$1" "$1.part.wav" trim "$2" "$3" 2>/dev/null || { echo "trim failed"; return; }
	python3 "$ZV_SRC/tests/media/tone_check.py" "$1.part.wav"
}

# ---- pjsip.conf sections -------------------------------------------------
# Each prints one section (and a blank line); group them with the rest of
# the file:  { zv_pjsip_udp "$ZPORT"; zv_pjsip_endpoint 300 calls; } >"$ZV_DIR/pjsip.conf"

# zv_pjsip_udp PORT [NAME]: transport NAME (udp), UDP on 127.0.0.1:PORT.
zv_pjsip_udp() {
	printf '[%s]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:%s\n\n' "${2:-udp}" "$1"
}

# zv_pjsip_endpoint NAME CONTEXT [OPTION...]: endpoint NAME in CONTEXT with
# disallow=all and allow=ulaw (an allow= OPTION replaces the ulaw), then
# one line per OPTION (key=value).
zv_pjsip_endpoint() {
	local name=$1 ctx=$2 allow=allow=ulaw o
	shift 2
	for o in "$@"; do case $o in allow=*) allow=$o ;; esac; done
	printf '[%s]\ntype=endpoint\ncontext=%s\ndisallow=all\n%s\n' "$name" "$ctx" "$allow"
	for o in "$@"; do case $o in allow=*) ;; *) printf '%s\n' "$o" ;; esac; done
	echo
}

# zv_pjsip_aor NAME [OPTION...]: AOR NAME, one line per OPTION.
zv_pjsip_aor() {
	local o
	printf '[%s]\ntype=aor\n' "$1"
	shift
	for o in "$@"; do printf '%s\n' "$o"; done
	echo
}

# zv_pjsip_static NAME CONTEXT PORT [OPTION...]: a callee at a fixed
# address: endpoint NAME (as zv_pjsip_endpoint, aors=NAME) and its AOR with
# contact=sip:NAME@127.0.0.1:PORT (a SIPp UAS there).
zv_pjsip_static() {
	local name=$1 ctx=$2 port=$3
	shift 3
	zv_pjsip_endpoint "$name" "$ctx" "aors=$name" "$@"
	zv_pjsip_aor "$name" "contact=sip:$name@127.0.0.1:$port"
}

# zv_pjsip_phone NAME CONTEXT PASSWORD [OPTION...]: a phone that registers
# as NAME: endpoint NAME (as zv_pjsip_endpoint, auth=NAME, aors=NAME), its
# auth (username NAME, PASSWORD; none when PASSWORD is "") and AOR
# (max_contacts=1).  An OPTION auth:KEY=VALUE goes to the auth,
# aor:KEY=VALUE to the AOR, the others to the endpoint.
zv_pjsip_phone() {
	local name=$1 ctx=$2 pass=$3 o
	local -a ep=() auth=() aor=()
	shift 3
	for o in "$@"; do
		case $o in
		auth:*) auth+=("${o#auth:}") ;;
		aor:*) aor+=("${o#aor:}") ;;
		*) ep+=("$o") ;;
		esac
	done
	if [ -z "$pass" ]; then
		zv_pjsip_endpoint "$name" "$ctx" "aors=$name" "${ep[@]}"
	else
		zv_pjsip_endpoint "$name" "$ctx" "auth=$name" "aors=$name" "${ep[@]}"
		printf '[%s]\ntype=auth\nusername=%s\npassword=%s\n' "$name" "$name" "$pass"
		for o in "${auth[@]}"; do printf '%s\n' "$o"; done
		echo
	fi
	zv_pjsip_aor "$name" max_contacts=1 "${aor[@]}"
}

# ---- SIPp ----------------------------------------------------------------
# SCENARIO is a file in tests/sip unless it has a '/'.  Later SIPP-ARGs
# override the defaults (SIPp takes the last of a repeated option).

# zv_sipp_uas SCENARIO PORT LOG [SIPP-ARG...]: a SIPp callee for one call on
# 127.0.0.1:PORT in the background (-timeout 20, killed after 30 s), output
# in LOG; sets ZV_UAS_PID and returns once it listens.
zv_sipp_uas() {
	local sf=$1 port=$2 log=$3
	shift 3
	[[ $sf == */* ]] || sf=$ZV_SRC/tests/sip/$sf
	timeout -s KILL 30 sipp -sf "$sf" -i 127.0.0.1 -p "$port" -mp "$(zv_free_port udp)" \
		-m 1 -nostdin -timeout 20 -timeout_error "$@" >"$log" 2>&1 &
	ZV_UAS_PID=$!
	zv_wait_udp "$port"
}

# zv_sipp_uac SCENARIO EXTEN LOG [SIPP-ARG...]: one SIPp call to EXTEN at
# 127.0.0.1:$ZPORT from a free port (-timeout 20, -max_retrans 3, killed
# after 30 s), output in LOG; its exit status.
# zv_sipp_uac_bg: the same in the background, sets ZV_UAC_PID.
zv_sipp_uac_cmd() {
	local sf=$1
	[[ $sf == */* ]] || sf=$ZV_SRC/tests/sip/$sf
	ZV_SIPP=(timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$sf" -s "$2" -i 127.0.0.1
		-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 20
		-timeout_error -max_retrans 3 "${@:4}")
}
zv_sipp_uac() {
	zv_sipp_uac_cmd "$@"
	"${ZV_SIPP[@]}" >"$3" 2>&1
}
zv_sipp_uac_bg() {
	zv_sipp_uac_cmd "$@"
	"${ZV_SIPP[@]}" >"$3" 2>&1 &
	ZV_UAC_PID=$!
}

# ---- baresip phones --------------------------------------------------------
# DIR holds a configuration from zv_baresip_config; the phone's stdin is the
# FIFO DIR/keys when there is one (DTMF typed with zv_keys), else /dev/null;
# its output goes to DIR/out.txt.  It reaches Zvonok at 127.0.0.1:$ZPORT.

# zv_baresip_account DIR USER [PARAM...]: DIR/accounts with one account,
# USER at Zvonok over UDP, PARAMs (key=value) after it.
zv_baresip_account() {
	local dir=$1 line="<sip:$2@127.0.0.1:$ZPORT;transport=udp>" p
	shift 2
	for p in "$@"; do line="$line;$p"; done
	echo "$line" >"$dir/accounts"
}

# zv_baresip_dial DIR USER EXTEN SECS [PARAM...]: baresip calls EXTEN as
# USER (account PARAMs, regint=0) and quits after SECS, in the background;
# sets ZV_BARESIP_PID.
zv_baresip_dial() {
	local dir=$1 user=$2 exten=$3 secs=$4 in=/dev/null
	shift 4
	zv_baresip_account "$dir" "$user" "$@" regint=0
	[ -p "$dir/keys" ] && in=$dir/keys
	timeout -s KILL $((secs + 10)) baresip -f "$dir" -e "/dial sip:$exten@127.0.0.1:$ZPORT" \
		-t "$secs" <"$in" >"$dir/out.txt" 2>&1 &
	ZV_BARESIP_PID=$!
}

# zv_baresip_callee DIR USER SECS [PARAM...]: baresip registers USER
# (account PARAMs, answermode=auto, regint=60) and answers calls by itself
# for SECS, in the background; sets ZV_CALLEE_PID and returns once
# `pjsip show contacts` lists USER (fails after 10 s).
zv_baresip_callee() {
	local dir=$1 user=$2 secs=$3 in=/dev/null
	shift 3
	zv_baresip_account "$dir" "$user" "$@" answermode=auto regint=60
	[ -p "$dir/keys" ] && in=$dir/keys
	timeout -s KILL $((secs + 10)) baresip -f "$dir" -t "$secs" <"$in" >"$dir/out.txt" 2>&1 &
	ZV_CALLEE_PID=$!
	for _ in $(seq 1 50); do
		zv_rx "pjsip show contacts" | grep -q "$user/sip:" && break
		sleep 0.2
	done
	expect_contains "$(zv_rx 'pjsip show contacts')" "$user/sip:" "baresip $user registered"
}

# zv_baresip_keys DIR FD: the FIFO DIR/keys, held open on FD for zv_keys
# (so the phone started next reads its keys from it).
zv_baresip_keys() {
	mkfifo "$1/keys"
	eval "exec $2<>\"\$1/keys\""
}

# zv_keys FD KEY...: type KEYs on FD (a phone's keys FIFO), 0.4 s apart.
zv_keys() {
	local fd=$1 k
	shift
	for k in "$@"; do printf '%s' "$k" >&"$fd"; sleep 0.4; done
}

# zv_hear TONE EXTEN SECS [TONE-CHECK-ARG...]: a fresh baresip in
# $ZV_DIR/b-EXTEN (user 200, no auth) sends the WAV file TONE, calls EXTEN
# and quits after SECS; waits for it.  Sets dir (its directory) and out
# (tone_check.py with TONE-CHECK-ARGs on what it recorded; fails if it
# recorded nothing) and prints "EXTEN: $out".
zv_hear() {
	local tone=$1 exten=$2 secs=$3 f
	shift 3
	dir="$ZV_DIR/b-$exten"
	zv_baresip_config "$dir" "$tone"
	zv_baresip_dial "$dir" 200 "$exten" "$secs"
	wait "$ZV_BARESIP_PID"
	f=$(zv_recording "$dir")
	[ -n "$f" ] || fail "$exten: baresip recorded nothing ($(tail -5 "$dir/out.txt"))"
	out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$f" "$@")
	echo "$exten: $out"
}

# ---- SIP traces ------------------------------------------------------------

# zv_notify_answered LOG PORT TEXT: true when Zvonok's `pjsip set logger on`
# trace in LOG shows a NOTIFY containing TEXT sent to a peer at port PORT
# and a 200 from that peer with the same Call-ID and CSeq; prints how many
# were sent and answered.
zv_notify_answered() {
	python3 - "$1" "$2" "$3" <<'EOP'
import re, sys
log, port, needle = open(sys.argv[1], encoding="latin-1").read(), sys.argv[2], sys.argv[3]
# Logger blocks: "<--- Transmitting|Received SIP/UDP to|from HOST:PORT --->"
parts = re.split(r"^<--- (Transmitting|Received) SIP/\w+ (?:to|from) ([^ ]+) --->$", log, flags=re.M)
sent, got = [], []
for i in range(1, len(parts) - 2, 3):
    kind, peer, body = parts[i], parts[i + 1], parts[i + 2]
    if not peer.endswith(":" + port):
        continue
    cid = re.search(r"^(?:Call-ID|i):\s*(\S+)", body, re.M | re.I)
    cseq = re.search(r"^CSeq:\s*(\d+)\s+NOTIFY", body, re.M | re.I)
    if not (cid and cseq):
        continue
    key = (cid.group(1), cseq.group(1))
    if kind == "Transmitting" and body.startswith("\nNOTIFY ") and needle in body:
        sent.append(key)
    elif kind == "Received" and body.startswith("\nSIP/2.0 200 "):
        got.append(key)
ok = [k for k in sent if k in got]
print("sent %d, answered 200: %d" % (len(sent), len(ok)))
sys.exit(0 if ok else 1)
EOP
}

# ---- a second Zvonok (instance B: a provider, a registering peer) ----------

# zv_setup_b: $B_DIR, a configuration directory like $ZV_DIR (zv_setup
# first); zv_cleanup removes it unless ZV_KEEP is set.
zv_setup_b() {
	B_DIR=$(mktemp -d "${TMPDIR:-/tmp}/zvtestb.XXXXXX")
	mkdir -p "$B_DIR/run" "$B_DIR/log"
	cp "$ZV_DIR/zvonok.conf" "$B_DIR/zvonok.conf"
}

# zv_start_b: start instance B on $B_DIR in the background (B_PID, output
# in $B_DIR/out.log) and wait until it answers (fails after 5 s).
# zv_b_rx "command": one CLI command to B.
zv_start_b() {
	"$ZVONOK" -f -C "$B_DIR" >"$B_DIR/out.log" 2>&1 &
	B_PID=$!
	for _ in $(seq 1 100); do
		zv_b_rx "core show version" >/dev/null 2>&1 && return 0
		kill -0 "$B_PID" 2>/dev/null || fail "instance B exited during start-up: $(tail -5 "$B_DIR/out.log")"
		sleep 0.05
	done
	fail "instance B did not start"
}
zv_b_rx() { "$ZVONOK" -C "$B_DIR" -rx "$1"; }
