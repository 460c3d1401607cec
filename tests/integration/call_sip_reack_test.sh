#!/bin/bash
# A lost ACK for a 2xx (RFC 3261 13.2.2.4, 17.1.1.3): SIPp caller 300
# (call_uac_bye_rx.xml) -> Dial(PJSIP/callee) -> SIPp callee
# (call_uas_reack.xml) that answers 200 once, ignores the ACK and sends
# the same 200 again.  Checked: the callee gets a second ACK (its
# scenario fails without one within 3 s), Zvonok's trace shows two ACKs
# for the INVITE's CSeq to the callee, byte for byte the same (same
# branch), the call goes on (the callee's BYE reaches the caller) and no
# channel is left.
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
exten => 900,1,Dial(PJSIP/callee,10)
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
expect_contains "$(zv_rx 'pjsip set logger on')" "enabled" "pjsip set logger on"

# -nr: SIPp would take our second ACK, identical to the first as RFC
# 3261 13.2.2.4 wants, for a retransmission of it and answer it with its
# last message (the 200) again, not match the second <recv ACK>.
zv_sipp_uas call_uas_reack.xml "$CALLEE_PORT" uas.out -trace_err -nr
zv_sipp_uac_bg call_uac_bye_rx.xml 900 uac.out -timeout 15
wait "$ZV_UAS_PID" || fail "the callee got no ACK for its retransmitted 200: $(grep -v '^ *$' uas.out | tail -20)"
wait "$ZV_UAC_PID" || fail "the caller got no BYE: $(tail -20 uac.out)"

# The ACKs Zvonok sent to the callee, as the trace shows them.
acks=$(python3 - out.log "$CALLEE_PORT" <<'EOP'
import re, sys
log, port = open(sys.argv[1], encoding="latin-1").read(), sys.argv[2]
parts = re.split(r"^<--- (Transmitting|Received) SIP/\w+ (?:to|from) ([^ ]+) --->$", log, flags=re.M)
for i in range(1, len(parts) - 2, 3):
    kind, peer, body = parts[i], parts[i + 1], parts[i + 2]
    if kind == "Transmitting" and peer.endswith(":" + port) and body.startswith("\nACK "):
        via = re.search(r"^Via:.*branch=([^;\s]+)", body, re.M)
        cseq = re.search(r"^CSeq:\s*(\d+) ACK", body, re.M)
        print(via.group(1) if via else "?", cseq.group(1) if cseq else "?")
EOP
)
echo "ACKs to the callee (branch cseq):"
echo "$acks"
n=$(grep -c . <<<"$acks")
[ "$n" = 2 ] || fail "expected 2 ACKs to the callee, the trace has $n"
[ "$(sort -u <<<"$acks" | grep -c .)" = 1 ] || fail "the second ACK differs from the first: $acks"
sleep 0.3
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the call"
zv_stop
echo "PASS $TEST_NAME"
