#!/bin/bash
# Reload: a broken file keeps the running configuration and reports
# file:line; a good file is applied.  Both through `core reload`, `module
# reload <name>` and SIGHUP.
. "$(dirname "$0")/lib.sh"
zv_setup
cat >"$ZV_DIR/logger.conf" <<'EOC'
[logfiles]
console => notice,warning,error,verbose
first.log => notice,warning,error
EOC
zv_start

out=$(zv_rx "logger show channels")
expect_contains "$out" "first.log"
expect_contains "$(zv_rx 'core show settings')" "Configuration generation: +1"

# Broken: a variable before any section, and a template that does not exist.
cat >"$ZV_DIR/logger.conf" <<'EOC'
stray => 1
[logfiles](nosuchtemplate)
console => notice
second.log => notice
EOC
if out=$(zv_rx "core reload"); then fail "reload of a broken file reported success"; fi
expect_contains "$out" "logger.conf:1: error"
expect_contains "$out" "logger.conf:2: error"
expect_contains "$out" "previous configuration stays"
expect_contains "$(zv_rx 'logger show channels')" "first.log"
expect_not_contains "$(zv_rx 'logger show channels')" "second.log"
expect_contains "$(zv_rx 'core show settings')" "Configuration generation: +1"

if out=$(zv_rx "module reload logger"); then fail "module reload of a broken file succeeded"; fi
expect_contains "$out" "logger.conf:1: error"
expect_contains "$(zv_rx 'logger show channels')" "first.log"

# Fixed: applied.
cat >"$ZV_DIR/logger.conf" <<'EOC'
[logfiles]
console => notice,warning,error,verbose
second.log => notice,warning,error
EOC
out=$(zv_rx "core reload") || fail "reload of a good file failed: $out"
expect_contains "$out" "Configuration reloaded \(generation 2\)"
expect_contains "$(zv_rx 'logger show channels')" "second.log"
expect_not_contains "$(zv_rx 'logger show channels')" "first.log"

out=$(zv_rx "module reload logger") || fail "module reload failed: $out"
expect_contains "$out" "Module 'logger' reloaded successfully."
expect_contains "$(zv_rx 'core show settings')" "Configuration generation: +3"

# SIGHUP: broken keeps, good applies.
printf '[logfiles\n' >"$ZV_DIR/logger.conf"
kill -HUP "$ZV_PID"
sleep 0.3
expect_contains "$(cat "$ZV_DIR/out.log")" "logger.conf:1"
expect_contains "$(zv_rx 'core show settings')" "Configuration generation: +3"
printf '[logfiles]\nconsole => notice,verbose\nthird.log => error\n' >"$ZV_DIR/logger.conf"
kill -HUP "$ZV_PID"
for _ in $(seq 1 40); do
	zv_rx 'core show settings' | grep -qE "Configuration generation: +4" && break
	sleep 0.05
done
expect_contains "$(zv_rx 'core show settings')" "Configuration generation: +4"
expect_contains "$(zv_rx 'logger show channels')" "third.log"

# Messages reach the configured file.
zv_rx "core reload" >/dev/null
[ -f "$ZV_DIR/log/third.log" ] || fail "third.log was not created"

zv_stop
echo "PASS $TEST_NAME"
