#!/bin/bash
# Refusing new calls, as asterisk.conf's maxcalls and `core stop
# gracefully` do in Asterisk, with SIPp callers:
#  - zvonok.conf maxcalls = 1: while one call is up, `core show channels`
#    says "1 of 1 max active call (100.00% of capacity)" and a second
#    INVITE gets 503 with Retry-After (tests/sip/call_uac_503.xml); the
#    call that is up completes (Zvonok's BYE), then a new call is taken;
#    "N calls processed" counts the ended ones;
#  - `core stop gracefully` during a call: new INVITEs get 503, the call
#    up completes, then Zvonok exits with status 0.
. "$(dirname "$0")/lib.sh"
zv_need sipp

zv_setup
echo "maxcalls = 1" >>"$ZV_DIR/zvonok.conf"
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 300 calls
	printf '[300]\ntype=identify\nendpoint=300\nmatch=127.0.0.1\n\n'
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 100,1,Answer()
 same => n,Wait(4)
 same => n,Hangup()
EOC
zv_start

# hold: a call to 100 in the background that Zvonok ends after 4 s.
hold() {
	zv_sipp_uac_bg call_uac_bye_rx.xml 100 "$ZV_DIR/$1.out"
	zv_wait_channel 'Wait\(4\)' 10 || fail "call $1 did not come up: $(tail -5 "$ZV_DIR/$1.out")"
}

hold first
out=$(zv_rx 'core show channels')
expect_contains "$out" "^1 of 1 max active call \(100\.00% of capacity\)$" "core show channels at maxcalls"
zv_sipp_uac call_uac_503.xml 100 "$ZV_DIR/refused.out" ||
	fail "a call beyond maxcalls was not refused with 503 + Retry-After: $(tail -5 "$ZV_DIR/refused.out")"
wait "$ZV_UAC_PID" || fail "the call up at maxcalls did not complete: $(tail -5 "$ZV_DIR/first.out")"
zv_wait_rx 5 'core show channels' '^0 active channels$' || fail "the first call's channel stays: $out"
expect_contains "$out" "^0 of 1 max active calls \( 0\.00% of capacity\)$" "core show channels after the call"
expect_contains "$out" "^1 call processed$" "calls processed after one call"

hold second
zv_rx 'core stop gracefully' >/dev/null || fail "core stop gracefully failed"
sed -i '/^maxcalls/d' "$ZV_DIR/zvonok.conf"
zv_sipp_uac call_uac_503.xml 100 "$ZV_DIR/stopping.out" ||
	fail "a call while stopping gracefully was not refused with 503: $(tail -5 "$ZV_DIR/stopping.out")"
wait "$ZV_UAC_PID" || fail "the call up during the graceful stop did not complete: $(tail -5 "$ZV_DIR/second.out")"
zv_wait_exit 10
expect_eq "$ZV_STATUS" 0 "exit status after core stop gracefully"
echo "PASS $TEST_NAME"
