#!/bin/bash
# Record() and Playback() of the recording, with baresip (PCMU) sending
# tones made by sox and recording what it receives (sndfile module):
#  - Record(rec.wav,2,10): the caller sends 3 s of 1000 Hz then silence;
#    RECORD_STATUS=SILENCE, the call ends about 2 s after the tone, and
#    rec.wav holds the 1000 Hz tone, its trailing silence trimmed;
#  - Record(rec2.wav,0,3,q) under a continuous tone: TIMEOUT, 3 s of
#    1000 Hz in the file;
#  - a second call Playback()s the first recording: the caller hears
#    1000 Hz for as long as the recording lasts, PLAYBACKSTATUS=SUCCESS.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
mkdir -p "$ZV_DIR/rec"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<EOC
[globals]
RDIR=$ZV_DIR/rec

[calls]
exten => 500,1,Answer()
 same => n,Record(\${RDIR}/rec.wav,2,10)
 same => n,Set(DB(rec/status)=\${RECORD_STATUS})
 same => n,Set(DB(rec/file)=\${RECORDED_FILE})
 same => n,Hangup()
exten => 501,1,Answer()
 same => n,Record(\${RDIR}/rec2.wav,0,3,q)
 same => n,Set(DB(rec/status2)=\${RECORD_STATUS})
 same => n,Hangup()
exten => 502,1,Answer()
 same => n,Playback(\${RDIR}/rec)
 same => n,Set(DB(rec/playback)=\${PLAYBACKSTATUS})
 same => n,Hangup()
EOC
zv_start

sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/burst.wav" synth 3 sine 1000 vol 0.5 pad 0 8 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone.wav" synth 12 sine 1000 vol 0.5 ||
	fail "sox could not make the tone"

# call <exten> <seconds> <source wav>: baresip 200 calls, sends the file,
# records what it hears in $dir/dump-*-dec.wav; returns when the call
# ends (at most <seconds>).
call() {
	dir="$ZV_DIR/b-$1"
	zv_baresip_config "$dir" "$3"
	zv_baresip_dial "$dir" 200 "$1" "$2"
	# baresip stays up after the call: stop it once the call is over.
	for _ in $(seq 1 $(($2 * 10))); do
		grep -q "terminated" "$dir/out.txt" && break
		kill -0 "$ZV_BARESIP_PID" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.3
	kill -TERM "$ZV_BARESIP_PID" 2>/dev/null
	wait "$ZV_BARESIP_PID"
}
tone_ok() { # analysis what min_secs max_secs
	local f
	f=$(zv_field "$1" freq)
	[ -n "$f" ] && [ "$f" -ge 985 ] && [ "$f" -le 1015 ] || fail "$2: expected 1000 Hz, got: $1"
	awk -v p="$(zv_field "$1" purity)" -v s="$(zv_field "$1" secs)" -v lo="$3" -v hi="$4" \
		'BEGIN { exit !(p > 0.8 && s >= lo && s <= hi) }' ||
		fail "$2: expected a clean tone of $3..$4 s, got: $1"
}

# Record ended by 2 s of silence.
call 500 14 "$ZV_DIR/burst.wav"
expect_contains "$(cat "$dir/out.txt")" "terminated" "Zvonok hung up after Record"
dur=$(sed -n 's/.*terminated (duration: \([0-9]*\) secs).*/\1/p' "$dir/out.txt")
[ -n "$dur" ] && [ "$dur" -ge 4 ] && [ "$dur" -le 7 ] ||
	fail "Record should end ~2 s after the 3 s tone; the call lasted '$dur' s"
expect_eq "$(zv_rx 'database get rec status')" "Value: SILENCE" "RECORD_STATUS after silence"
expect_eq "$(zv_rx 'database get rec file')" "Value: $ZV_DIR/rec/rec" "RECORDED_FILE"
[ -s "$ZV_DIR/rec/rec.wav" ] || fail "no $ZV_DIR/rec/rec.wav"
out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$ZV_DIR/rec/rec.wav")
len=$(sox --i -D "$ZV_DIR/rec/rec.wav")
echo "rec.wav ($len s): $out"
tone_ok "$out" "rec.wav" 1.8 3.1
awk -v l="$len" -v s="$(zv_field "$out" secs)" 'BEGIN { exit !(l < s + 0.5) }' ||
	fail "rec.wav lasts $len s for $(zv_field "$out" secs) s of tone: trailing silence kept"

# Record ended by its maximum duration.
call 501 9 "$ZV_DIR/tone.wav"
expect_eq "$(zv_rx 'database get rec status2')" "Value: TIMEOUT" "RECORD_STATUS at maxduration"
out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$ZV_DIR/rec/rec2.wav")
echo "rec2.wav: $out"
tone_ok "$out" "rec2.wav" 2.6 3.2

# Play the first recording back.
want=$(zv_field "$(python3 "$ZV_SRC/tests/media/tone_check.py" "$ZV_DIR/rec/rec.wav")" secs)
call 502 10 "$ZV_DIR/tone.wav"
f=$(ls "$dir"/dump-*-dec.wav 2>/dev/null | head -1)
[ -n "$f" ] || fail "baresip recorded nothing"
out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$f")
echo "playback heard: $out (recording $want s)"
lo=$(awk -v w="$want" 'BEGIN { print w - 0.5 }')
hi=$(awk -v w="$want" 'BEGIN { print w + 0.5 }')
tone_ok "$out" "Playback of the recording" "$lo" "$hi"
expect_eq "$(zv_rx 'database get rec playback')" "Value: SUCCESS" "PLAYBACKSTATUS"
expect_contains "$(cat "$dir/out.txt")" "terminated" "Zvonok hung up after Playback"
zv_stop
echo "PASS $TEST_NAME"
