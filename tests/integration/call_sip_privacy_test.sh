#!/bin/bash
# Caller ID presentation (RFC 3323/3325 privacy).  A SIPp caller
# (tests/sip/privacy_uac.xml: From "Mallory" <sip:USER@...>,
# P-Asserted-Identity "Alice" <5551234>, Privacy: none or id) calls
# through Dial() to a SIPp callee (tests/sip/privacy_uas.xml, which logs
# the From, P-Asserted-Identity, Remote-Party-ID and Privacy it gets).
# Checked:
#  - from a trusted endpoint (trust_id_inbound) with Privacy: id the
#    caller ID keeps the number, presentation prohib_not_screened;
#    a callee endpoint without trust_id_outbound gets From "Anonymous"
#    <sip:anonymous@anonymous.invalid> and no PAI/RPID (it has send_pai);
#    one with trust_id_outbound=yes gets the caller in From and PAI plus
#    Privacy: id;
#  - Privacy: none passes the number through (and no Privacy header);
#  - Privacy: id from an untrusted endpoint is ignored;
#  - Set(CALLERID(pres)=prohib) in the dialplan gives the same results,
#    SetCallerPres() and CALLERPRES() too, CALLERID(num-pres) alone as well;
#  - sip.conf: a peer with sendrpid=yes (trust_id_outbound legacy, the
#    default) gets RPID privacy=full (screen=yes for passed screen);
#    trust_id_outbound=no gets Anonymous; callingpres=prohib on a caller
#    makes its calls private.
. "$(dirname "$0")/lib.sh"
zv_need sipp

zv_setup
ZPORT=$(zv_free_port udp)
CALLEE_PORT=$(zv_free_port udp)
{
	zv_pjsip_endpoint 300 calls trust_id_inbound=yes
	zv_pjsip_endpoint 301 calls
	zv_pjsip_static plain calls "$CALLEE_PORT" send_pai=yes send_rpid=yes
	zv_pjsip_static trusted calls "$CALLEE_PORT" send_pai=yes trust_id_outbound=yes
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/sip.conf" <<EOC
[general]
udpbindaddr=127.0.0.1:$ZPORT

[rpidpeer]
type=peer
host=127.0.0.1
port=$CALLEE_PORT
disallow=all
allow=ulaw
sendrpid=yes
[notrust]
type=peer
host=127.0.0.1
port=$CALLEE_PORT
disallow=all
allow=ulaw
sendrpid=pai
trust_id_outbound=no
[303]
type=friend
host=dynamic
context=calls
disallow=all
allow=ulaw
callingpres=prohib
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => _40X,1,Set(DB(result/pres)=${CALLERID(pres)})
 same => n,Set(DB(result/num)=${CALLERID(num)})
 same => n,Set(DB(result/numpres)=${CALLERID(num-pres)})
 same => n,Goto(d${EXTEN:-1})
 same => n(d0),Dial(PJSIP/plain,10)
 same => n(d1),Dial(PJSIP/trusted,10)
 same => n(d2),Set(CALLERID(pres)=prohib)
 same => n,Set(DB(result/pres)=${CALLERID(pres)})
 same => n,Dial(PJSIP/plain,10)
 same => n(d3),Set(CALLERID(pres)=32)
 same => n,Set(DB(result/pres)=${CALLERID(pres)})
 same => n,Dial(PJSIP/trusted,10)
 same => n(d4),SetCallerPres(prohib_passed_screen)
 same => n,Set(DB(result/pres)=${CALLERPRES()})
 same => n,Dial(SIP/rpidpeer,10)
 same => n(d5),Dial(SIP/notrust,10)
 same => n(d6),Set(CALLERID(num-pres)=prohib)
 same => n,Set(DB(result/pres)=${CALLERID(pres)}/${CALLERID(name-pres)})
 same => n,Dial(PJSIP/plain,10)
 same => n(d7),Set(CALLERPRES()=allowed)
 same => n,Dial(PJSIP/plain,10)
 same => n(d8),Dial(SIP/rpidpeer,10)
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

# call NAME USER PRIVACY EXTEN: one call in directory NAME (SIPp's trace
# logs); SEEN is the callee's log line.
call() {
	mkdir -p "$1"
	cd "$1" || fail "no $1"
	zv_sipp_uas privacy_uas.xml "$CALLEE_PORT" uas.out -timeout 15 -trace_logs
	zv_sipp_uac privacy_uac.xml "$4" uac.out -set user "$2" -set privacy "$3" -timeout 15 ||
		fail "$1: the caller's scenario failed: $(grep -Ev '^ *[|]|^---' uac.out | tail -20)"
	wait "$ZV_UAS_PID" || fail "$1: the callee's scenario failed: $(tail -20 uas.out)"
	SEEN=$(grep -h "^from=" privacy_uas_*_logs.log 2>/dev/null)
	echo "$1: $SEEN"
	cd "$ZV_DIR" || fail "no $ZV_DIR"
}
db() { zv_rx "database get result $1" | sed -n 's/^Value: //p'; }
ANON='from= *"Anonymous" <sip:anonymous@anonymous\.invalid>;tag=[^|]*|pai= *|rpid= *|privacy= *|'

call id-to-plain 300 id 400
expect_eq "$(db pres)" "prohib_not_screened" "trusted Privacy: id: CALLERID(pres)"
expect_eq "$(db num)" "5551234" "trusted Privacy: id: the number is kept"
expect_contains "$SEEN" "^$ANON\$" "trusted Privacy: id to an endpoint without trust_id_outbound"

call id-to-trusted 300 id 401
expect_contains "$SEEN" '^from= *"Alice" <sip:5551234@' "Privacy: id to trust_id_outbound: From"
expect_contains "$SEEN" '\|pai= *"Alice" <sip:5551234@[^|]*\|rpid= *\|privacy= *id\|' \
	"Privacy: id to trust_id_outbound: PAI and Privacy: id"

call none-to-plain 300 none 400
expect_eq "$(db pres)" "allowed_not_screened" "trusted Privacy: none: CALLERID(pres)"
expect_contains "$SEEN" '^from= *"Alice" <sip:5551234@[^|]*\|pai= *"Alice" <sip:5551234@' \
	"allowed: the number passes"
expect_contains "$SEEN" 'rpid= *"Alice" <sip:5551234@[^>]*>;party=calling;privacy=off;screen=no\|privacy= *\|' \
	"allowed: RPID privacy=off, no Privacy header"

call untrusted-id 301 id 400
expect_eq "$(db pres)" "allowed_not_screened" "untrusted Privacy: id is ignored"
expect_contains "$SEEN" '^from= *"Mallory" <sip:301@' "untrusted Privacy: id: From"

call set-prohib 301 none 402
expect_eq "$(db pres)" "prohib" "Set(CALLERID(pres)=prohib)"
expect_contains "$SEEN" "^$ANON\$" "Set(CALLERID(pres)=prohib) to an untrusted endpoint"

call set-32-trusted 301 none 403
expect_eq "$(db pres)" "prohib_not_screened" "Set(CALLERID(pres)=32)"
expect_contains "$SEEN" '^from= *"Mallory" <sip:301@[^|]*\|pai= *"Mallory" <sip:301@[^|]*\|rpid= *\|privacy= *id\|' \
	"Set(CALLERID(pres)=32) to trust_id_outbound"

call setcallerpres-rpid 301 none 404
expect_eq "$(db pres)" "prohib_passed_screen" "SetCallerPres(prohib_passed_screen) read by CALLERPRES()"
expect_contains "$SEEN" '^from= *"Mallory" <sip:301@[^|]*\|pai= *\|rpid= *"Mallory" <sip:301@[^>]*>;party=calling;privacy=full;screen=yes\|' \
	"sip.conf sendrpid=yes (trust_id_outbound legacy): RPID privacy=full"

call callingpres 303 none 405
expect_eq "$(db pres)" "prohib" "sip.conf callingpres=prohib on the caller"
expect_contains "$SEEN" "^$ANON\$" "sip.conf trust_id_outbound=no"

call numpres 301 none 406
expect_eq "$(db pres)" "prohib/allowed_not_screened" "CALLERID(num-pres)=prohib alone"
expect_contains "$SEEN" "^$ANON\$" "a prohibited number alone hides the caller"

call callerpres-write 303 none 407
expect_contains "$SEEN" '^from= *"Mallory" <sip:303@' "CALLERPRES()=allowed shows the caller again"
grep -q "CALLERPRES is deprecated" out.log || fail "CALLERPRES gave no deprecation warning"
grep -q "SetCallerPres is deprecated" out.log || fail "SetCallerPres gave no deprecation warning"

# legacy trust without a prohibited caller: RPID privacy=off
call allowed-rpid 301 none 408
expect_contains "$SEEN" 'rpid= *"Mallory" <sip:301@[^>]*>;party=calling;privacy=off;screen=no\|' \
	"sip.conf sendrpid=yes, allowed caller"
zv_stop
echo "PASS $TEST_NAME"
