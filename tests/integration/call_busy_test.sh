#!/bin/bash
# Dial() to a busy callee and to one that never answers, with SIPp on both
# sides (caller 300 without auth; callees on static AOR contacts):
#  - Dial(PJSIP/busy,10) to a SIPp UAS that answers 486: DIALSTATUS=BUSY
#    (in AstDB) at once, not after the timeout; the dialplan's Busy()
#    gives the caller 486 (its scenario accepts nothing else);
#  - Dial(PJSIP/ringer,3) to a SIPp UAS that only rings: the caller gets
#    the 180, DIALSTATUS=NOANSWER after 3 s (not before, not much later),
#    the callee receives a CANCEL (its scenario requires it), and
#    Hangup(19) gives the caller 480;
#  - no channel is left.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
BUSY_PORT=$(zv_free_port udp)
RING_PORT=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[300]
type=endpoint
context=calls
disallow=all
allow=ulaw

[busy]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=busy
[busy]
type=aor
contact=sip:busy@127.0.0.1:$BUSY_PORT

[ringer]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=ringer
[ringer]
type=aor
contact=sip:ringer@127.0.0.1:$RING_PORT
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => busy,1,Dial(PJSIP/busy,10)
 same => n,Set(DB(result/busy)=${DIALSTATUS})
 same => n,Busy()
exten => ring,1,Dial(PJSIP/ringer,3)
 same => n,Set(DB(result/ring)=${DIALSTATUS})
 same => n,Set(DB(result/ringtime)=${DIALEDTIME})
 same => n,Hangup(19)
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

UAS_PID=""
cleanup() {
	[ -n "$UAS_PID" ] && kill -KILL "$UAS_PID" 2>/dev/null
	zv_cleanup
}
trap cleanup EXIT

# uas <scenario> <port> <log>: one SIPp callee in the background.
uas() {
	timeout -s KILL 30 sipp -sf "$SIPDIR/$1" -i 127.0.0.1 -p "$2" -mp "$(zv_free_port udp)" \
		-m 1 -nostdin -timeout 20 -timeout_error >"$3" 2>&1 &
	UAS_PID=$!
	zv_wait_udp "$2"
}
# uac <scenario> <exten> <log>: one SIPp call from 300; its status.
uac() {
	timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/$1" -s "$2" -i 127.0.0.1 \
		-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 20 \
		-timeout_error -max_retrans 3 >"$3" 2>&1
}
now_ms() { date +%s%3N; }

# Busy.
uas call_uas_busy.xml "$BUSY_PORT" uas-busy.out
t0=$(now_ms)
uac call_uac_486.xml busy uac-busy.out || fail "busy: the caller did not get 486: $(tail -20 uac-busy.out)"
el=$(( $(now_ms) - t0 ))
wait "$UAS_PID" || fail "busy: the callee scenario failed: $(tail -20 uas-busy.out)"
UAS_PID=""
expect_eq "$(zv_rx 'database get result busy')" "Value: BUSY" "DIALSTATUS after a 486"
[ "$el" -lt 2500 ] || fail "busy: the caller waited $el ms for its 486"
echo "busy: 486 to the caller after $el ms"

# No answer in 3 s.
uas call_uas_ring.xml "$RING_PORT" uas-ring.out
t0=$(now_ms)
uac call_uac_480.xml ring uac-ring.out ||
	fail "no answer: the caller did not get 180 then 480: $(tail -20 uac-ring.out)"
el=$(( $(now_ms) - t0 ))
wait "$UAS_PID" || fail "no answer: the callee was not CANCELled: $(tail -20 uas-ring.out)"
UAS_PID=""
expect_eq "$(zv_rx 'database get result ring')" "Value: NOANSWER" "DIALSTATUS after the Dial timeout"
expect_eq "$(zv_rx 'database get result ringtime')" "Value: 3" "DIALEDTIME after a 3 s timeout"
[ "$el" -ge 2900 ] && [ "$el" -lt 5000 ] || fail "no answer: the caller got its 480 after $el ms, expected ~3 s"
echo "no answer: 480 to the caller after $el ms"

sleep 0.3
chans=$(zv_rx "core show channels")
expect_not_contains "$chans" "PJSIP/" "core show channels after the calls"
zv_stop
echo "PASS $TEST_NAME"
