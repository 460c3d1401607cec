# The body of the single-codec caller tests (call_g722_test.sh,
# call_opus_test.sh, call_gsm_test.sh): baresip 200 loads only one codec
# module, so its offer has that codec and nothing else; endpoint 200
# allows ulaw first, then that codec, so Zvonok must pick it.  baresip
# sends a 1000 Hz tone (a file at the codec's rate and channel count) and
# records what it decodes; tests/media/tone_check.py analyses the
# recordings.  Checked:
#  - 601 Milliwatt(): slin -> the codec in Zvonok, 1004 Hz arrives;
#  - 600 Echo(): the 1000 Hz tone comes back through the codec;
#  - 201 Dial(PJSIP/201) to baresip 201 speaking PCMU only (440 Hz): the
#    codec <-> ulaw in the bridge, the caller hears 440 Hz and the callee
#    1000 Hz; each baresip reports its own codec.
# Set by the sourcing test:
#   CODEC_MODULE  baresip's module (g722.so)    CODEC_ALLOW  Zvonok's name (g722)
#   CODEC_DECODER what baresip logs as "decoder: X" (G722)
#   CODEC_RATE, CODEC_CHANNELS  the tone file baresip sends
#   CODEC_LOW, CODEC_HIGH  accepted Echo() frequencies (lossy codecs move
#   the measured peak a little)
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
[ -f "/usr/lib/baresip/modules/$CODEC_MODULE" ] || fail "baresip has no $CODEC_MODULE module"

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls "allow=ulaw,$CODEC_ALLOW"
	zv_pjsip_phone 201 calls secret201 aor:remove_existing=yes
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 600,1,Answer()
 same => n,Echo()
exten => 601,1,Milliwatt()
exten => 201,1,Dial(PJSIP/201,10)
 same => n,Hangup()
EOC
zv_start

sox -n -r "$CODEC_RATE" -c "$CODEC_CHANNELS" -b 16 "$ZV_DIR/tone-caller.wav" synth 12 sine 1000 vol 0.5 ||
	fail "sox could not make the tone"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 30 sine 440 vol 0.5 || fail "sox could not make the tone"

# call <exten> <seconds>: the single-codec caller 200, in the background.
call() {
	dir="$ZV_DIR/b-$1"
	zv_baresip_config "$dir" "$ZV_DIR/tone-caller.wav" "$CODEC_MODULE"
	zv_baresip_dial "$dir" 200 "$1" "$2"
}
expect_tone() { # analysis lo hi what
	local f
	f=$(zv_field "$1" freq)
	[ -n "$f" ] && [ "$f" -ge "$2" ] && [ "$f" -le "$3" ] || fail "$4: expected $2..$3 Hz, got: $1"
	awk -v p="$(zv_field "$1" purity)" -v s="$(zv_field "$1" secs)" 'BEGIN { exit !(p > 0.8 && s > 2) }' ||
		fail "$4: tone not clean or too short: $1"
}

call 601 4
wait "$ZV_BARESIP_PID"
expect_contains "$(cat "$dir/out.txt")" "decoder: $CODEC_DECODER" "the Milliwatt call's codec"
out=$(zv_analyse "$dir")
echo "milliwatt over $CODEC_ALLOW: $out"
expect_tone "$out" 999 1009 "Milliwatt over $CODEC_ALLOW"

call 600 5
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "echo over $CODEC_ALLOW: $out"
expect_tone "$out" "$CODEC_LOW" "$CODEC_HIGH" "Echo over $CODEC_ALLOW"

cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav" g711.so
zv_baresip_callee "$cdir" 201 30 auth_pass=secret201
call 201 6
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "$CODEC_ALLOW caller hears: $out"
expect_tone "$out" 430 450 "bridged call, caller side"
expect_contains "$(cat "$dir/out.txt")" "decoder: $CODEC_DECODER" "the caller leg's codec"
sleep 1
out=$(zv_analyse "$cdir")
echo "PCMU callee hears: $out"
expect_tone "$out" "$CODEC_LOW" "$CODEC_HIGH" "bridged call, callee side"
expect_contains "$(cat "$cdir/out.txt")" "decoder: PCMU" "the callee leg's codec"
sleep 0.3
out=$(zv_rx 'core show channels')
expect_not_contains "$out" "PJSIP/" "channels after the calls"
# Asterisk's summary lines; the four channels: three callers, one callee.
expect_eq "$(tail -n 3 <<<"$out" | tr '\n' '|')" "0 active channels|0 active calls|4 calls processed|" \
	"core show channels' summary after the calls"
zv_stop
echo "PASS $TEST_NAME"
