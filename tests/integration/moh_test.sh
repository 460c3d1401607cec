#!/bin/bash
# Music on hold classes (musiconhold.conf) heard by a real client: baresip
# (endpoint 200, silent) calls Zvonok and records what it receives;
# tests/media/tone_check.py analyses it.  Checked:
#  - class `tones` (a directory with a sox-made 523 Hz file):
#    MusicOnHold(tones,4) is heard as 523 Hz for about 4 s;
#  - two callers at once on that class both hear it;
#  - CHANNEL(musicclass)=tones and MusicOnHold() picks the channel's class;
#  - MusicOnHold(default,4): Debian's opsound music (not a pure tone);
#  - StartMusicOnHold(tones), Wait(2), StopMusicOnHold(), Wait(2): about 2 s;
#  - a class that does not exist falls back to `default`;
#  - a mode=playlist class plays its entry= file (a URL entry is refused);
#  - `moh show classes` / `moh show files` list the classes and files, the
#    mode=mp3 class is refused with a warning, `moh reload` adds a class.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
ls /usr/share/asterisk/moh/*.wav >/dev/null 2>&1 || fail "asterisk-moh-opsound-wav is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
mkdir -p "$ZV_DIR/moh-tones" "$ZV_DIR/moh-other"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/moh-tones/tone523.wav" synth 3 sine 523 vol 0.5 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/moh-other/tone700.wav" synth 3 sine 700 vol 0.5 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 15 || fail "sox could not make silence"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/musiconhold.conf" <<EOC
[general]
preferchannelclass = yes

[default]
mode = files
directory = moh
sort = alpha

[tones]
mode = files
directory = $ZV_DIR/moh-tones
sort = random

[list]
mode = playlist
entry = $ZV_DIR/moh-other/tone700.wav
entry = http://example.com/stream.mp3

[mp3]
mode = mp3
directory = moh
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 700,1,Answer()
 same => n,MusicOnHold(tones,4)
 same => n,Hangup()
exten => 701,1,Answer()
 same => n,Set(CHANNEL(musicclass)=tones)
 same => n,MusicOnHold(,4)
 same => n,Hangup()
exten => 702,1,Answer()
 same => n,MusicOnHold(default,4)
 same => n,Hangup()
exten => 703,1,Answer()
 same => n,StartMusicOnHold(tones)
 same => n,Wait(2)
 same => n,StopMusicOnHold()
 same => n,Wait(2)
 same => n,Hangup()
exten => 704,1,Answer()
 same => n,MusicOnHold(nosuchclass,4)
 same => n,Hangup()
exten => 706,1,Answer()
 same => n,MusicOnHold(list,4)
 same => n,Hangup()
exten => 705,1,Answer()
 same => n,MusicOnHold(other,4)
 same => n,Hangup()
EOC
zv_start

# call <exten> <seconds>: baresip calls, quits after <seconds>, and the
# analysis of what it heard is in $out.
call() { zv_hear "$ZV_DIR/silence.wav" "$@"; }

classes=$(zv_rx "moh show classes")
expect_contains "$classes" "Class: default" "moh show classes"
expect_contains "$classes" "Class: tones" "moh show classes"
expect_contains "$classes" "Directory: /usr/share/asterisk/moh" "default class directory (relative to astdatadir)"
expect_contains "$classes" "Sort: random" "tones class sort"
expect_not_contains "$classes" "Class: mp3" "mode=mp3 is not supported"
expect_contains "$(cat "$ZV_DIR/out.log")" "mode=mp3 is not supported" "warning for mode=mp3"
expect_contains "$classes" "Class: list"$'\n'"	Mode: playlist"$'\n'"	Directory: <none>" "playlist class"
expect_contains "$(cat "$ZV_DIR/out.log")" "URLs are not supported" "warning for a URL entry"
files=$(zv_rx "moh show files")
expect_contains "$files" "File: $ZV_DIR/moh-other/tone700\$" "moh show files: the playlist entry"
expect_contains "$files" "File: $ZV_DIR/moh-tones/tone523" "moh show files"
expect_contains "$files" "File: /usr/share/asterisk/moh/macroform-cold_day" "moh show files"

call 700 6
zv_in_range "$(zv_field "$out" freq)" 518 528 || fail "MusicOnHold(tones): expected 523 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 3.2 4.8 || fail "MusicOnHold(tones,4): heard $(zv_field "$out" secs) s"
zv_in_range "$(zv_field "$out" purity)" 0.8 1 || fail "MusicOnHold(tones): not a pure tone: $out"

# Two callers at once on the same class (one shared copy of its files,
# maybe on two workers): both hear it.
for n in 1 2; do
	d="$ZV_DIR/b-par$n"
	zv_baresip_config "$d" "$ZV_DIR/silence.wav"
	zv_baresip_dial "$d" 200 700 6
	eval "PAR$n=\$ZV_BARESIP_PID"
done
wait "$PAR1" "$PAR2"
for n in 1 2; do
	out=$(zv_analyse "$ZV_DIR/b-par$n")
	echo "parallel $n: $out"
	zv_in_range "$(zv_field "$out" freq)" 518 528 || fail "parallel caller $n: expected 523 Hz, got: $out"
	zv_in_range "$(zv_field "$out" secs)" 3.2 4.8 || fail "parallel caller $n: heard $(zv_field "$out" secs) s"
done

call 701 6
zv_in_range "$(zv_field "$out" freq)" 518 528 || fail "CHANNEL(musicclass)=tones: expected 523 Hz, got: $out"

call 706 6
zv_in_range "$(zv_field "$out" freq)" 695 705 || fail "MusicOnHold(list), mode=playlist: expected 700 Hz, got: $out"

call 702 6
zv_in_range "$(zv_field "$out" secs)" 2.5 4.8 || fail "MusicOnHold(default): heard $(zv_field "$out" secs) s"
zv_in_range "$(zv_field "$out" purity)" 0 0.6 || fail "MusicOnHold(default): expected music, got a tone: $out"

call 703 6
zv_in_range "$(zv_field "$out" freq)" 518 528 || fail "StartMusicOnHold(tones): expected 523 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 1.4 2.7 || fail "StartMusicOnHold + StopMusicOnHold after 2 s: heard $(zv_field "$out" secs) s"

call 704 6
zv_in_range "$(zv_field "$out" secs)" 2.5 4.8 || fail "unknown class: the default should play: $out"
zv_in_range "$(zv_field "$out" purity)" 0 0.6 || fail "unknown class: expected the default music: $out"
expect_contains "$(cat "$ZV_DIR/out.log")" "class 'nosuchclass' not found" "warning for an unknown class"

# moh reload: a new class `other` (700 Hz) is used by the next call.
cat >>"$ZV_DIR/musiconhold.conf" <<EOC

[other]
mode = files
directory = $ZV_DIR/moh-other
EOC
expect_contains "$(zv_rx 'moh reload')" "reloaded" "moh reload"
expect_contains "$(zv_rx 'moh show classes')" "Class: other" "moh show classes after the reload"
call 705 6
zv_in_range "$(zv_field "$out" freq)" 695 705 || fail "class added by reload: expected 700 Hz, got: $out"

[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/200-')" = 0 ] || fail "channels left after the calls"
zv_stop
echo "PASS $TEST_NAME"
