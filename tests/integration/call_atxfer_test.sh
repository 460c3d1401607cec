#!/bin/bash
# Attended transfer (features.conf atxfer => *2) with baresip phones that
# type DTMF from a FIFO, through Dial(PJSIP/201,,t/T):
#  - the callee dials *2 603 (a 700 Hz playback that then hangs up): the
#    caller hears music on hold meanwhile, the callee talks to 603 (hears
#    700 Hz); *2 (atxfercomplete) BYEs the callee and connects the caller
#    to 603 (700 Hz at the end of its recording); when 603 hangs up the
#    caller's dialplan goes on (g) and sees ATTENDEDTRANSFER=PJSIP/201-...;
#  - the callee dials *2 604 (never answers): after atxfernoanswertimeout
#    (3 s) it is back with the caller; then *2 603 and *1 (atxferabort):
#    back again, and the caller hears the callee's 440 Hz at the end;
#  - the caller dials *2 603 and *2: the caller is hung up, the callee
#    hears 603, then gets a BYE;
#  - the caller dials *2 603 and hangs up while talking to it: that
#    completes the transfer too (the callee hears 603, then a BYE);
#  - the callee dials *2 605 (a long 700 Hz playback), then *4
#    (atxferswap): it talks to the caller again (hears 1000 Hz) while the
#    caller hears 440 Hz, not music; then *3 (atxferthreeway): the three
#    are mixed, so the caller hears 440 + 700 Hz and the callee 1000 +
#    700 Hz but not its own 440 Hz;
#  - automixmon => *3 with Dial option x: the callee's *3 starts a
#    MixMonitor of the caller (spool/monitor/auto-<time>-200-200.wav),
#    the next *3 stops it: about 3 s of the call's tones.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
	zv_pjsip_phone 201 calls "" aor:remove_existing=yes
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/features.conf" <<EOC
[general]
atxfernoanswertimeout = 3
[featuremap]
atxfer => *2
automixmon => *3
EOC
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 60 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 150 sine 440 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone700.wav" synth 7 sine 700 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone700long.wav" synth 40 sine 700 vol 0.5 || fail "sox failed"
cat >"$ZV_DIR/extensions.conf" <<EOC
[calls]
exten => 201,1,Dial(PJSIP/201,20,tg)
 same => n,Set(DB(atx/after201)=\${ATTENDEDTRANSFER})
 same => n,Hangup()
exten => 202,1,Dial(PJSIP/201,20,T)
 same => n,Hangup()
exten => 203,1,Dial(PJSIP/201,20,x)
 same => n,Hangup()
exten => 603,1,Answer()
 same => n,Playback($ZV_DIR/tone700)
 same => n,Hangup()
exten => 604,1,Wait(20)
exten => 605,1,Answer()
 same => n,Playback($ZV_DIR/tone700long)
 same => n,Hangup()
EOC
zv_start
expect_contains "$(zv_rx 'features show')" "Attended Transfer +\*2" "features show"
expect_contains "$(zv_rx 'features show')" "One Touch MixMonitor +\*3" "features show"

cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
zv_baresip_keys "$cdir" 3
zv_baresip_callee "$cdir" 201 200

call() {
	dir="$ZV_DIR/caller-$1-$RANDOM"
	zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
	zv_baresip_keys "$dir" 4
	zv_baresip_dial "$dir" 200 "$1" "$2"
}

# ---- 1: the callee consults 603, then completes ----
call 201 30
zv_wait_lines "$cdir/out.txt" "Call established" 1 10 || fail "the callee did not answer"
sleep 1.5
zv_keys 3 '*' 2
sleep 1.5 # pbx-transfer
zv_keys 3 6 0 3
sleep 2.5 # talking to 603
chans=$(zv_rx "core show channels")
expect_contains "$chans" "603@calls:2 +Up +Playback" "the consultation call"
zv_keys 3 '*' 2
zv_wait_lines "$cdir/out.txt" "terminated" 1 5 || fail "the transferer (callee) got no BYE on completion"
zv_wait_lines "$dir/out.txt" "terminated" 1 15 || fail "the caller was not hung up after 603 ended"
wait "$ZV_BARESIP_PID"
rec=$(zv_recording "$dir")
last=$(zv_analyse_part "$rec" -2.5 2)
echo "caller after completion: $last"
zv_in_range "$(zv_field "$last" freq)" 690 710 || fail "the transferee should hear 603 (700 Hz): $last"
crec=$(zv_recording "$cdir")
cons=$(zv_analyse_part "$crec" -2.2 1.5)
echo "callee during the consultation: $cons"
zv_in_range "$(zv_field "$cons" freq)" 690 710 || fail "the transferer should hear 603 while consulting: $cons"
expect_contains "$(zv_rx 'database get atx after201')" "Value: PJSIP/201-" "ATTENDEDTRANSFER on the caller"

# ---- 2: no answer, then abort ----
before=$(grep -c "terminated" "$cdir/out.txt")
call 201 25
zv_wait_lines "$cdir/out.txt" "Call established" 2 10 || fail "the callee did not answer call 2"
sleep 1.5
zv_keys 3 '*' 2
sleep 1.5
zv_keys 3 6 0 4
sleep 5 # 3 s of ringing, beeperr
chans=$(zv_rx "core show channels")
expect_not_contains "$chans" "Local/604" "the unanswered target after atxfernoanswertimeout"
zv_keys 3 '*' 2
sleep 1.5
zv_keys 3 6 0 3
sleep 2
expect_contains "$(zv_rx 'core show channels')" "Local/603" "the second consultation"
zv_keys 3 '*' 1
sleep 1
chans=$(zv_rx "core show channels")
expect_not_contains "$chans" "Local/603" "the target after atxferabort"
expect_contains "$chans" "PJSIP/201-" "the transferer after atxferabort"
wait "$ZV_BARESIP_PID"
rec=$(zv_recording "$dir")
last=$(zv_analyse_part "$rec" -2.5 2)
echo "caller after the abort: $last"
zv_in_range "$(zv_field "$last" freq)" 430 450 || fail "after atxferabort the caller should hear the callee: $last"
zv_wait_lines "$cdir/out.txt" "terminated" $((before + 1)) 5 || fail "the callee was not hung up with the caller"

# ---- 3: the caller consults 603 and completes ----
before=$(grep -c "terminated" "$cdir/out.txt")
call 202 30
zv_wait_lines "$cdir/out.txt" "Call established" 3 10 || fail "the callee did not answer call 3"
sleep 1.5
zv_keys 4 '*' 2
sleep 1.5
zv_keys 4 6 0 3
sleep 2.5
zv_keys 4 '*' 2
zv_wait_lines "$dir/out.txt" "terminated" 1 5 || fail "the transferer (caller) got no BYE on completion"
sleep 1
expect_contains "$(zv_rx 'core show channels')" "PJSIP/201-" "the transferee after the caller left"
zv_wait_lines "$cdir/out.txt" "terminated" $((before + 1)) 15 || fail "the callee got no BYE after 603 ended"
wait "$ZV_BARESIP_PID"
sleep 0.5
crec=$(zv_recording "$cdir")
last=$(zv_analyse_part "$crec" -2.5 2)
echo "callee after completion: $last"
zv_in_range "$(zv_field "$last" freq)" 690 710 || fail "the transferred callee should hear 603: $last"

# ---- 3b: the transferer's hang-up completes ----
before=$(grep -c "terminated" "$cdir/out.txt")
call 202 8
zv_wait_lines "$cdir/out.txt" "Call established" 4 10 || fail "the callee did not answer call 3b"
sleep 1.5
zv_keys 4 '*' 2
sleep 1.5
zv_keys 4 6 0 3
wait "$ZV_BARESIP_PID" # baresip hangs up after 8 s, while consulting 603
sleep 1
expect_contains "$(zv_rx 'core show channels')" "PJSIP/201-" "the transferee after the transferer hung up"
zv_wait_lines "$cdir/out.txt" "terminated" $((before + 1)) 15 || fail "the callee got no BYE after 603 ended (3b)"
sleep 0.5
crec=$(zv_recording "$cdir")
last=$(zv_analyse_part "$crec" -2.5 2)
echo "callee after the transferer hung up: $last"
zv_in_range "$(zv_field "$last" freq)" 690 710 || fail "hang-up completion: the callee should hear 603: $last"

# ---- 3c: swap, then three-way ----
# peaks FILE START LEN: the two strongest frequencies heard, sorted
peaks() {
	sox "$1" "$1.p.wav" trim "$2" "$3" 2>/dev/null || { echo "trim failed"; return; }
	python3 "$ZV_SRC/tests/media/tone_check.py" "$1.p.wav" --peaks 2 |
		sed -n 's/.*peaks=\([0-9]*\),\([0-9]*\).*/\1 \2/p' | tr ' ' '\n' | sort -n | tr '\n' ' '
}
near() { # "F1 F2 " A B: true when the two peaks are A and B within 15 Hz
	local a b
	read -r a b <<<"$1"
	zv_in_range "$a" $(($2 - 15)) $(($2 + 15)) && zv_in_range "$b" $(($3 - 15)) $(($3 + 15))
}
before=$(grep -c "terminated" "$cdir/out.txt")
call 201 20
zv_wait_lines "$cdir/out.txt" "Call established" 5 10 || fail "the callee did not answer call 3c"
t0=$(zv_now_ms)
sleep 1.5
zv_keys 3 '*' 2
sleep 1.5
zv_keys 3 6 0 5
sleep 2.5
expect_contains "$(zv_rx 'core show channels')" "605@calls:2 +Up +Playback" "the consultation call (3c)"
zv_keys 3 '*' 4
tswap=$(zv_now_ms)
sleep 3.5
zv_keys 3 '*' 3
t3=$(zv_now_ms)
sleep 4
wait "$ZV_BARESIP_PID" # the caller hangs up after 20 s, in the three-way call
zv_wait_lines "$cdir/out.txt" "terminated" $((before + 1)) 10 || fail "the callee got no BYE after 3c"
sleep 0.5
expect_not_contains "$(zv_rx 'core show channels')" "Local/605" "the target after the three-way call ended"
rec=$(zv_recording "$dir")
crec=$(zv_recording "$cdir")
off() { awk -v a="$1" -v b="$t0" -v d="$2" 'BEGIN { printf "%.2f", (a - b) / 1000 + d }'; }
swap_c=$(zv_analyse_part "$crec" "$(off "$tswap" 1.2)" 1.5)
swap_r=$(zv_analyse_part "$rec" "$(off "$tswap" 1.2)" 1.5)
echo "swapped: callee hears $swap_c; caller hears $swap_r"
zv_in_range "$(zv_field "$swap_c" freq)" 985 1015 || fail "after atxferswap the callee should hear the caller: $swap_c"
zv_in_range "$(zv_field "$swap_r" freq)" 430 450 || fail "after atxferswap the caller should hear the callee: $swap_r"
three_r=$(peaks "$rec" "$(off "$t3" 1.2)" 2)
three_c=$(peaks "$crec" "$(off "$t3" 1.2)" 2)
echo "three-way: caller hears $three_r; callee hears $three_c"
near "$three_r" 440 700 || fail "three-way: the caller should hear 440 + 700 Hz, heard $three_r"
near "$three_c" 700 1000 || fail "three-way: the callee should hear 700 + 1000 Hz (not itself), heard $three_c"
expect_contains "$(cat "$ZV_DIR/out.log")" "three-way call" "the three-way log line"

# ---- 4: one-touch MixMonitor ----
call 203 12
zv_wait_lines "$cdir/out.txt" "Call established" 6 10 || fail "the callee did not answer call 4"
sleep 1.5
zv_keys 3 '*' 3
sleep 3
zv_keys 3 '*' 3
wait "$ZV_BARESIP_PID"
mix=$(ls "$ZV_DIR"/spool/monitor/auto-*-200-200.wav 2>/dev/null | head -1)
[ -n "$mix" ] || fail "automixmon wrote no recording: $(ls -R "$ZV_DIR/spool" 2>&1)"
out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$mix")
echo "automixmon recording: $out"
zv_in_range "$(zv_field "$out" secs)" 2 4.5 || fail "automixmon: the recording should last about 3 s: $out"
f=$(zv_field "$out" freq)
zv_in_range "$f" 430 450 || zv_in_range "$f" 985 1015 || fail "automixmon: not the call's audio: $out"

sleep 0.5
[ "$(zv_rx 'core show channels' | grep -cE 'PJSIP/20[01]-|Local/')" = 0 ] || fail "channels left: $(zv_rx 'core show channels')"
zv_stop
echo "PASS $TEST_NAME"
