#!/bin/bash
# Late offer: an INVITE without SDP to Echo().  SIPp caller 300
# (tests/sip/call_late_offer_uac.xml) checks that the 200 carries our
# offer (PCMU, sendrecv), answers in the ACK with the address of
# tests/media/rtp_sink.py and streams a 1000 Hz u-law tone.  Checked:
#  - the echo that arrives at the sink is the 1000 Hz tone, for most of
#    the 3 s before the BYE (so RTP flowed back to the ACK's address);
#  - a second call whose ACK has no SDP is ended by Zvonok with a BYE
#    (the scenario waits for it) and leaves no channel behind.
. "$(dirname "$0")/lib.sh"
zv_need sipp sox
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
SINK_PORT=$(zv_free_port udp)
{ zv_pjsip_udp "$ZPORT"; zv_pjsip_endpoint 300 calls rtp_symmetric=no; } >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 600,1,Answer()
 same => n,Echo()
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
sox -n -r 8000 -c 1 -e u-law tone-ulaw.wav synth 10 sine 1000 vol 0.5 || fail "sox could not make the tone"

SINK_PID=""
cleanup() {
	[ -n "$SINK_PID" ] && kill -KILL "$SINK_PID" 2>/dev/null
	zv_cleanup
}
trap cleanup EXIT

python3 "$ZV_SRC/tests/media/rtp_sink.py" "$SINK_PORT" "$ZV_DIR/sink" 15 &
SINK_PID=$!
timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_late_offer_uac.xml" -s 600 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -set sink "$SINK_PORT" -set bad 0 \
	-m 1 -nostdin -timeout 20 -timeout_error -max_retrans 3 -trace_logs >uac.out 2>&1 ||
	fail "late offer scenario failed: $(grep -v '^ *$' uac.out | tail -20)"
touch sink.stop
wait "$SINK_PID"
SINK_PID=""
grep -h "offer in the 200" call_late_offer_uac_*_logs.log 2>/dev/null
echo=$(python3 "$ZV_SRC/tests/media/tone_check.py" sink.wav)
echo "echo at the ACK's address: $echo"
freq=$(zv_field "$echo" freq)
zv_in_range "$freq" 985 1015 || fail "no 1000 Hz echo: $echo"
awk -v p="$(zv_field "$echo" purity)" -v s="$(zv_field "$echo" secs)" 'BEGIN { exit !(p > 0.8 && s > 2.0) }' ||
	fail "the echo is short or not clean: $echo"

# An ACK without SDP: Zvonok hangs up with BYE.
timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_late_offer_uac.xml" -s 600 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -set sink "$SINK_PORT" -set bad 1 \
	-m 1 -nostdin -timeout 10 -timeout_error -max_retrans 3 >bad.out 2>&1 ||
	fail "no BYE after an ACK without SDP: $(grep -v '^ *$' bad.out | tail -20)"
grep -q "no usable SDP answer in the ACK" out.log || fail "the log does not say why the call ended"
for _ in $(seq 1 50); do
	zv_rx 'core show channels' | grep -q "PJSIP/" || break
	sleep 0.1
done
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the calls"
zv_stop
echo "PASS $TEST_NAME"
