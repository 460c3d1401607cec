#!/bin/bash
# 100rel (RFC 3262) as the UAS, endpoint default 100rel=yes.  SIPp caller
# 300 (tests/sip/call_prack_uac.xml, Supported: 100rel) calls 670
# (Progress, Wait(1), Answer, Wait(3), Hangup) and PRACKs the 183 only
# after 2.5 s.  Checked: the 183 is reliable (Require: 100rel, RSeq, SDP)
# and retransmitted (at 0.5 and 1.5 s: the log says so at verbose 4);
# the INVITE's 200 waits for the PRACK (the scenario takes the PRACK's
# 200 first).  As the UAC: a call to a SIPp callee
# (tests/sip/call_uas_prack.xml) that sends a reliable 183 gets its PRACK
# (RAck: 1 <INVITE CSeq> INVITE), then the 200, and the caller is
# bridged until the callee's BYE.  Also:
# an endpoint with 100rel=required refuses an INVITE without 100rel (421).
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
CALLEE_PORT=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[relcallee]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=relcallee
[relcallee]
type=aor
contact=sip:relcallee@127.0.0.1:$CALLEE_PORT

[300]
type=endpoint
context=calls
disallow=all
allow=ulaw
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 670,1,Progress()
 same => n,Wait(1)
 same => n,Answer()
 same => n,Wait(3)
 same => n,Hangup()
exten => 671,1,Dial(PJSIP/relcallee,10)
EOC
zv_start
zv_rx "core set verbose 4" >/dev/null
cd "$ZV_DIR" || fail "no $ZV_DIR"
timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_prack_uac.xml" -s 670 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 20 -timeout_error \
	-max_retrans 3 -trace_logs -trace_err >uac.out 2>&1 ||
	fail "PRACK scenario failed: $(grep -v '^ *$' uac.out | tail -20) $(cat ./*errors.log 2>/dev/null)"
grep -h "183:\|200:" call_prack_uac_*_logs.log
n=$(grep -c "PJSIP/300-[0-9a-f]*: 183 again (RSeq 1)" out.log)
echo "183 retransmitted $n times"
[ "$n" -ge 2 ] || fail "the reliable 183 was retransmitted $n times before the PRACK (expected 2)"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the call"

# As the UAC: PRACK for the callee's reliable 183.
mkdir -p uac
(cd uac && exec timeout -s KILL 30 sipp -sf "$SIPDIR/call_uas_prack.xml" -i 127.0.0.1 -p "$CALLEE_PORT" \
	-mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 15 -timeout_error -trace_logs -trace_err \
	>uas.out 2>&1) &
UAS_PID=$!
sleep 0.3
(cd uac && timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_uac_bye_rx.xml" -s 671 \
	-i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 15 \
	-timeout_error -max_retrans 3 >uac.out 2>&1) ||
	fail "the caller through the reliable 183 failed: $(tail -20 uac/uac.out)"
wait "$UAS_PID" || fail "the callee got no PRACK: $(tail -20 uac/uas.out) $(cat uac/*errors.log 2>/dev/null)"
grep -h "PRACK:\|INVITE:" uac/*_logs.log

# 100rel=required and an INVITE without it: 421.
cat >>"$ZV_DIR/pjsip.conf" <<EOC
100rel=required
EOC
zv_rx "core reload" >/dev/null || fail "core reload failed"
timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_uac_480.xml" -s 670 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 10 \
	-max_retrans 3 -trace_err >req.out 2>&1
grep -q "received '421\|SIP/2.0 421" ./*errors.log 2>/dev/null ||
	fail "100rel=required did not refuse an INVITE without 100rel with 421: $(cat ./*errors.log 2>/dev/null | head -20)"
zv_stop
echo "PASS $TEST_NAME"
