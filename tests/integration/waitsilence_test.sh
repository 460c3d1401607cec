#!/bin/bash
# WaitForSilence / WaitForNoise with a real client: baresip (endpoint 200)
# sends a sox-made file; the dialplan stores WAITSTATUS and how long the
# application waited (EPOCH seconds) in AstDB, read back with
# `database get`.  Checked:
#  - 2 s of 1000 Hz then silence: WaitForSilence(500,2,15) returns SILENCE
#    after about 3 s (the tone, then two runs of 500 ms);
#  - 2 s of silence then the tone: WaitForNoise(500,1,15) returns NOISE
#    after about 2.5 s;
#  - a tone that does not stop: WaitForSilence(1000,1,3) returns TIMEOUT
#    after 3 s;
#  - dsp.conf silencethreshold = 20000: the tone counts as silence, so
#    WaitForSilence(1000) returns SILENCE within about a second.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone.wav" synth 20 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 20 || fail "sox failed"
sox "$ZV_DIR/tone.wav" -r 8000 -c 1 -b 16 "$ZV_DIR/tone2.wav" trim 0 2 || fail "sox failed"
sox "$ZV_DIR/silence.wav" -r 8000 -c 1 -b 16 "$ZV_DIR/silence2.wav" trim 0 2 || fail "sox failed"
sox "$ZV_DIR/tone2.wav" "$ZV_DIR/silence.wav" "$ZV_DIR/tone-then-silence.wav" || fail "sox failed"
sox "$ZV_DIR/silence2.wav" "$ZV_DIR/tone.wav" "$ZV_DIR/silence-then-tone.wav" || fail "sox failed"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => _72X,1,Answer()
 same => n,Set(T0=${EPOCH})
 same => n,GotoIf($[${EXTEN} = 720]?s720)
 same => n,GotoIf($[${EXTEN} = 721]?s721)
 same => n,GotoIf($[${EXTEN} = 722]?s722)
 same => n,WaitForSilence(1000)
 same => n,Goto(done)
 same => n(s720),WaitForSilence(500,2,15)
 same => n,Goto(done)
 same => n(s721),WaitForNoise(500,1,15)
 same => n,Goto(done)
 same => n(s722),WaitForSilence(1000,1,3)
 same => n(done),Set(DB(result/${EXTEN})=${WAITSTATUS} $[${EPOCH} - ${T0}])
 same => n,Hangup()
EOC
zv_start

# check <exten> <file> <status> <min s> <max s>: baresip sends <file>;
# the result stored by the dialplan must be <status> after min..max s.
check() {
	local dir="$ZV_DIR/b-$1-$RANDOM" res secs
	zv_baresip_config "$dir" "$2"
	zv_baresip_dial "$dir" 200 "$1" 12
	for _ in $(seq 1 100); do
		res=$(zv_rx "database get result $1")
		case $res in Value:*) break ;; esac
		sleep 0.2
	done
	kill -KILL "$ZV_BARESIP_PID" 2>/dev/null
	wait "$ZV_BARESIP_PID" 2>/dev/null
	echo "$1: $res"
	expect_contains "$res" "^Value: $3 " "WAITSTATUS of $1"
	secs=${res##* }
	zv_in_range "$secs" "$4" "$5" || fail "$1: waited $secs s, expected $4..$5: $res"
	zv_rx "database del result $1" >/dev/null
}

check 720 "$ZV_DIR/tone-then-silence.wav" SILENCE 2 4
check 721 "$ZV_DIR/silence-then-tone.wav" NOISE 2 4
check 722 "$ZV_DIR/tone.wav" TIMEOUT 3 4
# The same tone with the default threshold never is silence (722), with
# a threshold above its magnitude it is.
printf '[default]\nsilencethreshold = 20000\n' >"$ZV_DIR/dsp.conf"
expect_contains "$(zv_rx 'module reload app_waitforsilence')" "reloaded successfully" "module reload"
check 723 "$ZV_DIR/tone.wav" SILENCE 0 2
printf '[default]\nsilencethreshold = loud\n' >"$ZV_DIR/dsp.conf"
expect_contains "$(zv_rx 'module reload app_waitforsilence')" "dsp.conf:2: error: .*not a number" "a bad threshold is refused"

[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/200-')" = 0 ] || fail "channels left after the calls"
zv_stop
echo "PASS $TEST_NAME"
