#!/bin/bash
# Playtones and tone zones heard by a real client: baresip (endpoint 200,
# silent) calls Zvonok and records what it receives; tone_check.py gives
# the two strongest frequencies and the on/off cadence.  No
# indications.conf: the built-in zones.  Checked:
#  - Playtones(480+620/500,0/500): 480 and 620 Hz, 500 ms on / 500 ms off;
#  - Playtones(busy) in the default zone (us): the same;
#  - CHANNEL(tonezone)=ru, Playtones(busy): 425 Hz, 350/350;
#  - Playtones(350+440), Wait(2), StopPlaytones(), Wait(2): 2 s of tone;
#  - CHANNEL(tonezone)=xx (no such zone): a warning, the default zone;
#  - Playtones(425*25) is refused with a clear warning and the call goes on;
#  - `indication show` / `indication show ru` print the zones.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 15 || fail "sox could not make silence"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 710,1,Answer()
 same => n,Playtones(480+620/500,0/500)
 same => n,Wait(6)
 same => n,Hangup()
exten => 711,1,Answer()
 same => n,Playtones(busy)
 same => n,Wait(6)
 same => n,Hangup()
exten => 712,1,Answer()
 same => n,Set(CHANNEL(tonezone)=ru)
 same => n,Set(DB(result/zone)=${CHANNEL(tonezone)})
 same => n,Playtones(busy)
 same => n,Wait(6)
 same => n,Hangup()
exten => 713,1,Answer()
 same => n,Playtones(350+440)
 same => n,Wait(2)
 same => n,StopPlaytones()
 same => n,Wait(3)
 same => n,Hangup()
exten => 715,1,Answer()
 same => n,Set(CHANNEL(tonezone)=xx)
 same => n,Playtones(busy)
 same => n,Wait(6)
 same => n,Hangup()
exten => 714,1,Answer()
 same => n,Playtones(425*25)
 same => n,Set(DB(result/after)=went-on)
 same => n,Hangup()
EOC
zv_start

# call <exten> <seconds>: baresip calls, quits after <seconds>; $out is
# the analysis of what it heard (two peaks, cadence).
call() { zv_hear "$ZV_DIR/silence.wav" "$@" --peaks 2 --cadence; }

# peaks_are <f1> <f2>: the two peaks (either order) within 6 Hz.
peaks_are() {
	local p a b
	p=$(sed -n 's/.*peaks=\([0-9,]*\).*/\1/p' <<<"$out")
	a=${p%%,*} b=${p##*,}
	{ zv_in_range "$a" $(($1 - 6)) $(($1 + 6)) && zv_in_range "$b" $(($2 - 6)) $(($2 + 6)); } ||
		{ zv_in_range "$b" $(($1 - 6)) $(($1 + 6)) && zv_in_range "$a" $(($2 - 6)) $(($2 + 6)); }
}

show=$(zv_rx "indication show")
expect_contains "$show" "^ru " "indication show"
expect_contains "$show" "Default country: us" "indication show"
ru=$(zv_rx "indication show ru")
expect_contains "$ru" "ru +busy +425/350,0/350" "indication show ru"
expect_contains "$ru" "ru +<ringcadence> +1000,4000" "indication show ru"
expect_not_contains "$ru" "^us " "indication show ru"

call 710 5
peaks_are 480 620 || fail "Playtones(480+620/500,0/500): expected 480 and 620 Hz, got: $out"
zv_in_range "$(zv_field "$out" on)" 440 560 || fail "Playtones: expected 500 ms on, got: $out"
zv_in_range "$(zv_field "$out" off)" 440 560 || fail "Playtones: expected 500 ms off, got: $out"

call 711 5
peaks_are 480 620 || fail "Playtones(busy) in zone us: expected 480+620 Hz, got: $out"
zv_in_range "$(zv_field "$out" on)" 440 560 || fail "busy (us): expected 500 ms on, got: $out"

call 712 5
expect_eq "$(zv_rx 'database get result zone')" "Value: ru" "CHANNEL(tonezone)"
zv_in_range "$(zv_field "$out" freq)" 420 430 || fail "Playtones(busy) in zone ru: expected 425 Hz, got: $out"
zv_in_range "$(zv_field "$out" on)" 300 400 || fail "busy (ru): expected 350 ms on, got: $out"
zv_in_range "$(zv_field "$out" off)" 300 400 || fail "busy (ru): expected 350 ms off, got: $out"

call 713 5
peaks_are 350 440 || fail "Playtones(350+440): expected 350 and 440 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 1.6 2.4 || fail "StopPlaytones after 2 s: heard $(zv_field "$out" secs) s"
zv_in_range "$(zv_field "$out" off)" 0 0 || fail "a continuous tone should not pause: $out"

call 715 6
peaks_are 480 620 || fail "Playtones(busy) in an unknown zone: expected the default (us), got: $out"
expect_contains "$(cat "$ZV_DIR/out.log")" "Unknown tone zone 'xx'" "warning for an unknown zone"

call 714 2
expect_contains "$(cat "$ZV_DIR/out.log")" "modulated tones \(f1\*f2\) are not supported" "Playtones(425*25)"
expect_eq "$(zv_rx 'database get result after')" "Value: went-on" "the dialplan after a refused Playtones"

[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/200-')" = 0 ] || fail "channels left after the calls"
zv_stop
echo "PASS $TEST_NAME"
