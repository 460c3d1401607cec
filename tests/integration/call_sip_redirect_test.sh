#!/bin/bash
# 3xx on an outbound leg.  Caller 300 (tests/sip/call_uac_bye_rx.xml)
# dials PJSIP/redir, a SIPp callee (tests/sip/call_uas_redirect.xml) that
# answers 302 with Contact <sip:second@127.0.0.1:P2>; a second SIPp
# callee on P2 (tests/sip/call_uas_answer_ruri.xml) answers and hangs up.
# Checked:
#  - the second callee is INVITEd at sip:second@..., answers, and the
#    caller gets the 200 and then the BYE (both scenarios pass);
#  - DIALSTATUS is ANSWER, the log says the leg was redirected;
#  - with Dial's `i` (it sets the leg variable PJSIP_FOLLOW_REDIRECTS=no
#    on the leg), the 302 ends the leg (no new INVITE) with cause 16, normal
#    clearing, as Asterisk maps a 3xx: DIALSTATUS is NOANSWER;
#  - a 302 without a Contact ends the leg the same way;
#  - a Contact by name (sip:second@second.test:P2) is resolved (dnsmasq on
#    loopback, [global] dns_servers) and followed.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (scripts/install-deps)"
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
P1=$(zv_free_port udp)
P2=$(zv_free_port udp)
DNSPORT=$(zv_free_port udp)
dnsmasq --keep-in-foreground --port="$DNSPORT" --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --no-daemon --pid-file="$ZV_DIR/dns.pid" \
	--host-record=second.test,127.0.0.1 >"$ZV_DIR/dnsmasq.out" 2>&1 &
DNS_PID=$!
cat >"$ZV_DIR/pjsip.conf" <<EOC
[global]
type=global
dns_servers=127.0.0.1:$DNSPORT

[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[300]
type=endpoint
context=calls
disallow=all
allow=ulaw

[redir]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=redir
[redir]
type=aor
contact=sip:first@127.0.0.1:$P1
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 500,1,Dial(PJSIP/redir,10,g)
 same => n,Set(DB(redir/follow)=${DIALSTATUS})
 same => n,Hangup()
exten => 501,1,Dial(PJSIP/redir,10,i)
 same => n,Set(DB(redir/ignore)=${DIALSTATUS})
 same => n,Hangup()
exten => 503,1,Dial(PJSIP/redir,10,g)
 same => n,Set(DB(redir/byname)=${DIALSTATUS})
 same => n,Hangup()
exten => 502,1,Dial(PJSIP/redir,10)
 same => n,Set(DB(redir/nocontact)=${DIALSTATUS})
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

PIDS=($DNS_PID)
cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	zv_cleanup
}
trap cleanup EXIT

# uas DIR SCENARIO PORT [sipp args]: a callee in the background.
uas() {
	local dir=$1 sf=$2 port=$3
	shift 3
	mkdir -p "$dir"
	(cd "$dir" && exec timeout -s KILL 30 sipp -sf "$SIPDIR/$sf" -i 127.0.0.1 -p "$port" \
		-mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 15 -timeout_error -trace_logs "$@" \
		>"uas.out" 2>&1) &
	PIDS+=($!)
}
uac() { # DIR EXTEN SCENARIO
	(cd "$1" && timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/$3" -s "$2" -i 127.0.0.1 \
		-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 15 \
		-timeout_error -max_retrans 3 >uac.out 2>&1)
}

# 1. Followed.
uas follow/first call_uas_redirect.xml "$P1" -set hdr "Contact: <sip:second@127.0.0.1:$P2>"
first=$!
uas follow/second call_uas_answer_ruri.xml "$P2"
second=$!
sleep 0.3
uac follow 500 call_uac_bye_rx.xml || fail "follow: the caller got no answer and BYE: $(tail -20 follow/uac.out)"
wait "$first" || fail "follow: the redirecting callee failed: $(tail -20 follow/first/uas.out)"
wait "$second" || fail "follow: the second callee failed: $(tail -20 follow/second/uas.out)"
grep -h "ruri=" follow/second/*_logs.log
grep -qh "ruri=sip:second@127.0.0.1:$P2 " follow/second/*_logs.log ||
	fail "the second callee was not called at the 302's Contact"
grep -q "PJSIP/redir-[0-9a-f]*: redirected (1) to sip:second@127.0.0.1:$P2" out.log ||
	fail "no redirect in the log"
sleep 0.3
expect_eq "$(zv_rx 'database get redir follow' | tr -d '\r')" "Value: ANSWER" "DIALSTATUS after the redirect"

# 2. Dial's i (it sets PJSIP_FOLLOW_REDIRECTS=no on the leg): the 302 ends the leg.
uas ignore/first call_uas_redirect.xml "$P1" -set hdr "Contact: <sip:second@127.0.0.1:$P2>"
first=$!
sleep 0.3
uac ignore 501 call_uac_480.xml >/dev/null 2>&1
wait "$first" || fail "ignore: the redirecting callee failed: $(tail -20 ignore/first/uas.out)"
sleep 0.3
st=$(zv_rx 'database get redir ignore' | tr -d '\r')
echo "ignored redirect: $st"
expect_eq "$st" "Value: NOANSWER" "DIALSTATUS with PJSIP_FOLLOW_REDIRECTS=no"
[ "$(grep -c 'redirected (' out.log)" = 1 ] || fail "a redirect was followed with PJSIP_FOLLOW_REDIRECTS=no"

# 3. A 302 without a Contact.
uas nocontact/first call_uas_redirect.xml "$P1" -set hdr "X-Nothing: here"
first=$!
sleep 0.3
uac nocontact 502 call_uac_480.xml >/dev/null 2>&1
wait "$first" || fail "nocontact: the redirecting callee failed: $(tail -20 nocontact/first/uas.out)"
sleep 0.3
st=$(zv_rx 'database get redir nocontact' | tr -d '\r')
echo "302 without Contact: $st"
expect_eq "$st" "Value: NOANSWER" "DIALSTATUS after a 302 without Contact"
[ "$(grep -c 'redirected (' out.log)" = 1 ] || fail "a 302 without Contact was followed"

# 4. A Contact by name.
kill -0 "$DNS_PID" 2>/dev/null || fail "dnsmasq did not start: $(cat dnsmasq.out)"
uas byname/first call_uas_redirect.xml "$P1" -set hdr "Contact: <sip:second@second.test:$P2>"
first=$!
uas byname/second call_uas_answer_ruri.xml "$P2"
second=$!
sleep 0.3
uac byname 503 call_uac_bye_rx.xml || fail "byname: the caller got no answer and BYE: $(tail -20 byname/uac.out)"
wait "$first" || fail "byname: the redirecting callee failed: $(tail -20 byname/first/uas.out)"
wait "$second" || fail "byname: the second callee failed: $(tail -20 byname/second/uas.out)"
grep -qh "ruri=sip:second@second.test:$P2 " byname/second/*_logs.log ||
	fail "the second callee was not called at the 302's Contact by name"
grep -q "PJSIP/redir-[0-9a-f]*: redirected (1) to sip:second@second.test:$P2" out.log ||
	fail "no redirect by name in the log"
sleep 0.3
expect_eq "$(zv_rx 'database get redir byname' | tr -d '\r')" "Value: ANSWER" "DIALSTATUS after a redirect by name"
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the calls"
zv_stop
echo "PASS $TEST_NAME"
