#!/bin/bash
# musiconhold.conf mode=custom heard by a real client: baresip (endpoint
# 200, silent) calls Zvonok and records what it receives; the music is an
# external application (sox) writing raw audio to its standard output.
# Checked:
#  - format=slin (the default): sox's 440 Hz sine is heard as 440 Hz, a
#    pure tone, for about the MusicOnHold duration;
#  - format=ulaw with application= split at commas: 1330 Hz;
#  - after the calls no application process is left (killed with its
#    process group) and Zvonok has no zombie children;
#  - an application that cannot run: a warning, silence, the call goes on;
#  - `moh show classes` shows the application and format; a class without
#    application= and one with a bad format= are refused with a warning.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 15 || fail "sox could not make silence"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
SOX=$(command -v sox)
# The durations (3597, 3598) make the processes recognisable afterwards.
cat >"$ZV_DIR/musiconhold.conf" <<EOC
[sine]
mode = custom
directory = $ZV_DIR
application = $SOX -q -n -r 8000 -c 1 -b 16 -e signed-integer -t raw - synth 3597 sine 440 vol 0.5

[ulaw]
mode = custom
application = $SOX,-q,-n,-r,8000,-c,1,-e,u-law,-t,raw,-,synth,3598,sine,1330,vol,0.5
format = ulaw
kill_method = process_group
kill_escalation_delay = 200

[broken]
mode = custom
application = /nonexistent/player

[noapp]
mode = custom

[badfmt]
mode = custom
application = $SOX
format = mp3
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 710,1,Answer()
 same => n,MusicOnHold(sine,4)
 same => n,Hangup()
exten => 711,1,Answer()
 same => n,MusicOnHold(ulaw,4)
 same => n,Hangup()
exten => 712,1,Answer()
 same => n,MusicOnHold(broken,2)
 same => n,Playtones(700)
 same => n,Wait(2)
 same => n,Hangup()
EOC
zv_start

call() { zv_hear "$ZV_DIR/silence.wav" "$@"; }

classes=$(zv_rx "moh show classes")
expect_contains "$classes" "Class: sine"$'\n'"	Mode: custom"$'\n'"	Directory: $ZV_DIR"$'\n'"	Application: $SOX -q" \
	"moh show classes: the custom class"
expect_contains "$classes" "Application: $SOX,-q,-n,-r,8000,-c,1,-e,u-law,-t,raw,-,synth,3598,sine,1330,vol,0.5"$'\n'"	Format: ulaw" \
	"moh show classes: format=ulaw"
expect_not_contains "$classes" "Class: noapp" "a custom class without application="
expect_not_contains "$classes" "Class: badfmt" "a custom class with format=mp3"
expect_contains "$(cat "$ZV_DIR/out.log")" "class 'noapp': mode=custom needs application=" "warning for noapp"
expect_contains "$(cat "$ZV_DIR/out.log")" "class 'badfmt': format=mp3 is not supported" "warning for badfmt"

call 710 6
zv_in_range "$(zv_field "$out" freq)" 435 445 || fail "mode=custom slin: expected 440 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 3.2 4.8 || fail "mode=custom slin: heard $(zv_field "$out" secs) s"
zv_in_range "$(zv_field "$out" purity)" 0.8 1 || fail "mode=custom slin: not a pure tone: $out"

call 711 6
zv_in_range "$(zv_field "$out" freq)" 1320 1340 || fail "mode=custom ulaw: expected 1330 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 3.2 4.8 || fail "mode=custom ulaw: heard $(zv_field "$out" secs) s"
zv_in_range "$(zv_field "$out" purity)" 0.8 1 || fail "mode=custom ulaw: not a pure tone: $out"

# the applications are gone (killed and reaped), no zombies left
gone() { ! pgrep -f "synth 359[78] sine" >/dev/null; }
zv_wait_until 3 gone || fail "a mode=custom application is still running: $(pgrep -af 'synth 359[78] sine')"
zombies=$(ps --ppid "$ZV_PID" -o stat= | grep -c Z)
expect_eq "$zombies" "0" "zombie children of zvonok"

call 712 6
expect_contains "$(cat "$ZV_DIR/out.log")" "class 'broken': cannot run /nonexistent/player" \
	"warning for an application that cannot run"
zv_in_range "$(zv_field "$out" freq)" 695 705 || fail "after a broken class the call goes on: $out"
zv_in_range "$(zv_field "$out" secs)" 1.2 2.8 || fail "broken class: heard $(zv_field "$out" secs) s (silence expected first)"

zv_stop
echo "PASS $TEST_NAME"
