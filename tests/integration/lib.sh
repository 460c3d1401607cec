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

zv_cleanup() {
	if [ -n "$ZV_PID" ] && kill -0 "$ZV_PID" 2>/dev/null; then
		kill -KILL "$ZV_PID" 2>/dev/null
	fi
	[ -n "$ZV_DIR" ] && [ -z "${ZV_KEEP:-}" ] && rm -rf "$ZV_DIR"
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
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOP
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
	f=$(ls -t "$1"/dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$f" ] || { echo "no recording"; return; }
	python3 "$ZV_SRC/tests/media/tone_check.py" "$f"
}

# zv_field LINE KEY: the number after KEY= in LINE.
zv_field() { sed -n "s/.*\b$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
# zv_in_range VALUE LO HI: true when LO <= VALUE <= HI.
zv_in_range() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'; }
