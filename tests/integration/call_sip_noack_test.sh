#!/bin/bash
# A 200 that is never ACKed (RFC 3261 13.3.1.4): SIPp caller 300
# (tests/sip/call_uac_noack.xml) calls Answer()+Echo() and does not ACK.
# The transaction layer retransmits the 200 meanwhile.  Checked: Zvonok
# ends the dialog with a BYE 30-36 s after its 200 (64*T1),
# logs "no ACK for our 200", and no channel is left.  About 33 s.
. "$(dirname "$0")/lib.sh"
zv_need sipp
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
{ zv_pjsip_udp "$ZPORT"; zv_pjsip_endpoint 300 calls; } >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 600,1,Answer()
 same => n,Echo()
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
timeout -s KILL 60 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_uac_noack.xml" -s 600 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -set mark "$ZV_DIR/bye" -set answered "$ZV_DIR/answered" \
	-m 1 -nostdin \
	-timeout 50 -timeout_error -max_retrans 3 -trace_err -trace_stat >uac.out 2>&1 ||
	fail "no BYE for the unACKed 200: $(grep -v '^ *$' uac.out | tail -20)"
[ -f bye ] && [ -f answered ] || fail "the scenario did not mark the 200 and the BYE"
after=$(( ($(cat bye) - $(cat answered)) / 1000 ))
echo "BYE $after s after the 200"
zv_in_range "$after" 30 36 || fail "the BYE came $after s after the 200 (expected ~32)"
grep -q "PJSIP/300-[0-9a-f]*: no ACK for our 200" out.log || fail "the log does not say the ACK was missing"
sleep 0.3
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the BYE"
zv_stop
echo "PASS $TEST_NAME"
