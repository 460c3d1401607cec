#!/bin/bash
# Caller identity headers.  A SIPp caller (tests/sip/call_id_uac.xml,
# From "Mallory" <sip:USER@...>, P-Asserted-Identity "Alice" <5551234>)
# calls through Dial() to a SIPp callee (tests/sip/call_id_uas.xml, which
# logs the From, P-Asserted-Identity and Remote-Party-ID it receives and
# answers with P-Asserted-Identity "Bob" <7770000>).  Checked:
#  - trust_id_inbound=yes (endpoint 300): the caller ID is Alice/5551234,
#    so the callee's From carries it, and with send_pai + send_rpid the
#    INVITE has both headers with it (RPID party=calling);
#  - not trusted (endpoint 301): the caller ID stays Mallory/301, and
#    that is what the PAI says;
#  - the callee's PAI in the 180/200 sets the leg's connected line
#    (trust_id_inbound on the callee endpoint; logged by Zvonok);
#  - sip.conf sendrpid=rpid: Remote-Party-ID only; sendrpid=pai: PAI only;
#    sip.conf trustrpid=yes (caller 302) trusts the PAI like trust_id_inbound.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
CALLEE_PORT=$(zv_free_port udp)
# The one transport is sip.conf's (sip-udp), used by both files' endpoints.
cat >"$ZV_DIR/pjsip.conf" <<EOC
[300]
type=endpoint
context=calls
disallow=all
allow=ulaw
trust_id_inbound=yes

[301]
type=endpoint
context=calls
disallow=all
allow=ulaw

[callee]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=callee
send_pai=yes
send_rpid=yes
trust_id_inbound=yes
[callee]
type=aor
contact=sip:callee@127.0.0.1:$CALLEE_PORT
EOC
cat >"$ZV_DIR/sip.conf" <<EOC
[general]
udpbindaddr=127.0.0.1:$ZPORT

[rpidpeer]
type=peer
host=127.0.0.1
port=$CALLEE_PORT
disallow=all
allow=ulaw
sendrpid=rpid
[302]
type=friend
host=dynamic
context=calls
disallow=all
allow=ulaw
trustrpid=yes
[paipeer]
type=peer
host=127.0.0.1
port=$CALLEE_PORT
disallow=all
allow=ulaw
sendrpid=pai
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 400,1,Dial(PJSIP/callee,10)
exten => h,1,Set(DB(result/conn)=${CONNECTEDLINE(num)})
exten => 401,1,Dial(SIP/rpidpeer,10)
exten => 402,1,Dial(SIP/paipeer,10)
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

# call NAME USER EXTEN: one call in directory NAME (SIPp's trace logs);
# SEEN is the callee's log line.
call() {
	mkdir -p "$1"
	cd "$1" || fail "no $1"
	zv_sipp_uas call_id_uas.xml "$CALLEE_PORT" uas.out -timeout 15 -trace_logs
	zv_sipp_uac call_id_uac.xml "$3" uac.out -set user "$2" -timeout 15 ||
		fail "$1: the caller's scenario failed: $(grep -Ev '^ *[|]|^---' uac.out | tail -20)"
	wait "$ZV_UAS_PID" || fail "$1: the callee's scenario failed: $(tail -20 uas.out)"
	SEEN=$(grep -h "^from=" call_id_uas_*_logs.log 2>/dev/null)
	echo "$1: $SEEN"
	cd "$ZV_DIR" || fail "no $ZV_DIR"
}

call trusted 300 400
expect_contains "$SEEN" 'from= *"Alice" <sip:5551234@' "trusted: the callee's From"
expect_contains "$SEEN" 'pai= *"Alice" <sip:5551234@127\.0\.0\.1(:[0-9]+)?> ' "trusted: the callee's PAI"
expect_contains "$SEEN" 'rpid= *"Alice" <sip:5551234@[^>]*>;party=calling;privacy=off' \
	"trusted: the callee's RPID"
grep -q 'PJSIP/callee-[0-9a-f]*: connected line "Bob" <7770000>' out.log ||
	fail "the callee's PAI did not set the connected line"
expect_eq "$(zv_rx 'database get result conn')" "Value: 7770000" \
	"the caller's connected line after Dial (the callee's PAI)"

call untrusted 301 400
expect_contains "$SEEN" 'from= *"Mallory" <sip:301@' "untrusted: the callee's From"
expect_contains "$SEEN" 'pai= *"Mallory" <sip:301@' "untrusted: the callee's PAI"
expect_not_contains "$SEEN" '5551234' "untrusted: what the callee got"

call sendrpid 300 401
expect_contains "$SEEN" 'rpid= *"Alice" <sip:5551234@[^>]*>;party=calling' "sendrpid=rpid: the RPID"
expect_contains "$SEEN" 'pai= *rpid=' "sendrpid=rpid: no PAI"

call sendpai 300 402
expect_contains "$SEEN" 'pai= *"Alice" <sip:5551234@' "sendrpid=pai: the PAI"
expect_contains "$SEEN" 'rpid= *$' "sendrpid=pai: no RPID"

call trustrpid 302 402
expect_contains "$SEEN" 'from= *"Alice" <sip:5551234@' "sip.conf trustrpid=yes: the callee's From"
zv_stop
echo "PASS $TEST_NAME"
