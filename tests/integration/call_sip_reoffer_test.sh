#!/bin/bash
# A re-INVITE without SDP (we offer in the 200, the answer comes in the
# ACK).  SIPp caller 300 (tests/sip/call_reinvite_nosdp_uac.xml) calls
# Echo() with its audio address on sink 1 and streams a 1000 Hz tone;
# its re-INVITE has no body, the 200 must carry an offer (PCMU,
# sendrecv), and the ACK's answer moves the audio to sink 2
# (tests/media/rtp_sink.py both).  Checked: sink 1 got the echo before,
# sink 2 gets it after the ACK (1000 Hz, most of the 2.5 s before the BYE).
. "$(dirname "$0")/lib.sh"
zv_need sipp sox
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
SINK1=$(zv_free_port udp)
SINK2=$(zv_free_port udp)
{ zv_pjsip_udp "$ZPORT"; zv_pjsip_endpoint 300 calls rtp_symmetric=no; } >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 650,1,Answer()
 same => n,Echo()
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
sox -n -r 8000 -c 1 -e u-law tone-ulaw.wav synth 20 sine 1000 vol 0.5 || fail "sox could not make the tone"

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	zv_cleanup
}
trap cleanup EXIT

python3 "$ZV_SRC/tests/media/rtp_sink.py" "$SINK1" "$ZV_DIR/one" 20 &
S1=$!
PIDS+=($S1)
python3 "$ZV_SRC/tests/media/rtp_sink.py" "$SINK2" "$ZV_DIR/two" 20 &
S2=$!
PIDS+=($S2)
timeout -s KILL 30 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_reinvite_nosdp_uac.xml" -s 650 \
	-i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -set sink "$SINK1" \
	-set sink2 "$SINK2" -set mark "$ZV_DIR/moved" -m 1 -nostdin -timeout 20 -timeout_error \
	-max_retrans 3 -trace_logs -trace_err >uac.out 2>&1 ||
	fail "re-INVITE without SDP: $(grep -v '^ *$' uac.out | tail -20) $(cat ./*errors.log 2>/dev/null)"
touch one.stop two.stop
wait "$S1" "$S2"
PIDS=()
grep -h "offer in the 200" call_reinvite_nosdp_uac_*_logs.log
before=$(python3 "$ZV_SRC/tests/media/tone_check.py" one.wav)
after=$(python3 "$ZV_SRC/tests/media/tone_check.py" two.wav)
echo "sink 1 (the INVITE's address): $before"
echo "sink 2 (the ACK's answer):     $after"
zv_in_range "$(zv_field "$before" freq)" 985 1015 || fail "no 1000 Hz echo at the first address: $before"
zv_in_range "$(zv_field "$after" freq)" 985 1015 || fail "no 1000 Hz echo at the ACK's address: $after"
awk -v p="$(zv_field "$after" purity)" -v s="$(zv_field "$after" secs)" 'BEGIN { exit !(p > 0.8 && s > 1.8) }' ||
	fail "the echo at the ACK's address is short or not clean: $after"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the BYE"
zv_stop
echo "PASS $TEST_NAME"
