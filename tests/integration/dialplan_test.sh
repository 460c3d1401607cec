#!/bin/bash
# The dialplan engine in a running daemon: `dialplan show` in Asterisk's
# layout, hints, application and function listings, `channel originate`
# of Local channels running real dialplans (Executing lines and the
# application's output in the log), `dialplan reload` with a broken file
# (old dialplan kept, file:line reported) and a good one, and the seed
# dialplans (tests/seeds/*.conf) passing --check-config without errors.
. "$(dirname "$0")/lib.sh"

# ---- seed dialplans: parse with 0 errors ----------------------------------------
for seed in "$ZV_SRC"/tests/seeds/*.conf; do
	zv_setup
	cp "$seed" "$ZV_DIR/extensions.conf"
	out=$("$ZVONOK" --check-config -C "$ZV_DIR" 2>&1) || fail "$(basename "$seed") fails --check-config: $out"
	expect_contains "$out" " 0 errors" "$(basename "$seed")"
	# Warnings only for applications not built yet.
	expect_not_contains "$(printf '%s\n' "$out" | grep ': warning: ' | grep -v 'is not registered')" "warning" "$(basename "$seed") warnings"
	rm -rf "$ZV_DIR"
done

zv_setup
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[general]
autofallthrough=yes

[globals]
GREETING=hello

[ctx]
exten => 100,1,Gosub(sub,s,1(${GREETING}))
 same => n(second),Answer()
 same => n,Verbose(0,dialplan says ${GOSUB_RETVAL})
 same => n,Wait(3)
exten => 100,hint,Custom:dptest
exten => 200,1,Verbose(0,extension 200 reached on ${CHANNEL})
exten => _3XX,1,Goto(100,second)
include => other

[sub]
exten => s,1,Return(${ARG1} world)

[other]
exten => 400,1,Verbose(0,in other)
EOC
zv_start

out=$(zv_rx "dialplan show ctx") || fail "dialplan show ctx failed: $out"
expect_contains "$out" "\[ Context 'ctx' created by 'pbx_config' \]"
expect_contains "$out" "  '100' =>          hint: Custom:dptest +\[extensions.conf:12\]"
expect_contains "$out" "                    1. Gosub\(sub,s,1\(\\\$\{GREETING\}\)\) +\[extensions.conf:8\]"
expect_contains "$out" "     \[second\]       2. Answer\(\) +\[extensions.conf:9\]"
expect_contains "$out" "  '_3XX' =>         1. Goto\(100,second\)"
expect_contains "$out" "  Include =>        'other' +\[pbx_config\]"
expect_contains "$out" "-= 3 extensions \(7 priorities\) in 1 context. =-"
out=$(zv_rx "dialplan show") || fail "dialplan show failed"
# with res_parking's default lot (parkedcalls: 700, 701-720), as Asterisk
expect_contains "$out" "-= 26 extensions \(30 priorities\) in 4 contexts. =-"
if out=$(zv_rx "dialplan show nosuch"); then fail "dialplan show of a missing context succeeded"; fi
expect_contains "$out" "There is no existence of 'nosuch' context"

out=$(zv_rx "core show hints")
expect_contains "$out" "    100@ctx             : Custom:dptest         State:"
expect_contains "$out" "- 1 hints registered"
expect_contains "$(zv_rx 'core show applications like Gosub')" "Gosub: Jump to label, saving return address."
expect_contains "$(zv_rx 'core show application WaitExten')" "\[Syntax\]"
expect_contains "$(zv_rx 'core show functions like LOCAL')" "LOCAL_PEEK"
expect_contains "$(zv_rx 'core show function LOCAL')" "Info about function 'LOCAL'"
out=$(zv_rx "core show channels")
expect_contains "$out" "Channel              Location             State   Application\(Data\)"
expect_contains "$out" "0 active channels"

# ---- originate through Local channels ----------------------------------------------
for app in Answer Verbose Wait; do
	zv_rx "core show application $app" >/dev/null 2>&1 || fail "application $app is not registered"
done
zv_rx "channel originate Local/100@ctx application Verbose hello" >/dev/null ||
	fail "channel originate failed"
wait_log() { # pattern
	for _ in $(seq 1 60); do
		grep -qE -- "$1" "$ZV_DIR/out.log" && return 0
		sleep 0.05
	done
	fail "out.log lacks /$1/"
}
# The engine runs in any case: its own applications log their Executing lines.
wait_log "Executing \[100@ctx:1\] Gosub\(\"Local/100@ctx-[0-9a-f]{8};2\", \"sub,s,1\(hello\)\"\) in new stack"
wait_log "Executing \[s@sub:1\] Return\(\"Local/100@ctx-[0-9a-f]{8};2\", \"hello world\"\) in new stack"
wait_log "dialplan says hello world"
wait_log "(^|[^a-z])hello$"
zv_rx "channel originate Local/100@ctx extension 200@ctx" >/dev/null || fail "originate extension failed"
wait_log "extension 200 reached on Local/100@ctx-[0-9a-f]{8};1"
zv_rx "channel originate Local/300@ctx application Wait 5" >/dev/null
# the ;2 half in its Wait(3) (3 s to catch it on a loaded host)
zv_wait_rx 5 "core show channels concise" "Local/300@ctx-[0-9a-f]{8};2!ctx!100!4!Up!Wait!3" ||
	fail "core show channels concise lacks the ;2 half in Wait: $(zv_rx 'core show channels concise')"
out=$(zv_rx "channel request hangup all")
expect_contains "$out" "Requested Hangup on channel 'Local/300@ctx-[0-9a-f]{8};[12]'"
for _ in $(seq 1 40); do
	zv_rx "core show channels" | grep -q "0 active channels" && break
	sleep 0.05
done
expect_contains "$(zv_rx 'core show channels')" "0 active channels"

# ---- reload ----------------------------------------------------------------------------
cp "$ZV_DIR/extensions.conf" "$ZV_DIR/good.conf"
cat >>"$ZV_DIR/extensions.conf" <<'EOC'

[broken]
same => n,NoOp()
exten => 500,x,NoOp()
EOC
if out=$(zv_rx "dialplan reload"); then fail "reload of a broken dialplan succeeded: $out"; fi
expect_contains "$out" "extensions.conf:24: error: 'same =>' before any 'exten =>'"
expect_contains "$out" "extensions.conf:25: error: invalid priority/label 'x'"
expect_contains "$out" "previous dialplan stays"
expect_contains "$(zv_rx 'dialplan show')" "in 4 contexts"
expect_not_contains "$(zv_rx 'dialplan show')" "broken"

cp "$ZV_DIR/good.conf" "$ZV_DIR/extensions.conf"
printf '\n[added]\nexten => 600,1,Goto(ctx,200,1)\n' >>"$ZV_DIR/extensions.conf"
out=$(zv_rx "dialplan reload") || fail "reload of a good dialplan failed: $out"
expect_contains "$out" "Dialplan reloaded."
expect_contains "$(zv_rx 'dialplan show added')" "'600' =>          1. Goto\(ctx,200,1\)"

zv_stop
echo "PASS $TEST_NAME"
