#!/bin/bash
# CANCEL before the answer, from a SIPp caller (300, no auth) that waits
# for the 180, then 1 s, then CANCELs (tests/sip/call_uac_cancel.xml
# requires 200 to the CANCEL and 487 to the INVITE):
#  - to Ringing()+Wait(10): while it rings `core show channels` lists the
#    channel in Wait; after the CANCEL the channel is gone, the dialplan
#    did not go on past Wait, and the `h` extension ran (AstDB);
#  - to Dial(PJSIP/ringer,10) ringing a SIPp callee: the CANCEL is passed
#    on to the callee (its scenario requires it), DIALSTATUS=CANCEL in h,
#    and no channel is left.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
RING_PORT=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[300]
type=endpoint
context=calls
disallow=all
allow=ulaw

[ringer]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=ringer
[ringer]
type=aor
contact=sip:ringer@127.0.0.1:$RING_PORT
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 800,1,Set(which=direct)
 same => n,Ringing()
 same => n,Wait(10)
 same => n,Set(DB(cancel/after)=reached)
exten => 810,1,Set(which=dial)
 same => n,Dial(PJSIP/ringer,10)
 same => n,Set(DB(cancel/afterdial)=reached)
exten => h,1,Set(DB(cancel/${which})=h:${DIALSTATUS})
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

UAS_PID=""
UAC_PID=""
cleanup() {
	[ -n "$UAS_PID" ] && kill -KILL "$UAS_PID" 2>/dev/null
	[ -n "$UAC_PID" ] && kill -KILL "$UAC_PID" 2>/dev/null
	zv_cleanup
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
# wait_chan <regex>: `core show channels` until it matches (3 s at most).
wait_chan() {
	for _ in $(seq 1 30); do
		chans=$(zv_rx "core show channels")
		printf '%s' "$chans" | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# uac_bg <exten> <log>: the cancelling caller in the background.
uac_bg() {
	timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_uac_cancel.xml" -s "$1" \
		-i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin \
		-timeout 20 -timeout_error -max_retrans 3 >"$2" 2>&1 &
	UAC_PID=$!
}

# Ringing + Wait, cancelled.
t0=$(now_ms)
uac_bg 800 uac-direct.out
wait_chan "PJSIP/300-.*Wait" || fail "core show channels while 800 rings: $chans"
wait "$UAC_PID" || fail "direct: no 200/487 for the CANCEL: $(tail -20 uac-direct.out)"
UAC_PID=""
el=$(( $(now_ms) - t0 ))
[ "$el" -lt 4000 ] || fail "direct: the CANCEL took until $el ms"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/300-" "core show channels after the CANCEL"
expect_eq "$(zv_rx 'database get cancel direct')" "Value: h:" "the h extension after the CANCEL"
expect_contains "$(zv_rx 'database get cancel after')" "not found|Database entry not found" \
	"the dialplan after Wait (must not run)"
echo "direct: 487 after $el ms, h ran"

# Dial ringing a callee, cancelled by the caller.
timeout -s KILL 30 sipp -sf "$SIPDIR/call_uas_ring.xml" -i 127.0.0.1 -p "$RING_PORT" \
	-mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 20 -timeout_error >uas-ring.out 2>&1 &
UAS_PID=$!
zv_wait_udp "$RING_PORT"
uac_bg 810 uac-dial.out
wait_chan "PJSIP/ringer-" || fail "the outgoing leg while it rings: $chans"
wait "$UAC_PID" || fail "dial: no 200/487 for the CANCEL: $(tail -20 uac-dial.out)"
UAC_PID=""
wait "$UAS_PID" || fail "dial: the callee did not get a CANCEL: $(tail -20 uas-ring.out)"
UAS_PID=""
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "core show channels after the cancelled Dial"
expect_eq "$(zv_rx 'database get cancel dial')" "Value: h:CANCEL" "DIALSTATUS in h after the caller cancelled"
expect_contains "$(zv_rx 'database get cancel afterdial')" "not found" \
	"the dialplan after Dial (must not run)"
echo "dial: CANCEL passed on, DIALSTATUS=CANCEL"
zv_stop
echo "PASS $TEST_NAME"
