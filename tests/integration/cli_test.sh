#!/bin/bash
# The daemon starts on a temporary configuration, answers `zvonok -rx` and
# an interactive `zvonok -r`, and exits cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"
zv_setup
zv_start

out=$(zv_rx "core show version") || fail "core show version failed"
expect_contains "$out" "^Zvonok [0-9]+\.[0-9]+\.[0-9]+ built on"

out=$(zv_rx "core show settings") || fail "core show settings failed"
expect_contains "$out" "PBX Core settings"
expect_contains "$out" "Configuration directory: +$ZV_DIR"
expect_contains "$out" "Control socket: +$ZV_DIR/run/zvonok.ctl"
expect_contains "$out" "Worker loops: +2"

out=$(zv_rx "core show threads")
expect_contains "$out" "^main "
expect_contains "$out" "worker0"
expect_contains "$out" "worker1"
expect_contains "$out" "3 threads listed."

out=$(zv_rx "core show uptime seconds")
expect_contains "$out" "^System uptime: [0-9]+"

# Words are case-insensitive, as in Asterisk.
out=$(zv_rx "CORE SHOW VERSION") || fail "upper-case command failed"
expect_contains "$out" "^Zvonok"

# An unknown command fails with Asterisk's message and a non-zero status.
if out=$(zv_rx "core frobnicate"); then fail "unknown command returned 0"; fi
expect_contains "$out" "No such command 'core frobnicate'"

# Usage on a bad argument.
if out=$(zv_rx "core set verbose banana"); then fail "bad argument returned 0"; fi
expect_contains "$out" "Usage: core set verbose"

out=$(zv_rx "core set verbose 5")
expect_contains "$out" "Console verbose was 3 and is now 5."
out=$(zv_rx "core show settings")
expect_contains "$out" "Current console verbosity: +5"

out=$(zv_rx "help core show")
expect_contains "$out" "core show version +Display version info"
expect_not_contains "$out" "module show"
out=$(zv_rx "help core show version")
expect_contains "$out" "Usage: core show version"

out=$(zv_rx "module show")
expect_contains "$out" "^Module +Description +Use Count +Status"
expect_contains "$out" "logger +Logger"
expect_contains "$out" "[0-9]+ modules loaded"

# Interactive remote console: commands from stdin, answers on stdout.
out=$(printf 'core show version\ncore show uptime\nexit\n' | "$ZVONOK" -C "$ZV_DIR" -r)
expect_contains "$out" "Connected to Zvonok"
expect_contains "$out" "Zvonok [0-9.]+ built on"
expect_contains "$out" "System uptime:"

# A remote console sees verbose log output (here: from a reload).
out=$( (printf 'core reload\n'; sleep 0.5; printf 'exit\n') | "$ZVONOK" -C "$ZV_DIR" -r)
expect_contains "$out" "Configuration reloaded \(generation 2\)"

# A second daemon on the same socket refuses to start.
if "$ZVONOK" -f -C "$ZV_DIR" >"$ZV_DIR/second.log" 2>&1; then
	fail "a second zvonok started on the same control socket"
fi
expect_contains "$(cat "$ZV_DIR/second.log")" "already running"
zv_rx "core show version" >/dev/null || fail "first daemon lost its socket"

zv_stop
[ -e "$ZV_DIR/run/zvonok.ctl" ] && fail "control socket left behind"
[ -e "$ZV_DIR/run/zvonok.pid" ] && fail "pid file left behind"
expect_contains "$(cat "$ZV_DIR/out.log")" "SIGTERM: shutting down"
expect_contains "$(cat "$ZV_DIR/out.log")" "Zvonok ending"

# -c: the console on stdin runs commands in the daemon itself.
out=$( (printf 'core show version\n'; sleep 0.5; printf 'core stop now\n') |
	timeout 10 "$ZVONOK" -c -C "$ZV_DIR" 2>&1) || fail "zvonok -c exited with an error"
expect_contains "$out" "\*CLI> Zvonok [0-9.]+ built on"
expect_contains "$out" "Zvonok ending"

# Nothing listening: a clear error and a non-zero status.
if out=$("$ZVONOK" -C "$ZV_DIR" -rx "core show version" 2>&1); then
	fail "-rx without a daemon returned 0"
fi
expect_contains "$out" "Unable to connect to remote zvonok"
echo "PASS $TEST_NAME"
