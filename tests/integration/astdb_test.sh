#!/bin/bash
# AstDB and Custom: device states through the real daemon: `database ...`
# and `devstate ...` over `zvonok -rx`, values surviving a clean restart
# and a kill -9, an intact sqlite file afterwards, and --check-config
# leaving the database alone.
. "$(dirname "$0")/lib.sh"
zv_setup

# --check-config runs load and prepare only: no database file appears.
"$ZVONOK" --check-config -C "$ZV_DIR" >"$ZV_DIR/check.log" 2>&1 || fail "check-config failed: $(cat "$ZV_DIR/check.log")"
if find "$ZV_DIR" -name 'astdb.sqlite3*' | grep -q .; then
	fail "--check-config created the database"
fi

zv_start
db=$(zv_rx "core show settings" | sed -n 's/^ *ASTDB: *//p')
[ -n "$db" ] || fail "core show settings has no ASTDB line"
[ -f "$db" ] || fail "database $db was not created"

out=$(zv_rx "database put test count 1") || fail "database put failed"
expect_eq "$out" "Updated database successfully"
zv_rx 'database put SIP/Registry 100 "10.0.0.1 5060"' >/dev/null
out=$(zv_rx "database get test count")
expect_eq "$out" "Value: 1"
out=$(zv_rx "database get SIP/Registry 100")
expect_eq "$out" "Value: 10.0.0.1 5060"
out=$(zv_rx "database get test missing")
expect_eq "$out" "Database entry not found."

out=$(zv_rx "devstate change Custom:lamp INUSE") || fail "devstate change failed"
expect_eq "$out" "Changing lamp to INUSE"
if out=$(zv_rx "devstate change SIP/100 INUSE"); then fail "devstate change accepted SIP/100"; fi
expect_contains "$out" "can only be used to set 'Custom:' device state"

zv_stop
zv_start

out=$(zv_rx "database get test count")
expect_eq "$out" "Value: 1" "value after restart"
out=$(zv_rx "devstate list")
expect_contains "$out" "^--- Name: 'Custom:lamp'  State: 'INUSE'$" "devstate list after restart"
out=$(zv_rx "database show")
expect_contains "$out" "^/CustomDevstate/lamp +: INUSE"
expect_contains "$out" "^/SIP/Registry/100 +: 10.0.0.1 5060"
expect_contains "$out" "^/test/count +: 1"
expect_contains "$out" "^3 results found\.$"
out=$(zv_rx "database show SIP")
expect_contains "$out" "^1 results found\.$"
out=$(zv_rx "database showkey count")
expect_contains "$out" "^/test/count +: 1"

out=$(zv_rx "database deltree test")
expect_eq "$out" "1 database entries removed."
out=$(zv_rx "database del SIP/Registry 100")
expect_eq "$out" "Database entry removed."
out=$(zv_rx "database del SIP/Registry 100")
expect_eq "$out" "Database entry does not exist."

# A value written just before a kill -9 is there after it, and the file
# is intact.
zv_rx "database put crash key survived" >/dev/null
zv_rx "devstate change Custom:lamp BUSY" >/dev/null
kill -KILL "$ZV_PID"
{ wait "$ZV_PID"; } 2>/dev/null
ZV_PID=""
ok=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$db")
expect_eq "$ok" "ok" "integrity_check after kill -9"
rm -f "$ZV_DIR/run/zvonok.ctl" "$ZV_DIR/run/zvonok.pid"
zv_start
out=$(zv_rx "database get crash key")
expect_eq "$out" "Value: survived" "value after kill -9"
out=$(zv_rx "devstate list")
expect_contains "$out" "Name: 'Custom:lamp'  State: 'BUSY'"
zv_stop
echo "PASS $TEST_NAME"
