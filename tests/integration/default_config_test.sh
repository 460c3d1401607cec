#!/bin/bash
# The embedded default configuration (etc/, what `make run` starts) is a
# working PBX for softphones.  etc/*.conf are copied unmodified except:
# zvonok.conf gets its run/log/spool/lib directories inside the test
# directory, and sip.conf binds UDP and TCP on free loopback ports (the
# script checks with diff that nothing else differs).  Real baresip phones
# register with the demo users and call the demo extensions; what they
# hear is analysed (tests/media/tone_check.py).  Checked:
#  - --check-config: no error, no warning;
#  - 100 (sip.conf, demo100), 200 and 201 (pjsip.conf, demo200/demo201)
#    register: `sip show peers`, `pjsip show contacts`;
#  - 100 calls 600: the demo-echotest prompt (speech, about 22 s), then
#    Echo() returns the phone's own 1000 Hz tone;
#  - 200 calls 1000: hello-world is heard for about its length, then
#    Zvonok hangs up while the phone would have stayed;
#  - 200 calls 700: music on hold (asterisk-moh-opsound) for the whole time
#    listened, not a tone;
#  - 101 calls 601 over TCP: Milliwatt's 1004 Hz;
#  - 100 calls 201 (Dial(PJSIP/201,30,tTkK) from a SIP/ channel): 201
#    (G.722 only, so ulaw <-> G.722 in Zvonok) answers by itself, the
#    caller hears 201's 440 Hz, 201 hears the caller's 1000 Hz, `core show
#    channels` lists SIP/100-... and PJSIP/201-... while bridged, and the
#    CSV CDR (etc/cdr.conf) gets an ANSWERED row;
#  - a wrong password for 100 is refused (REGISTER and INVITE);
#  - `core show codecs`, `core show codec`, `core show translation` and
#    `core show translation paths` print Asterisk's layout with every codec
#    (and with `dontwarn = yes` in zvonok.conf, no disclaimer).
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
[ -f /usr/lib/baresip/modules/g722.so ] || fail "baresip has no g722 module"
snd=/usr/share/asterisk/sounds/en_US_f_Allison
[ -f "$snd/demo-echotest.wav" ] && [ -f "$snd/hello-world.wav" ] ||
	fail "asterisk-core-sounds-en-wav is not installed"
ls /usr/share/asterisk/moh/*.wav >/dev/null 2>&1 || fail "asterisk-moh-opsound-wav is not installed"

zv_setup
cp "$ZV_SRC"/etc/*.conf "$ZV_DIR"/
ZPORT=$(zv_free_port udp)
TPORT=$(zv_free_port)
sed -i -e 's|^;astrundir => .*|astrundir => run|' -e 's|^;astlogdir => .*|astlogdir => log|' \
	-e 's|^;astspooldir => .*|astspooldir => spool|' -e 's|^;astvarlibdir => .*|astvarlibdir => lib|' \
	-e 's|^;astdbdir => .*|astdbdir => lib|' "$ZV_DIR/zvonok.conf"
sed -i -e 's/^udpbindaddr=.*/udpbindaddr=127.0.0.1/' -e "s/^bindport=.*/bindport=$ZPORT/" \
	-e "s/^tcpbindaddr=.*/tcpbindaddr=127.0.0.1:$TPORT/" "$ZV_DIR/sip.conf"
# Only those lines differ from etc/.
changed=$(for f in "$ZV_SRC"/etc/*.conf; do diff "$f" "$ZV_DIR/${f##*/}"; done | grep -c '^>')
expect_eq "$changed" 8 "lines changed from etc/ (5 directories, 3 SIP binds)"
[ "$(ls "$ZV_SRC"/etc | wc -l)" -ge 11 ] || fail "etc/ lost files: $(ls "$ZV_SRC"/etc)"

check=$("$ZVONOK" --check-config -C "$ZV_DIR" 2>&1) || fail "--check-config failed: $check"
expect_contains "$check" ": 0 errors, 0 warnings$" "--check-config of the default"

zv_start -vvv
expect_contains "$(cat "$ZV_DIR/out.log")" "listening on UDP 127.0.0.1:$ZPORT" "the UDP transport"
expect_contains "$(cat "$ZV_DIR/out.log")" "listening on TCP 127.0.0.1:$TPORT" "the TCP transport"

# ---- codec CLI --------------------------------------------------------------
codecs=$(zv_rx "core show codecs")
echo "$codecs"
expect_contains "$codecs" "^Disclaimer: this command is for informational purposes only\." "disclaimer"
expect_contains "$codecs" "^      ID TYPE  NAME         FORMAT           DESCRIPTION$" "codec table header"
# Asterisk's row: %8u %-5s %-12s %-16s (description); slin16/slin48 are
# codec slin in formats slin16/slin48.
for row in "ulaw +ulaw +\(G\.711 u-law\)" "alaw +alaw +\(G\.711 a-law\)" "gsm +gsm +\(GSM\)" \
	"g722 +g722 +\(G722\)" "g729 +g729 +\(G\.729A\)" "opus +opus +\(Opus Codec\)" \
	"slin +slin +\(16 bit Signed Linear PCM\)" "slin +slin16 +\(16 bit Signed Linear PCM \(16kHz\)\)" \
	"slin +slin48 +\(16 bit Signed Linear PCM \(48kHz\)\)"; do
	expect_contains "$codecs" "^ {4,7}[0-9]+ audio $row$" "core show codecs row /$row/"
done
expect_eq "$(grep -c ' audio ' <<<"$codecs")" 9 "audio codecs listed"
expect_eq "$(zv_rx 'core show codecs video' | grep -c ' audio ')" 0 "video codecs listed"
id=$(awk '$2 == "audio" && $4 == "g722" { print $1 }' <<<"$codecs")
expect_contains "$(zv_rx "core show codec $id")" "^ +$id G722 \(g722\)$" "core show codec $id"
expect_contains "$(zv_rx "core show codec 999")" "^Codec 999 not found$" "core show codec of an unknown id"

trans=$(zv_rx "core show translation")
echo "$trans"
expect_contains "$trans" "^         Translation times between formats \(in microseconds\) for one second of data$" "matrix title"
# cost SRC DST: the matrix cell (row SRC, column DST).
cost() {
	awk -v s="$1" -v d="$2" '
		/^ +ulaw +alaw/ { for (i = 1; i <= NF; i++) col[$i] = i + 1; next }
		length(col) && $1 == s { print $col[d]; exit }' <<<"$trans"
}
for pair in ulaw:alaw alaw:ulaw g722:ulaw ulaw:g722 opus:ulaw ulaw:opus gsm:ulaw g729:alaw alaw:g729 \
	slin48:ulaw ulaw:slin16 g722:opus slin:slin48; do
	c=$(cost "${pair%:*}" "${pair#*:}")
	[[ $c =~ ^[0-9]+$ ]] && [ "$c" -gt 0 ] && [ "$c" -lt 1000000 ] ||
		fail "translation ${pair%:*} -> ${pair#*:}: cost '$c'"
done
for c in ulaw alaw gsm g722 g729 opus slin slin16 slin48; do
	expect_eq "$(cost $c $c)" "-" "the $c -> $c cell"
done
# G.711 to G.711 is a table lookup: cheaper than any codec that computes.
[ "$(cost ulaw alaw)" -lt "$(cost ulaw g722)" ] && [ "$(cost ulaw g722)" -lt "$(cost ulaw opus)" ] ||
	fail "costs out of order: ulaw->alaw $(cost ulaw alaw), ->g722 $(cost ulaw g722), ->opus $(cost ulaw opus)"
# Column layout: each column as wide as its name (at least 5) plus one.
expect_contains "$trans" "^ {9}ulaw  alaw   gsm  g722  g729  opus  slin slin16 slin48$" "matrix header row"
paths=$(zv_rx "core show translation paths ulaw")
echo "$paths"
expect_contains "$paths" "^--- Translation paths SRC Codec \"ulaw\" sample rate 8000 ---$" "paths title"
expect_contains "$paths" "^	ulaw:8000 +To alaw:8000 +: \(ulaw@8000\)->\(alaw@8000\) *$" "path ulaw -> alaw"
expect_contains "$paths" "^	ulaw:8000 +To g722:16000 +: \(ulaw@8000\)->\(slin@8000\)->\(slin@16000\)->\(g722@16000\) *$" "path ulaw -> g722"
expect_contains "$(zv_rx 'core show translation paths slin 16000')" "^	slin:16000 +To ulaw:8000 +: \(slin@16000\)->\(slin@8000\)->\(ulaw@8000\) *$" "path slin16 -> ulaw"
expect_contains "$(zv_rx 'core show translation paths foo')" "^Source codec \"foo\" is not found\.$" "paths of an unknown codec"

# ---- phones -------------------------------------------------------------------
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 40 sine 1000 vol 0.5 || fail "sox could not make the tone"
sox -n -r 16000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 60 sine 440 vol 0.5 || fail "sox could not make the tone"

# Registered phones: 100 and 200 (G.711), 201 (G.722 only) answering by
# itself with a 440 Hz tone.
for u in 100 200; do
	zv_baresip_config "$ZV_DIR/p$u" "$ZV_DIR/tone1000.wav"
	zv_baresip_callee "$ZV_DIR/p$u" $u 150 "auth_pass=demo$u"
done
cdir=$ZV_DIR/p201
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav" g722.so
zv_baresip_callee "$cdir" 201 150 auth_pass=demo201
# qualify=yes: the first OPTIONS to 100 follows its registration.
zv_wait_rx 10 "sip show peers" "^100/100 +127\.0\.0\.1 +D +Yes +Yes +[0-9]+ +OK \([0-9]+ ms\)" ||
	fail "sip show peers: 100 not registered and qualified: $out"
peers=$out
echo "$peers"
expect_contains "$peers" "^101/101 +\(Unspecified\) .* UNKNOWN" "sip show peers: 101 not registered"
expect_contains "$peers" "^6 sip peers \[Monitored: 1 online, 5 offline" "sip show peers summary"
# qualify_frequency=60: reachable after the first OPTIONS.
for u in 200 201; do
	zv_wait_rx 10 "pjsip show contacts" "Contact: +$u/sip:$u[^@ ]*@127\.0\.0\.1:[0-9]+ +[0-9a-f]+ +Avail " ||
		fail "pjsip show contacts: $u not registered and reachable: $out"
done

# call DIR USER EXTEN SECS [TONE]: baresip DIR calls EXTEN as USER (its
# demo password) and quits after SECS, in the background.
call() {
	zv_baresip_config "$1" "${5:-$ZV_DIR/tone1000.wav}"
	zv_baresip_dial "$1" "$2" "$3" "$4" "auth_pass=demo$2"
}

# 100 -> 600 runs in the background for its 22 s prompt while the other
# calls go on.
edir=$ZV_DIR/echo
call "$edir" 100 600 32
ECHO_PID=$ZV_BARESIP_PID
zv_wait_channel "SIP/100-[0-9a-f]+ +600@default.*Playback" 10 ||
	fail "no SIP/100 channel playing the echo prompt: $chans"

# 200 -> 1000: hello-world, then our BYE.
hw=$(sox --i -D "$snd/hello-world.wav")
dir=$ZV_DIR/hello
call "$dir" 200 1000 7
zv_wait_channel "PJSIP/200-" 10 || fail "no PJSIP/200 channel for 1000: $chans"
t0=$(zv_now_ms)
zv_wait_until 10 bash -c "! $ZVONOK -C $ZV_DIR -rx 'core show channels' | grep -q PJSIP/200-" ||
	fail "the hello-world call still up after 10 s"
gone=$(( $(zv_now_ms) - t0 ))
kill -0 "$ZV_BARESIP_PID" 2>/dev/null || fail "the phone quit first: Zvonok did not hang up"
zv_wait_lines "$dir/out.txt" "terminated" 1 5 || fail "the phone got no BYE: $(tail -5 "$dir/out.txt")"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "1000: $out (prompt $hw s, call gone after ${gone} ms)"
awk -v s="$(zv_field "$out" secs)" -v w="$hw" 'BEGIN { exit !(s > w * 0.6 && s < w + 0.5) }' ||
	fail "hello-world: heard $(zv_field "$out" secs) s of audio for a $hw s prompt"
m=$(python3 "$ZV_SRC/tests/media/envelope_match.py" "$(zv_recording "$dir")" "$snd/hello-world.wav")
echo "1000 against hello-world.wav: $m"
zv_in_range "$(zv_field "$m" corr)" 0.85 1 || fail "1000: what was heard is not hello-world: $m"

# 200 -> 700: music on hold for the 8 s listened.
dir=$ZV_DIR/moh
call "$dir" 200 700 8
zv_wait_channel "PJSIP/200-.*MusicOnHold" 10 || fail "no channel in MusicOnHold: $chans"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "700: $out"
zv_in_range "$(zv_field "$out" secs)" 5 8 || fail "music on hold: expected 5+ s of audio, got: $out"
# The default class plays the files in alphabetical order: the first one
# from its start.
first=$(LC_ALL=C ls /usr/share/asterisk/moh/*.wav | head -1)
m=$(python3 "$ZV_SRC/tests/media/envelope_match.py" "$(zv_recording "$dir")" "$first" 30)
echo "700 against ${first##*/}: $m"
zv_in_range "$(zv_field "$m" corr)" 0.8 1 || fail "music on hold: not ${first##*/}: $m"

# 101 over TCP (sip.conf tcpenable=yes) -> 601: Milliwatt's 1004 Hz.
dir=$ZV_DIR/tcp
zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
echo "<sip:101@127.0.0.1:$TPORT;transport=tcp>;auth_pass=demo101;regint=0" >"$dir/accounts"
timeout -s KILL 16 baresip -f "$dir" -e "/dial sip:601@127.0.0.1:$TPORT;transport=tcp" -t 6 \
	</dev/null >"$dir/out.txt" 2>&1 &
ZV_BARESIP_PID=$!
zv_wait_channel "SIP/101-.*Milliwatt" 10 || fail "no SIP/101 channel in Milliwatt over TCP: $chans"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "601 over TCP: $out"
zv_in_range "$(zv_field "$out" freq)" 999 1009 || fail "601 over TCP: expected 1004 Hz, got: $out"
zv_in_range "$(zv_field "$out" secs)" 3 6 || fail "601 over TCP: heard the tone for too short: $out"

# 100 -> 201: SIP/100 dials PJSIP/201; 201 speaks G.722 only.
dir=$ZV_DIR/bridge
call "$dir" 100 201 9
zv_wait_lines "$cdir/out.txt" "Call established" 1 10 || fail "201 did not answer: $(tail -5 "$cdir/out.txt")"
sleep 1
zv_wait_channel "PJSIP/201-" 3 || fail "no PJSIP/201 channel while bridged: $chans"
echo "$chans"
expect_contains "$chans" "SIP/100-[0-9a-f]+ +201@default:1 +Up +Dial\(PJSIP/201,30,tTkK\)" "the caller's channel in Dial"
expect_contains "$chans" "PJSIP/201-[0-9a-f]+ +201@default:1 +Up +AppDial\(\(Outgoing Line\)\)" "the callee's channel"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "100 hears: $out"
zv_in_range "$(zv_field "$out" freq)" 430 450 || fail "the caller should hear 201's 440 Hz: $out"
zv_in_range "$(zv_field "$out" secs)" 4 9 || fail "the caller heard 440 Hz for too short: $out"
zv_wait_lines "$cdir/out.txt" "terminated" 1 5 || fail "the caller's hang-up did not reach 201"
sleep 0.5
out=$(zv_analyse "$cdir")
echo "201 hears: $out"
zv_in_range "$(zv_field "$out" freq)" 985 1015 || fail "201 should hear the caller's 1000 Hz: $out"
zv_in_range "$(zv_field "$out" secs)" 4 9 || fail "201 heard 1000 Hz for too short: $out"
expect_contains "$(cat "$cdir/out.txt")" "G722" "201's leg used G.722"
csv=$ZV_DIR/log/cdr-csv/Master.csv
zv_wait_until 5 grep -q '"SIP/100-[0-9a-f]*","PJSIP/201-' "$csv" ||
	fail "no CDR row for SIP/100 -> PJSIP/201 in $csv: $(cat "$csv" 2>&1)"
row=$(grep '"SIP/100-[0-9a-f]*","PJSIP/201-' "$csv" | head -1)
echo "CDR: $row"
python3 - "$row" <<'EOP' || fail "CDR of the bridged call: $row"
import csv, sys
f = next(csv.reader([sys.argv[1]]))
# accountcode src dst dcontext clid channel dstchannel lastapp lastdata
# start answer end duration billsec disposition amaflags uniqueid userfield
assert f[1] == "100" and f[2] == "201" and f[3] == "default", f
assert f[4] == '"Demo 100" <100>', f
assert f[7] == "Dial" and f[8] == "PJSIP/201,30,tTkK", f
assert f[14] == "ANSWERED" and 4 <= int(f[13]) <= 9 and f[10], f
assert len(f) == 18 and f[16], f  # loguniqueid, loguserfield
EOP

# The echo call: speech first (the prompt), then our own tone back.
wait "$ECHO_PID"
rec=$(zv_recording "$edir")
[ -n "$rec" ] || fail "600: nothing recorded ($(tail -5 "$edir/out.txt"))"
len=$(sox --i -D "$rec")
prompt=$(zv_analyse_part "$rec" 1 15)
m=$(python3 "$ZV_SRC/tests/media/envelope_match.py" "$rec.part.wav" "$snd/demo-echotest.wav")
tail=$(zv_analyse_part "$rec" -6 5)
echo "600: ${len} s recorded; 1-16 s: $prompt, against demo-echotest.wav: $m; last 6-1 s: $tail"
awk -v p="$(zv_field "$prompt" purity)" -v s="$(zv_field "$prompt" secs)" 'BEGIN { exit !(p < 0.5 && s > 5) }' ||
	fail "600: expected the spoken prompt in the first 16 s, got: $prompt"
zv_in_range "$(zv_field "$m" corr)" 0.85 1 || fail "600: the first 16 s are not demo-echotest: $m"
zv_in_range "$(zv_field "$tail" freq)" 985 1015 || fail "600: expected our 1000 Hz back at the end, got: $tail"
awk -v p="$(zv_field "$tail" purity)" -v s="$(zv_field "$tail" secs)" 'BEGIN { exit !(p > 0.8 && s > 4) }' ||
	fail "600: the echoed tone is not clean or too short: $tail"

# A wrong password for 100.  INVITE: refused with 401 (and no channel).
bad=$ZV_DIR/bad
zv_baresip_config "$bad" "$ZV_DIR/tone1000.wav"
zv_baresip_account "$bad" 100 auth_pass=wrong regint=0
timeout -s KILL 10 baresip -f "$bad" -e "/dial sip:600@127.0.0.1:$ZPORT" -t 3 </dev/null >"$bad/out.txt" 2>&1
echo "wrong password, INVITE: $(grep -E 'session closed|established' "$bad/out.txt" | head -2 | tr '\n' '|')"
expect_contains "$(cat "$bad/out.txt")" "session closed: 401 Unauthorized" "the INVITE with a wrong password"
expect_not_contains "$(cat "$bad/out.txt")" "Call established" "the INVITE with a wrong password"
# REGISTER: refused, 100's binding stays, and the failures (baresip
# retries) reach the default ban_threshold (5): 127.0.0.1 is banned.  Last,
# as the ban drops everything else from this address.
contact=$(zv_rx "sip show peer 100" | grep "Reg. Contact")
bad=$ZV_DIR/badreg
zv_baresip_config "$bad" "$ZV_DIR/tone1000.wav"
zv_baresip_account "$bad" 100 auth_pass=wrong regint=60
timeout -s KILL 10 baresip -f "$bad" -t 8 </dev/null >"$bad/out.txt" 2>&1 &
zv_wait_lines "$ZV_DIR/out.log" "Request 'REGISTER' from '100' failed for '127\.0\.0\.1:[0-9]*' - Failed to authenticate" 1 10 ||
	fail "no failed REGISTER logged for the wrong password"
zv_wait_rx 10 "sip show bans" "^127\.0\.0\.1 +[0-9]+ +[0-9]{4}-" || fail "127.0.0.1 not banned after repeated wrong passwords: $out"
echo "$out"
expect_eq "$(zv_rx "sip show peer 100" | grep "Reg. Contact")" "$contact" "100's binding after the wrong password"

zv_wait_until 5 bash -c "[ \"\$($ZVONOK -C $ZV_DIR -rx 'core show channels' | grep -c 'SIP/')\" = 0 ]" ||
	fail "channels left after the calls: $(zv_rx 'core show channels')"
zv_stop

# Asterisk's dontwarn (zvonok.conf [options]) leaves the disclaimer out.
sed -i 's/^\[options\]$/[options]\ndontwarn = yes/' "$ZV_DIR/zvonok.conf"
zv_start
codecs=$(zv_rx "core show codecs")
expect_not_contains "$codecs" "Disclaimer" "core show codecs with dontwarn"
expect_contains "$codecs" "^      ID TYPE  NAME" "core show codecs with dontwarn"
zv_stop
echo "PASS $TEST_NAME"
