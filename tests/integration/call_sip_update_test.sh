#!/bin/bash
# UPDATE (RFC 3311).  SIPp caller 300 (tests/sip/call_update_uac.xml)
# calls 651 (Progress, Wait(2), Answer, Echo).  Checked by the scenario:
# the 183 lists UPDATE in Allow; an UPDATE a=sendonly in the early dialog
# is answered a=recvonly; after the answer an UPDATE a=sendrecv is
# answered a=sendrecv and one without SDP 200 without a body.  Checked
# here: the channel is still in Echo after them, and is gone after the
# caller's BYE.
. "$(dirname "$0")/lib.sh"
zv_need sipp
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
{ zv_pjsip_udp "$ZPORT"; zv_pjsip_endpoint 300 calls; } >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 651,1,Progress()
 same => n,Wait(2)
 same => n,Answer()
 same => n,Echo()
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_update_uac.xml" -s 651 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -set mark "$ZV_DIR/updated" -m 1 -nostdin \
	-timeout 20 -timeout_error -max_retrans 3 -trace_logs -trace_err >uac.out 2>&1 &
UAC_PID=$!
for _ in $(seq 1 100); do
	[ -f updated ] && break
	sleep 0.1
done
[ -f updated ] || fail "the UPDATEs were not answered as expected: $(tail -20 uac.out)"
expect_contains "$(zv_rx 'core show channels')" "PJSIP/300-.*Echo" "the channel after the UPDATEs"
wait "$UAC_PID" || fail "UPDATE scenario failed: $(grep -v '^ *$' uac.out | tail -20)"
grep -h "early\|confirmed\|refresh\|183" call_update_uac_*_logs.log 2>/dev/null
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the BYE"
zv_stop
echo "PASS $TEST_NAME"
