#!/bin/bash
# The callee hangs up a bridged call.  SIPp caller 300 (no auth,
# tests/sip/call_uac_bye_rx.xml: never hangs up itself, requires a BYE)
# -> Zvonok Dial(PJSIP/callee) -> SIPp callee (call_uas_answer_bye.xml:
# answers, BYE 2 s after the ACK, requires 200 to it):
#  - without options: while bridged both legs are in `core show
#    channels`; the callee's BYE makes Zvonok BYE the caller ~2 s after
#    the answer; h sees DIALSTATUS=ANSWER; no channel left;
#  - with option g: the caller's dialplan goes on after the callee's BYE
#    (AstDB value set after Dial), then Hangup() BYEs the caller.
. "$(dirname "$0")/lib.sh"
zv_need sipp

zv_setup
ZPORT=$(zv_free_port udp)
CALLEE_PORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 300 calls
	zv_pjsip_static callee calls "$CALLEE_PORT"
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 900,1,Set(which=plain)
 same => n,Dial(PJSIP/callee,10)
 same => n,Set(DB(hup/after)=reached)
exten => 901,1,Set(which=g)
 same => n,Dial(PJSIP/callee,10,g)
 same => n,Set(DB(hup/gstatus)=${DIALSTATUS})
 same => n,Wait(0.5)
 same => n,Hangup()
exten => h,1,Set(DB(hup/${which})=h:${DIALSTATUS})
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

# call <exten> <tag>: callee and caller SIPp; sets EL (ms the caller ran).
call() {
	zv_sipp_uas call_uas_answer_bye.xml "$CALLEE_PORT" "uas-$2.out"
	local t0
	t0=$(zv_now_ms)
	zv_sipp_uac_bg call_uac_bye_rx.xml "$1" "uac-$2.out" -timeout 15
	# Bridged from the answer until the callee's BYE 2 s later.
	zv_wait_channel "PJSIP/callee-" 1.5
	expect_contains "$chans" "PJSIP/300-" "$2: the caller while bridged"
	expect_contains "$chans" "PJSIP/callee-" "$2: the callee leg while bridged"
	wait "$ZV_UAC_PID" || fail "$2: the caller got no BYE: $(tail -20 "uac-$2.out")"
	EL=$(( $(zv_now_ms) - t0 ))
	wait "$ZV_UAS_PID" || fail "$2: the callee's BYE was not answered: $(tail -20 "uas-$2.out")"
	sleep 0.2
	expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "$2: channels after the call"
}

call 900 plain
# 2 s of call after the ACK, the BYE, the caller's 300 ms pause at the end;
# the upper bounds leave room for SIPp starting slowly on a loaded host
# (ASan run beside other tests: +3 s).
[ "$EL" -ge 2000 ] && [ "$EL" -lt 8000 ] || fail "plain: the caller's BYE came after $EL ms (expected ~2.5 s)"
expect_eq "$(zv_rx 'database get hup plain')" "Value: h:ANSWER" "DIALSTATUS in h"
expect_contains "$(zv_rx 'database get hup after')" "not found" "the dialplan after Dial without g"
echo "plain: the callee's BYE reached the caller after $EL ms"

call 901 g
[ "$EL" -ge 2400 ] && [ "$EL" -lt 8500 ] || fail "g: the caller's BYE came after $EL ms (expected ~3 s)"
expect_eq "$(zv_rx 'database get hup gstatus')" "Value: ANSWER" "DIALSTATUS after Dial with g"
expect_eq "$(zv_rx 'database get hup g')" "Value: h:ANSWER" "DIALSTATUS in h (g)"
echo "g: the dialplan went on, BYE after $EL ms"
zv_stop
echo "PASS $TEST_NAME"
