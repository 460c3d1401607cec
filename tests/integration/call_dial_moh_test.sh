#!/bin/bash
# What Dial plays to the caller while the called party only rings (a SIPp
# UAS that answers 180 and waits for the CANCEL): baresip (200, silent)
# calls and tests/media/tone_check.py analyses what it heard.
#  - m(tones), the caller's CHANNEL(musicclass) also tones (a directory
#    with a sox-made 523 Hz file): 523 Hz for the whole dialing time;
#  - plain m with CHANNEL(musicclass)=tones: the channel's class, 523 Hz;
#  - m(other) (700 Hz) on a channel without a class: the option's class
#    (with one, preferchannelclass=yes prefers the channel's, as Asterisk);
#  - r with CHANNEL(tonezone)=ru: the Russian ringback, 425 Hz, 1 s on and
#    4 s off (indications.conf), not Dial's old 440+480 Hz;
#  - m(nosuchclass): a warning, and the default class plays;
#  - the music stops when Dial gives up (DIALSTATUS=NOANSWER, the callee
#    got a CANCEL): silence in the Wait(2) after it.
. "$(dirname "$0")/lib.sh"
command -v baresip >/dev/null || fail "baresip is not installed"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
command -v sox >/dev/null || fail "sox is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
RING_PORT=$(zv_free_port udp)
mkdir -p "$ZV_DIR/moh-tones" "$ZV_DIR/moh-other"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/moh-tones/tone523.wav" synth 3 sine 523 vol 0.5 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/moh-other/tone700.wav" synth 3 sine 700 vol 0.5 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 15 || fail "sox could not make silence"
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[200]
type=endpoint
context=calls
disallow=all
allow=ulaw

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
cat >"$ZV_DIR/musiconhold.conf" <<EOC
[default]
mode = files
directory = moh

[tones]
mode = files
directory = $ZV_DIR/moh-tones

[other]
mode = files
directory = $ZV_DIR/moh-other
EOC
cat >"$ZV_DIR/extensions.conf" <<EOC
[calls]
exten => 900,1,Set(CHANNEL(musicclass)=tones)
 same => n,Dial(PJSIP/ringer,4,m(tones))
 same => n,Set(DB(dialmoh/900)=\${DIALSTATUS})
 same => n,Wait(2)
 same => n,Hangup()
exten => 901,1,Set(CHANNEL(musicclass)=tones)
 same => n,Dial(PJSIP/ringer,4,m)
 same => n,Hangup()
exten => 902,1,Dial(PJSIP/ringer,4,m(other))
 same => n,Hangup()
exten => 903,1,Set(CHANNEL(tonezone)=ru)
 same => n,Dial(PJSIP/ringer,7,r)
 same => n,Hangup()
exten => 904,1,Dial(PJSIP/ringer,4,m(nosuchclass))
 same => n,Hangup()
EOC
zv_start

BARESIP_PID=""
UAS_PID=""
cleanup() {
	[ -n "$BARESIP_PID" ] && kill -KILL "$BARESIP_PID" 2>/dev/null
	[ -n "$UAS_PID" ] && kill -KILL "$UAS_PID" 2>/dev/null
	zv_cleanup
}
trap cleanup EXIT

# call <exten> <seconds> [analyse options]: the ringing callee (SIPp,
# which must see the CANCEL) and baresip calling <exten> for <seconds>;
# what baresip heard is in $out.
call() {
	local exten=$1 secs=$2
	shift 2
	dir="$ZV_DIR/b-$exten"
	timeout -s KILL 30 sipp -sf "$ZV_SRC/tests/sip/call_uas_ring.xml" -i 127.0.0.1 \
		-p "$RING_PORT" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 20 \
		-timeout_error >"$ZV_DIR/uas-$exten.out" 2>&1 &
	UAS_PID=$!
	zv_wait_udp "$RING_PORT"
	zv_baresip_config "$dir" "$ZV_DIR/silence.wav"
	echo "<sip:200@127.0.0.1:$ZPORT;transport=udp>;regint=0" >"$dir/accounts"
	timeout -s KILL $((secs + 10)) baresip -f "$dir" -e "/dial sip:$exten@127.0.0.1:$ZPORT" \
		-t "$secs" >"$dir/out.txt" 2>&1 </dev/null &
	BARESIP_PID=$!
	wait "$BARESIP_PID"
	BARESIP_PID=""
	wait "$UAS_PID" || fail "$exten: the ringing callee got no CANCEL: $(tail -5 "$ZV_DIR/uas-$exten.out")"
	UAS_PID=""
	local f
	f=$(ls -t "$dir"/dump-*-dec.wav 2>/dev/null | head -1)
	[ -n "$f" ] || fail "$exten: baresip recorded nothing"
	out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$f" "$@")
	echo "$exten: $out"
}

# m(tones): 4 s of 523 Hz while it rings, then silence during the Wait(2)
# after Dial (the music stopped with Dial).
call 900 8
zv_in_range "$(zv_field "$out" freq)" 518 528 || fail "m(tones): expected 523 Hz, got: $out"
zv_in_range "$(zv_field "$out" purity)" 0.8 1 || fail "m(tones): not a pure tone: $out"
zv_in_range "$(zv_field "$out" secs)" 3.2 4.8 || fail "m(tones) for Dial's 4 s: heard $(zv_field "$out" secs) s"
expect_eq "$(zv_rx 'database get dialmoh 900')" "Value: NOANSWER" "DIALSTATUS after m(tones)"

call 901 6
zv_in_range "$(zv_field "$out" freq)" 518 528 || fail "m with CHANNEL(musicclass)=tones: expected 523 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 3.2 4.8 || fail "m: heard $(zv_field "$out" secs) s"

call 902 6
zv_in_range "$(zv_field "$out" freq)" 695 705 || fail "m(other): expected 700 Hz, got: $out"

# ru ringback: 425/1000,0/4000 for 7 s: two bursts of about 1 s.
call 903 9 --cadence
zv_in_range "$(zv_field "$out" freq)" 420 430 || fail "r in tone zone ru: expected 425 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 1.6 2.4 || fail "r in zone ru: expected two 1 s bursts, got: $out"
zv_in_range "$(zv_field "$out" on)" 900 1100 || fail "r in zone ru: bursts should last 1 s: $out"
zv_in_range "$(zv_field "$out" off)" 3800 4200 || fail "r in zone ru: pauses should last 4 s: $out"

call 904 6
zv_in_range "$(zv_field "$out" secs)" 2.5 4.8 || fail "m(nosuchclass): the default class should play: $out"
zv_in_range "$(zv_field "$out" purity)" 0 0.6 || fail "m(nosuchclass): expected the default music: $out"
expect_contains "$(cat "$ZV_DIR/out.log")" "class 'nosuchclass' not found" "warning for an unknown class"

expect_contains "$(cat "$ZV_DIR/out.log")" "Started music on hold, class 'tones'" "the music was res_musiconhold's"
[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/')" = 0 ] || fail "channels left after the calls"
zv_stop
echo "PASS $TEST_NAME"
