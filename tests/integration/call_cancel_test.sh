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
zv_need sipp

zv_setup
ZPORT=$(zv_free_port udp)
RING_PORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 300 calls
	zv_pjsip_static ringer calls "$RING_PORT"
} >"$ZV_DIR/pjsip.conf"
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

# uac_bg <exten> <log>: the cancelling caller in the background.
uac_bg() { zv_sipp_uac_bg call_uac_cancel.xml "$1" "$2"; }

# Ringing + Wait, cancelled.
t0=$(zv_now_ms)
uac_bg 800 uac-direct.out
zv_wait_channel "PJSIP/300-.*Wait" || fail "core show channels while 800 rings: $chans"
wait "$ZV_UAC_PID" || fail "direct: no 200/487 for the CANCEL: $(tail -20 uac-direct.out)"
el=$(( $(zv_now_ms) - t0 ))
[ "$el" -lt 4000 ] || fail "direct: the CANCEL took until $el ms"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/300-" "core show channels after the CANCEL"
expect_eq "$(zv_rx 'database get cancel direct')" "Value: h:" "the h extension after the CANCEL"
expect_contains "$(zv_rx 'database get cancel after')" "not found|Database entry not found" \
	"the dialplan after Wait (must not run)"
echo "direct: 487 after $el ms, h ran"

# Dial ringing a callee, cancelled by the caller.
zv_sipp_uas call_uas_ring.xml "$RING_PORT" uas-ring.out
uac_bg 810 uac-dial.out
zv_wait_channel "PJSIP/ringer-" || fail "the outgoing leg while it rings: $chans"
wait "$ZV_UAC_PID" || fail "dial: no 200/487 for the CANCEL: $(tail -20 uac-dial.out)"
wait "$ZV_UAS_PID" || fail "dial: the callee did not get a CANCEL: $(tail -20 uas-ring.out)"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "core show channels after the cancelled Dial"
expect_eq "$(zv_rx 'database get cancel dial')" "Value: h:CANCEL" "DIALSTATUS in h after the caller cancelled"
expect_contains "$(zv_rx 'database get cancel afterdial')" "not found" \
	"the dialplan after Dial (must not run)"
echo "dial: CANCEL passed on, DIALSTATUS=CANCEL"
zv_stop
echo "PASS $TEST_NAME"
