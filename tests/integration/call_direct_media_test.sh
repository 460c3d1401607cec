#!/bin/bash
# Direct media between two baresip phones (pjsip.conf direct_media=yes):
# 202 calls 203 through Dial(PJSIP/203) (PCMU, telephone-event both legs).
#  - each phone hears the other's tone (1000 Hz one way, 440 Hz the other);
#  - Zvonok re-INVITEs each leg with the other phone's media address
#    (the trace: the SDP sent to the callee has the caller's RTP port and
#    the other way round), logs "media flows directly to the peer" for
#    both, and its own RTP sessions receive (almost) nothing meanwhile
#    (`pjsip show channelstats` receive counts over 2 s);
#  - the caller holds (/hold): both legs are taken back ("anchored
#    again"), the callee hears music on hold, not the tone; after /resume
#    the legs go direct again and the callee hears 1000 Hz again (the
#    caller's own recording ends at its hold: baresip stops it there);
#  - 212 (direct_media=no) calling 203: media stays anchored (no direct
#    media line, the RTP sessions count packets), tones heard;
#  - 222 (allow=alaw, direct_media=yes) calling 203 (ulaw): different
#    codecs, stays anchored, tones heard (translated);
#  - 232 (media_encryption=sdes, direct_media=yes; baresip with
#    mediaenc=srtp-mand) calling 203 (plain RTP): stays anchored, tones
#    heard (decrypted at the PBX).
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
[ -f /usr/lib/baresip/modules/srtp.so ] || fail "baresip's srtp module is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_phone 202 calls secret202 direct_media=yes
	zv_pjsip_phone 212 calls secret212 direct_media=no
	zv_pjsip_phone 222 calls secret222 allow=alaw direct_media=yes
	zv_pjsip_phone 232 calls secret232 media_encryption=sdes direct_media=yes
	zv_pjsip_phone 203 calls secret203 aor:remove_existing=yes direct_media=yes
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<EOC
[calls]
exten => 203,1,Dial(PJSIP/203,10)
 same => n,Hangup()
EOC
zv_start
expect_contains "$(zv_rx 'pjsip set logger on')" "enabled" "pjsip set logger on"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 40 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 90 sine 440 vol 0.5 || fail "sox failed"

# Going direct (and back) changes the stream a phone receives: another
# SSRC and sequence.  baresip 1.0 then drops every packet of the new
# stream as late (ETIMEDOUT, "dropping ... bytes") when its sequence is
# behind the old one's, until it catches up: half the calls, once the PBX
# relayed some audio before the re-INVITE (always so under ASan).  Its
# jitter buffer off, it plays the new stream at once.
no_jbuf() { echo "jitter_buffer_delay 0-0" >>"$1/config"; }
zv_baresip_config "$ZV_DIR/callee" "$ZV_DIR/tone440.wav"
no_jbuf "$ZV_DIR/callee"
zv_baresip_callee "$ZV_DIR/callee" 203 75 auth_pass=secret203

# rx_count USER: the receive count of USER's channel in channelstats.
rx_count() {
	zv_rx "pjsip show channelstats" |
		awk -v u="$1-" '{ for (i = 1; i <= NF; i++) if (index($i, u) == 1) { print $(i + 3); exit } }'
}

# wait_log PATTERN COUNT SECS
wait_log() { zv_wait_lines "$ZV_DIR/out.log" "$1" "$2" "$3"; }

# caller DIR USER SECONDS: USER dials 203; keys from DIR/keys (FD 8).
# USER 232 uses SRTP (srtp.so, mediaenc=srtp-mand).
caller() {
	local -a mods=() params=()
	[ "$2" = 232 ] && mods=(g711.so srtp.so) && params=(mediaenc=srtp-mand)
	zv_baresip_config "$1" "$ZV_DIR/tone1000.wav" "${mods[@]}"
	no_jbuf "$1"
	mkfifo "$1/keys"
	exec 8<>"$1/keys"
	zv_baresip_dial "$1" "$2" 203 "$3" "auth_pass=secret$2" "${params[@]}"
	CALLER_PID=$ZV_BARESIP_PID
	zv_wait_until 10 grep -q "Call established" "$1/out.txt" ||
		fail "$2: the call was not established: $(tail -5 "$1/out.txt")"
	T0=$(zv_now_ms)
}
since() { echo $(( $(zv_now_ms) - T0 )); }

# ---- direct media, hold, resume -------------------------------------------
C="$ZV_DIR/caller"
caller "$C" 202 17
wait_log "media flows directly to the peer" 2 5 ||
	fail "the legs did not go direct: $(grep -i 'direct\|native' "$ZV_DIR/out.log")"
grep "direct media" "$ZV_DIR/out.log"
sleep 1
a1=$(rx_count 202); b1=$(rx_count 203)
sleep 2
a2=$(rx_count 202); b2=$(rx_count 203)
echo "PBX receive counts over 2 s of direct media: 202 $a1 -> $a2, 203 $b1 -> $b2"
[ -n "$a1" ] && [ -n "$b1" ] || fail "no channelstats rows: $(zv_rx 'pjsip show channelstats')"
[ $((a2 - a1)) -le 5 ] && [ $((b2 - b1)) -le 5 ] ||
	fail "media still reaches the PBX while direct: 202 $a1 -> $a2, 203 $b1 -> $b2"

# The SDP each leg was re-INVITEd with carries the other phone's port.
ports=$(python3 - "$ZV_DIR/out.log" <<'EOP'
import re, sys
log = open(sys.argv[1], encoding="latin-1").read()
parts = re.split(r"^<--- (Transmitting|Received) SIP/\w+ (?:to|from) ([^ ]+) --->$", log, flags=re.M)
first_port = {}   # phone's own RTP port: from the first SDP it sent
reinv = {}        # user -> m= port of the re-INVITE SDP we sent it
for i in range(1, len(parts) - 2, 3):
    kind, peer, body = parts[i], parts[i + 1], parts[i + 2]
    m = re.search(r"^m=audio (\d+)", body, re.M)
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    who = re.search(r"^(?:From|To):.*sip:(20[23])[-@]", body, re.M)
    if not (m and who):
        continue
    if kind == "Received" and body.startswith("\nINVITE ") and re.search(r"^From:.*sip:202@", body, re.M):
        first_port.setdefault("202", m.group(1))
    elif kind == "Received" and body.startswith("\nSIP/2.0 200") and re.search(r"^CSeq: \d+ INVITE", body, re.M) \
            and re.search(r"^To:.*sip:203[-@]", body, re.M):
        first_port.setdefault("203", m.group(1))
    elif kind == "Transmitting" and body.startswith("\nINVITE ") and re.search(r"^To:.*tag=", body, re.M):
        user = "203" if re.search(r"^To:.*sip:203[-@]", body, re.M) else "202"
        reinv.setdefault(user, (c.group(1) if c else "?") + ":" + m.group(1))
print("202=%s 203=%s reinvite202=%s reinvite203=%s" % (first_port.get("202"), first_port.get("203"),
      reinv.get("202"), reinv.get("203")))
EOP
)
echo "RTP ports and re-INVITE SDPs: $ports"
p202=$(sed -n 's/.*\b202=\([0-9]*\).*/\1/p' <<<"$ports")
p203=$(sed -n 's/.*\b203=\([0-9]*\).*/\1/p' <<<"$ports")
[ -n "$p202" ] && [ -n "$p203" ] || fail "no phone RTP ports in the trace: $ports"
expect_contains "$ports" "reinvite202=127.0.0.1:$p203( |$)" "the re-INVITE to the caller"
expect_contains "$ports" "reinvite203=127.0.0.1:$p202( |$)" "the re-INVITE to the callee"

# Hold by the caller at ~5 s: media back, music to the callee; resume at ~10 s.
sleep $(awk -v t="$(since)" 'BEGIN { d = (5000 - t) / 1000; print (d > 0 ? d : 0) }')
HOLD_AT=$(since)
printf '/hold\n' >&8
wait_log "anchored again" 2 5 || fail "hold did not take the media back: $(grep -i 'direct\|anchor' "$ZV_DIR/out.log")"
sleep $(awk -v t="$(since)" 'BEGIN { d = (10000 - t) / 1000; print (d > 0 ? d : 0) }')
RESUME_AT=$(since)
printf '/resume\n' >&8
wait_log "media flows directly to the peer" 4 6 ||
	fail "the legs did not go direct again after the resume: $(grep -i 'direct\|anchor' "$ZV_DIR/out.log")"
wait "$CALLER_PID"
exec 8>&-
sleep 1
echo "hold at $HOLD_AT ms, resume at $RESUME_AT ms after the answer"
out=$(zv_analyse "$C")
echo "caller hears: $out"
zv_in_range "$(zv_field "$out" freq)" 430 450 || fail "direct media: the caller should hear 440 Hz, got $out"
# (baresip 1.0 stops its recording when it holds: ~5 s, up to the hold)
zv_in_range "$(zv_field "$out" secs)" 4 18 || fail "direct media: too little audio for the caller: $out"
rec=$(zv_recording "$ZV_DIR/callee")
[ -n "$rec" ] || fail "the callee recorded nothing"
cp "$rec" "$ZV_DIR/callee-direct.wav"
before=$(zv_analyse_part "$ZV_DIR/callee-direct.wav" 1 3)
held=$(zv_analyse_part "$ZV_DIR/callee-direct.wav" "$(awk -v t="$HOLD_AT" 'BEGIN { print t / 1000 + 1.5 }')" 2.5)
after=$(zv_analyse_part "$ZV_DIR/callee-direct.wav" "$(awk -v t="$RESUME_AT" 'BEGIN { print t / 1000 + 2 }')" 3)
echo "callee hears before the hold: $before"
echo "callee hears on hold:         $held"
echo "callee hears after resume:    $after"
zv_in_range "$(zv_field "$before" freq)" 985 1015 || fail "direct media: the callee should hear 1000 Hz, got $before"
zv_in_range "$(zv_field "$before" secs)" 2 3.1 || fail "direct media: the callee heard too little: $before"
zv_in_range "$(zv_field "$held" secs)" 1.5 2.6 || fail "no music on hold for the callee: $held"
zv_in_range "$(zv_field "$held" freq)" 985 1015 && fail "the callee still hears the caller's tone on hold: $held"
zv_in_range "$(zv_field "$after" freq)" 985 1015 || fail "after the resume the callee should hear 1000 Hz: $after"
zv_in_range "$(zv_field "$after" secs)" 2 3.1 || fail "after the resume the callee heard too little: $after"
n=$(grep -c "media flows directly to the peer" "$ZV_DIR/out.log")

# ---- direct_media=no, and different codecs: anchored -------------------------
anchored() { # USER
	local d="$ZV_DIR/caller$1" a1 a2
	caller "$d" "$1" 6
	sleep 2
	a1=$(rx_count "$1")
	sleep 1.5
	a2=$(rx_count "$1")
	echo "$1: PBX receive count $a1 -> $a2 over 1.5 s"
	[ -n "$a1" ] && [ $((a2 - a1)) -ge 50 ] || fail "$1: media should pass the PBX ($a1 -> $a2)"
	wait "$CALLER_PID"
	exec 8>&-
	sleep 1
	out=$(zv_analyse "$d")
	echo "$1: caller hears $out"
	zv_in_range "$(zv_field "$out" freq)" 430 450 || fail "$1: the caller should hear 440 Hz, got $out"
	out=$(zv_analyse "$ZV_DIR/callee")
	echo "$1: callee hears $out"
	zv_in_range "$(zv_field "$out" freq)" 985 1015 || fail "$1: the callee should hear 1000 Hz, got $out"
	[ "$(grep -c "media flows directly to the peer" "$ZV_DIR/out.log")" = "$n" ] ||
		fail "$1: the call went direct: $(grep 'direct media' "$ZV_DIR/out.log" | tail -4)"
	if [ "$1" = 232 ]; then
		grep -q "^m=audio [0-9]* RTP/SAVP" "$ZV_DIR/out.log" || fail "232: the call did not use SRTP"
	fi
	grep -q "PJSIP/$1-[0-9a-f]*: direct media" "$ZV_DIR/out.log" &&
		fail "$1: direct media was asked for: $(grep "PJSIP/$1-" "$ZV_DIR/out.log" | grep direct)"
	return 0
}
anchored 212
anchored 222
anchored 232
zv_stop
echo "PASS $TEST_NAME"
