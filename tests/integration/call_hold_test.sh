#!/bin/bash
# Hold and resume by re-INVITE on a call to Echo().  SIPp caller 300
# (tests/sip/call_hold_uac.xml) streams a 1000 Hz u-law tone; its SDP
# sends Zvonok's audio to tests/media/rtp_sink.py, which records it.
# Checked:
#  - re-INVITE a=sendonly is answered 200 with a=recvonly, re-INVITE
#    a=sendrecv with a=sendrecv (the scenario fails on anything else);
#  - after the resume `core show channels` still has the channel in Echo;
#  - the echo heard after the resume is the 1000 Hz tone, for most of the
#    2.5 s before the BYE, and it was there before the hold too.
. "$(dirname "$0")/lib.sh"
zv_need sipp sox

zv_setup
ZPORT=$(zv_free_port udp)
SINK_PORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	# rtp_symmetric=no: Zvonok sends to the SDP address (the sink), not to
	# SIPp's media port the tone comes from.
	zv_pjsip_endpoint 300 calls rtp_symmetric=no
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 650,1,Answer()
 same => n,Echo()
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
sox -n -r 8000 -c 1 -e u-law tone-ulaw.wav synth 20 sine 1000 vol 0.5 || fail "sox could not make the tone"

python3 "$ZV_SRC/tests/media/rtp_sink.py" "$SINK_PORT" "$ZV_DIR/sink" 20 "$ZV_DIR/resumed" &
SINK_PID=$!
zv_sipp_uac_bg call_hold_uac.xml 650 uac.out -set sink "$SINK_PORT" -set mark "$ZV_DIR/resumed" -trace_logs
for _ in $(seq 1 100); do
	[ -f resumed ] && break
	sleep 0.1
done
[ -f resumed ] || fail "the resume re-INVITE was not answered: $(tail -20 uac.out)"
sleep 0.5
expect_contains "$(zv_rx 'core show channels')" "PJSIP/300-.*Echo" "the channel after the resume"
wait "$ZV_UAC_PID" || fail "hold/resume scenario failed: $(grep -v '^ *$' uac.out | tail -20)"
touch sink.stop
wait "$SINK_PID"
grep -h "answer" call_hold_uac_*_logs.log 2>/dev/null

before=$(python3 "$ZV_SRC/tests/media/tone_check.py" sink-before.wav)
after=$(python3 "$ZV_SRC/tests/media/tone_check.py" sink-after.wav)
echo "before the resume: $before"
echo "after the resume:  $after"
freq=$(zv_field "$before" freq)
[ -n "$freq" ] && [ "$freq" -ge 985 ] && [ "$freq" -le 1015 ] || fail "no 1000 Hz echo before the hold: $before"
freq=$(zv_field "$after" freq)
[ -n "$freq" ] && [ "$freq" -ge 985 ] && [ "$freq" -le 1015 ] || fail "no 1000 Hz echo after the resume: $after"
awk -v p="$(zv_field "$after" purity)" -v s="$(zv_field "$after" secs)" 'BEGIN { exit !(p > 0.8 && s > 1.8) }' ||
	fail "the echo after the resume is short or not clean: $after"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the BYE"
zv_stop
echo "PASS $TEST_NAME"
