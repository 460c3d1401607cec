#!/bin/bash
# core stop now / gracefully / when convenient, SIGINT, and a start-up
# refused because of a broken configuration.
. "$(dirname "$0")/lib.sh"
zv_setup

for how in "core stop now" "core stop gracefully" "core stop when convenient"; do
	zv_start
	zv_rx "$how" >/dev/null || fail "'$how' failed"
	zv_wait_exit 5
	expect_eq "$ZV_STATUS" 0 "exit status after '$how'"
done

zv_start
kill -INT "$ZV_PID"
zv_wait_exit 5
expect_eq "$ZV_STATUS" 0 "exit status after SIGINT"

# A broken file at start-up: errors with file:line, exit status 1.
printf '[logfiles]\nconsole => notice\n[broken\n' >"$ZV_DIR/logger.conf"
"$ZVONOK" -f -C "$ZV_DIR" >"$ZV_DIR/out.log" 2>&1 && fail "started with a broken logger.conf"
expect_contains "$(cat "$ZV_DIR/out.log")" "logger.conf:3"
expect_contains "$(cat "$ZV_DIR/out.log")" "not starting"
echo "PASS $TEST_NAME"
