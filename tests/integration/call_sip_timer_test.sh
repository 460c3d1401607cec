#!/bin/bash
# Session timers (RFC 4028), timers=yes with the defaults (Min-SE 90).
# SIPp caller 300 to Echo():
#  - Session-Expires: 60 is answered 422 with Min-SE: 90
#    (tests/sip/call_timer_422_uac.xml);
#  - two calls at once (tests/sip/call_timer_uac.xml), Session-Expires 90:
#    refresher=uas: the 200 agrees (Require: timer) and Zvonok refreshes
#    with an UPDATE 40-50 s after the call started (half the interval);
#    refresher=uac, and the caller never refreshes: the 200 agrees and
#    Zvonok ends the call with a BYE 55-66 s after the start (90 s minus
#    min(32, 90/3)), logging that the session timer expired.
# About 65 s.
. "$(dirname "$0")/lib.sh"
zv_need sipp
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
{ zv_pjsip_udp "$ZPORT"; zv_pjsip_endpoint 300 calls timers=yes; } >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 660,1,Answer()
 same => n,Echo()
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	zv_cleanup
}
trap cleanup EXIT

timeout -s KILL 20 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_timer_422_uac.xml" -s 660 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 10 -timeout_error \
	-max_retrans 3 -trace_logs -trace_err >422.out 2>&1 ||
	fail "Session-Expires 60 was not answered 422 with Min-SE 90: $(grep -v '^ *$' 422.out | tail -20)"

now_ms() { date +%s%3N; }
# call REF: one call in its own directory, in the background.
call() {
	mkdir -p "$1"
	(cd "$1" && exec timeout -s KILL 100 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_timer_uac.xml" \
		-s 660 -i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -set ref "$1" \
		-set mark "$ZV_DIR/$1/mark" -m 1 -nostdin -timeout 90 -timeout_error -max_retrans 3 \
		-trace_logs -trace_err >uac.out 2>&1) &
	PIDS+=($!)
}
t0=$(now_ms)
call uas
pid_uas=$!
call uac
pid_uac=$!
for _ in $(seq 1 50); do
	chans=$(zv_rx 'core show channels')
	[ "$(grep -c 'PJSIP/300-.*Echo' <<<"$chans")" = 2 ] && break
	sleep 0.1
done
[ "$(grep -c 'PJSIP/300-.*Echo' <<<"$chans")" = 2 ] || fail "the two calls are not in Echo: $chans"
# The calls were answered between t0 and t_up (SIPp takes seconds to
# start on a loaded host): a time since the answer is at least mark-t_up
# and at most mark-t0.
t_up=$(now_ms)
wait "$pid_uas" || fail "refresher=uas: $(grep -v '^ *$' uas/uac.out | tail -20) $(cat uas/*errors.log 2>/dev/null)"
wait "$pid_uac" || fail "refresher=uac: $(grep -v '^ *$' uac/uac.out | tail -20) $(cat uac/*errors.log 2>/dev/null)"
grep -h "200:\|UPDATE:" uas/*_logs.log uac/*_logs.log
# SIPp's <exec> runs the date in a child it does not wait for: give the
# marks a moment to appear.
for _ in $(seq 1 40); do
	[ -s uas/mark ] && [ -s uac/mark ] && break
	sleep 0.05
done
[ -s uas/mark ] || fail "refresher=uas: no UPDATE was marked"
[ -s uac/mark ] || fail "refresher=uac: the BYE was not marked"
refresh=$(( ($(cat uas/mark) - t0) / 1000 ))
refresh_up=$(( ($(cat uas/mark) - t_up) / 1000 ))
expiry=$(( ($(cat uac/mark) - t0) / 1000 ))
expiry_up=$(( ($(cat uac/mark) - t_up) / 1000 ))
echo "refresh after ${refresh_up}-${refresh} s, BYE after ${expiry_up}-${expiry} s"
[ "$refresh" -ge 40 ] && [ "$refresh_up" -le 50 ] ||
	fail "the refresh came after ${refresh_up}-${refresh} s (expected ~45)"
[ "$expiry" -ge 55 ] && [ "$expiry_up" -le 66 ] ||
	fail "the BYE for the missing refresh came after ${expiry_up}-${expiry} s (expected ~60)"
grep -q "session timer expired" out.log || fail "the log does not say the session timer expired"
sleep 0.3
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the calls"
zv_stop
echo "PASS $TEST_NAME"
