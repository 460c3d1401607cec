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

expect_contains() { # text pattern [what]
	printf '%s' "$1" | grep -qE -- "$2" || fail "${3:-output} lacks /$2/: $1"
}

expect_not_contains() {
	if printf '%s' "$1" | grep -qE -- "$2"; then fail "${3:-output} has /$2/: $1"; fi
}

expect_eq() { # actual expected [what]
	[ "$1" = "$2" ] || fail "${3:-value} is '$1', expected '$2'"
}
