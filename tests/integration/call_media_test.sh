#!/bin/bash
# Calls with media from a real client: baresip (account 200, MD5 digest on
# the INVITE) calls Zvonok over UDP with PCMU.  baresip sends a 1000 Hz
# tone (aufile source) and its sndfile filter records what it receives;
# tests/media/tone_check.py analyses that recording.  Checked:
#  - 600 Echo(): the 1000 Hz tone comes back (frequency, purity, length);
#    while it runs, `core show channels` lists PJSIP/200-... in Echo;
#  - 601 Milliwatt(): a 1004 Hz tone arrives;
#  - 1000 Playback(hello-world): as long as the prompt, then Zvonok hangs
#    up (BYE) and baresip reports the call terminated;
#  - an INVITE with a wrong password is refused (401 again, no channel);
#  - 200 -> Dial(PJSIP/201) (baresip, A-law): each side hears the other's
#    tone; a SIPp caller holding a bridged call gives 201 music on hold;
#  - Dial to an endpoint without contacts: DIALSTATUS=CHANUNAVAIL.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
[ -f /usr/share/asterisk/sounds/en_US_f_Allison/hello-world.wav ] ||
	[ -f /usr/share/asterisk/sounds/en/hello-world.wav ] ||
	fail "asterisk-core-sounds-en-wav is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_phone 200 calls secret auth:supported_algorithms_uas=md5
	# 201 answers calls (baresip answermode=auto) and speaks only A-law, so
	# 200 -> 201 goes through a ulaw <-> alaw translation in Zvonok.
	zv_pjsip_phone 201 calls secret201 allow=alaw auth:supported_algorithms_uas=md5 aor:remove_existing=yes
	# 300: a SIPp caller without auth, identified by name.
	zv_pjsip_endpoint 300 calls
	zv_pjsip_phone 209 calls "" # never registers
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 600,1,Answer()
 same => n,Echo()
 same => n,Hangup()
exten => 601,1,Milliwatt()
exten => 1000,1,Answer()
 same => n,Playback(hello-world)
 same => n,Hangup()
exten => 201,1,MixMonitor(bridge-${CALLERID(num)}.wav,D)
 same => n,Dial(PJSIP/201,10)
 same => n,Hangup()
exten => 209,1,Dial(PJSIP/209,10)
 same => n,Set(DB(result/unavail)=${DIALSTATUS})
 same => n,Hangup()
EOC
zv_start

sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone.wav" synth 12 sine 1000 vol 0.5 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 30 sine 440 vol 0.5 ||
	fail "sox could not make the tone"

# call <exten> <seconds> <password>: one call from a fresh baresip (user
# 200) that quits after <seconds>, in the background; sets dir (its
# directory) and ZV_BARESIP_PID.
call() {
	dir="$ZV_DIR/b-$1-$RANDOM"
	zv_baresip_config "$dir" "$ZV_DIR/tone.wav"
	zv_baresip_dial "$dir" 200 "$1" "$2" "auth_pass=$3"
}

# 600: Echo returns our tone.
call 600 5 secret
sleep 2.5
chans=$(zv_rx "core show channels")
expect_contains "$chans" "PJSIP/200-" "core show channels during the Echo call"
expect_contains "$chans" "Echo" "the channel runs Echo"
expect_contains "$(zv_rx 'pjsip show channels')" "Channel: PJSIP/200-[0-9a-f]+/Echo +Up " "pjsip show channels"
stats=$(zv_rx "pjsip show channelstats")
echo "$stats" | grep -q "200-[0-9a-f]* .* ulaw " || fail "pjsip show channelstats: $stats"
rxn=$(echo "$stats" | awk '{ for (i = 1; i < NF; i++) if ($i == "ulaw") print $(i + 1) }')
[ "${rxn:-0}" -ge 40 ] || fail "channelstats: $rxn packets received after 2.5 s: $stats"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "echo: $out"
freq=$(zv_field "$out" freq)
[ -n "$freq" ] && [ "$freq" -ge 985 ] && [ "$freq" -le 1015 ] ||
	fail "Echo: expected 1000 Hz back, got: $out ($(tail -5 "$dir/out.txt"))"
awk -v p="$(zv_field "$out" purity)" -v s="$(zv_field "$out" secs)" 'BEGIN { exit !(p > 0.8 && s > 2.5) }' ||
	fail "Echo: tone not clean or too short: $out"

# 601: Milliwatt is 1004 Hz.
call 601 4 secret
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "milliwatt: $out"
freq=$(zv_field "$out" freq)
[ -n "$freq" ] && [ "$freq" -ge 999 ] && [ "$freq" -le 1009 ] ||
	fail "Milliwatt: expected 1004 Hz, got: $out"
awk -v p="$(zv_field "$out" purity)" 'BEGIN { exit !(p > 0.9) }' || fail "Milliwatt: not a pure tone: $out"

# 1000: hello-world, then our BYE.
hw=/usr/share/asterisk/sounds/en_US_f_Allison/hello-world.wav
[ -f "$hw" ] || hw=/usr/share/asterisk/sounds/en/hello-world.wav
want=$(sox --i -D "$hw")
call 1000 8 secret
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "playback: $out (prompt $want s)"
expect_contains "$(cat "$dir/out.txt")" "terminated" "Zvonok ended the Playback call"
awk -v s="$(zv_field "$out" secs)" -v w="$want" 'BEGIN { exit !(s > w * 0.6 && s < w + 0.5) }' ||
	fail "Playback: heard $(zv_field "$out" secs) s of audio for a $want s prompt"

# A wrong password: no call.
call 600 3 wrong
wait "$ZV_BARESIP_PID"
expect_not_contains "$(cat "$dir/out.txt")" "Call established" "call with a wrong password"

# 200 -> Dial(PJSIP/201) -> baresip 201 (registered, auto-answer, A-law):
# each side hears the other's tone through the bridge and the translation.
cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
zv_baresip_callee "$cdir" 201 45 auth_pass=secret201
call 201 6 secret
sleep 3
chans=$(zv_rx "core show channels")
expect_contains "$chans" "PJSIP/201-" "the outgoing leg during the bridged call"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "caller hears: $out"
freq=$(zv_field "$out" freq)
[ -n "$freq" ] && [ "$freq" -ge 430 ] && [ "$freq" -le 450 ] ||
	fail "bridged call: the caller should hear 440 Hz, got: $out"
sleep 1
out=$(zv_analyse "$cdir")
echo "callee hears: $out"
freq=$(zv_field "$out" freq)
[ -n "$freq" ] && [ "$freq" -ge 985 ] && [ "$freq" -le 1015 ] ||
	fail "bridged call: the callee should hear 1000 Hz, got: $out"
expect_contains "$(cat "$cdir/out.txt")" "PCMA" "the callee leg used A-law"
# MixMonitor(...,D) of the bridged call: left what 200 sent, right what it heard.
mix="$ZV_DIR/spool/monitor/bridge-200.wav"
for _ in $(seq 1 20); do [ -f "$mix" ] && break; sleep 0.1; done
[ -f "$mix" ] || fail "MixMonitor wrote no $mix"
left=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$mix" 0)
right=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$mix" 1)
echo "mixmonitor left: $left / right: $right"
zv_in_range "$(zv_field "$left" freq)" 985 1015 || fail "MixMonitor left channel: $left"
zv_in_range "$(zv_field "$right" freq)" 430 450 || fail "MixMonitor right channel: $right"
zv_in_range "$(zv_field "$left" secs)" 4 7 || fail "MixMonitor recorded $(zv_field "$left" secs) s"
expect_contains "$(cat "$cdir/out.txt")" "terminated" "the caller's hang-up reached the callee"

# Hold in a bridge: SIPp (300, silent) calls 201 and holds for 3 s; baresip
# 201 hears music on hold for about that long, and nothing else.
before=$(ls "$cdir"/dump-*-dec.wav | wc -l)
zv_sipp_uac bridge_hold_uac.xml 201 "$ZV_DIR/hold.out" -timeout 25 || fail "hold scenario failed: $(tail -5 "$ZV_DIR/hold.out")"
sleep 1
rec=$(ls -t "$cdir"/dump-*-dec.wav | head -1)
[ "$(ls "$cdir"/dump-*-dec.wav | wc -l)" -gt "$before" ] || fail "the callee recorded no second call"
out=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$rec")
echo "held callee hears: $out"
awk -v s="$(zv_field "$out" secs)" -v p="$(zv_field "$out" purity)" 'BEGIN { exit !(s > 2 && s < 4 && p < 0.5) }' ||
	fail "music on hold: expected about 3 s of music, got: $out"

# Dial to an endpoint with no contact: CHANUNAVAIL, and the dialplan goes on.
call 209 2 secret
wait "$ZV_BARESIP_PID"
expect_eq "$(zv_rx 'database get result unavail')" "Value: CHANUNAVAIL" "DIALSTATUS of an unreachable endpoint"

# CDR of the bridged call (cdr_csv default): party B and billsec.
row=$(grep '"PJSIP/200-[0-9a-f]*","PJSIP/201-' "$ZV_DIR/log/cdr-csv/Master.csv" | head -1)
[ -n "$row" ] || fail "no CDR with PJSIP/201 as dstchannel: $(cat "$ZV_DIR/log/cdr-csv/Master.csv")"
python3 - "$row" <<'EOP' || fail "CDR of the bridged call: $row"
import csv, sys
f = next(csv.reader([sys.argv[1]]))
# accountcode src dst dcontext clid channel dstchannel lastapp lastdata start answer end duration billsec disposition
assert f[1] == "200" and f[2] == "201" and f[7] == "Dial", f
assert f[14] == "ANSWERED" and 4 <= int(f[13]) <= 7, f
EOP

[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/20[01]-')" = 0 ] || fail "channels left after the calls"
zv_stop
echo "PASS $TEST_NAME"
