#!/bin/bash
# SayUnixTime/DateTime with a real client: baresip calls endpoint 200 and
# records what it hears.  Checked, for a fixed moment (Sat 2026-12-05
# 14:07:09 UTC):
#  - English default format in UTC: the 13 prompts "Saturday December
#    fifth two thousand twenty six at two oh seven PM" of en_US_f_Allison,
#    in that order, and as much audible audio as those files hold;
#  - Russian (CHANNEL(language)=ru) default format in Europe/Moscow:
#    day-6 h-5 mon-11 2n thousand 20 6 at 17 hours 7 minutes of
#    ru_RU_f_IvrvoiceRU (hours/minutes are top-level files);
#  - DateTime with an explicit format and zone, literal 'file' included;
#  - a DTMF digit (RFC 4733 from baresip) stops SayUnixTime part-way and
#    the dialplan goes on (a 700 Hz tone heard after it).
# The audible seconds heard are compared with those of the expected files
# joined by sox (measured: 6.48/6.38, 5.00/5.04, 3.74/3.76 s).
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
EN=/usr/share/asterisk/sounds/en_US_f_Allison
RU=/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU
[ -f "$RU/digits/day-6.wav" ] || fail "asterisk-core-sounds-ru-wav is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 25 || fail "sox could not make silence"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 740,1,Answer()
 same => n,SayUnixTime(1796479629,UTC)
 same => n,Hangup()
exten => 741,1,Answer()
 same => n,Set(CHANNEL(language)=ru)
 same => n,SayUnixTime(1796479629,Europe/Moscow)
 same => n,Hangup()
exten => 743,1,Answer()
 same => n,SayUnixTime(1796479629,UTC)
 same => n,Set(DB(result/after)=yes)
 same => n,Playtones(700)
 same => n,Wait(3)
 same => n,Hangup()
exten => 742,1,Answer()
 same => n,DateTime(1796479629,America/New_York,'vm-received' A 'digits/at' H:M)
 same => n,Hangup()
EOC
zv_start

call() { zv_hear "$ZV_DIR/silence.wav" "$@"; }

# played <n>: the last n prompt files Playback logged, one per line.
played() {
	grep -o "Playing '[^']*'" "$ZV_DIR/out.log" | sed "s/Playing '//; s/'$//" | tail -n "$1"
}

# expect_played DIR NAMES...: the last prompts played are DIR/NAME.wav, in
# order, and the audible audio heard matches theirs (tone_check.py on the
# files joined with sox: audible seconds within 15% + 0.3 s).
expect_played() {
	local d=$1 want="" got f files=() n
	shift
	for f in "$@"; do
		want+="$d/$f.wav"$'\n'
		files+=("$d/$f.wav")
	done
	n=$#
	got=$(played "$n")
	expect_eq "$got" "${want%$'\n'}" "the prompts played"
	sox "${files[@]}" "$ZV_DIR/want.wav" || fail "sox could not join the prompts"
	local ws hs
	ws=$(zv_field "$(python3 "$ZV_SRC/tests/media/tone_check.py" "$ZV_DIR/want.wav")" secs)
	hs=$(zv_field "$out" secs)
	echo "audible: heard $hs s, the prompts hold $ws s"
	awk -v h="$hs" -v w="$ws" 'BEGIN { d = h - w; if (d < 0) d = -d; exit !(h > 0 && d <= w * 0.15 + 0.3) }' ||
		fail "heard $hs s of audio for $ws s of prompts"
}

call 740 14
expect_played "$EN/digits" day-6 mon-11 h-5 2 thousand 20 6 at 2 oh 7 p-m

call 741 14
expect_played "$RU" digits/day-6 digits/h-5 digits/mon-11 digits/2n digits/thousand digits/20 \
	digits/6 digits/at digits/17 hours digits/7 minutes

call 742 10
expect_played "$EN" vm-received digits/day-6 digits/at digits/oh digits/9 digits/oh digits/7

# a digit 2.5 s into the 13 prompts (about 8 s of audio) stops them
bdir="$ZV_DIR/b-743"
zv_baresip_config "$bdir" "$ZV_DIR/silence.wav"
zv_baresip_keys "$bdir" 5
before=$(grep -c "Playing '" "$ZV_DIR/out.log")
zv_baresip_dial "$bdir" 200 743 9
sleep 2.5
zv_keys 5 5
wait "$ZV_BARESIP_PID"
exec 5>&-
n=$(($(grep -c "Playing '" "$ZV_DIR/out.log") - before))
echo "743: $n prompts played before the digit"
[ "$n" -ge 1 ] && [ "$n" -lt 13 ] || fail "a digit did not stop SayUnixTime: $n of 13 prompts played"
expect_eq "$(zv_rx 'database get result after')" "Value: yes" "the dialplan after SayUnixTime"
f=$(zv_recording "$bdir")
[ -n "$f" ] || fail "743: baresip recorded nothing"
tail=$(zv_analyse_part "$f" -2 1.5)
echo "743 end: $tail"
zv_in_range "$(zv_field "$tail" freq)" 695 705 || fail "no 700 Hz tone after the digit: $tail"

zv_stop
echo "PASS $TEST_NAME"
