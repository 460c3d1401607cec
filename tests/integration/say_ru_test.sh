#!/bin/bash
# Russian SayNumber/SayDigits with a real client: baresip calls endpoint
# 200 (language=ru) and records what it hears.  Checked:
#  - SayNumber(2001): the prompts of the ru set (digits/2n, thousand, 1
#    from ru_RU_f_IvrvoiceRU) are played, in that order, and about that
#    much audio arrives;
#  - CHANNEL(language)=en on the same endpoint: the English rules and
#    prompts (digits/2, thousand, 1 of en);
#  - SayNumber(21,f) in ru: digits/20 then 1n (the set has no 1f);
#  - SayDigits(123) in ru plays the Russian digit prompts;
#  - SayAlpha(Zv-1#%) in ru: letters/z, letters/v (case folded),
#    letters/dash, digits/1, digits/pound, letters/ascii37, as the sound
#    sets name them.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
RU=/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU
[ -f "$RU/digits/thousand.wav" ] || fail "asterisk-core-sounds-ru-wav is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/silence.wav" trim 0 15 || fail "sox could not make silence"
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls language=ru
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 730,1,Answer()
 same => n,Set(DB(result/lang)=${CHANNEL(language)})
 same => n,SayNumber(2001)
 same => n,Hangup()
exten => 731,1,Answer()
 same => n,Set(CHANNEL(language)=en)
 same => n,SayNumber(2001)
 same => n,Hangup()
exten => 732,1,Answer()
 same => n,SayNumber(21,f)
 same => n,SayDigits(123)
 same => n,Hangup()
exten => 733,1,Answer()
 same => n,SayAlpha(Zv-1#%)
 same => n,Hangup()
EOC
zv_start

# call <exten> <seconds>: baresip calls, quits after <seconds>; $out is
# the analysis of what it heard.
call() { zv_hear "$ZV_DIR/silence.wav" "$@"; }

# played <n>: the last n prompt files Playback logged, one per line.
played() {
	grep -o "Playing '[^']*'" "$ZV_DIR/out.log" | sed "s/Playing '//; s/'$//" | tail -n "$1"
}

# secs <files...>: total length of the prompts.
secs() {
	local t=0 f
	for f in "$@"; do t=$(awk -v a="$t" -v b="$(sox --i -D "$f")" 'BEGIN { print a + b }'); done
	echo "$t"
}

call 730 6
expect_eq "$(zv_rx 'database get result lang')" "Value: ru" "the endpoint's language"
got=$(played 3 | tr '\n' ' ')
R='/sounds/ru[^/ ]*/digits'
expect_contains "$got" "^[^ ]*$R/2n.wav [^ ]*$R/thousand.wav [^ ]*$R/1.wav \$" "SayNumber(2001) in ru"
want=$(secs "$RU/digits/2n.wav" "$RU/digits/thousand.wav" "$RU/digits/1.wav")
awk -v s="$(zv_field "$out" secs)" -v w="$want" 'BEGIN { exit !(s > w * 0.5 && s < w + 0.5) }' ||
	fail "SayNumber(2001) in ru: heard $(zv_field "$out" secs) s for $want s of prompts"

call 731 6
got=$(played 3 | tr '\n' ' ')
E='/sounds/en[^/ ]*/digits'
expect_contains "$got" "^[^ ]*$E/2.wav [^ ]*$E/thousand.wav [^ ]*$E/1.wav \$" "SayNumber(2001) in en"
zv_in_range "$(zv_field "$out" secs)" 0.5 5 || fail "SayNumber(2001) in en: heard $(zv_field "$out" secs) s"

call 732 8
got=$(played 5 | tr '\n' ' ')
expect_contains "$got" "^[^ ]*$R/20.wav [^ ]*$R/1n.wav [^ ]*$R/1.wav [^ ]*$R/2.wav [^ ]*$R/3.wav \$" "SayNumber(21,f) SayDigits(123) in ru"
want=$(secs "$RU/digits/20.wav" "$RU/digits/1n.wav" "$RU/digits/1.wav" "$RU/digits/2.wav" "$RU/digits/3.wav")
awk -v s="$(zv_field "$out" secs)" -v w="$want" 'BEGIN { exit !(s > w * 0.5 && s < w + 0.5) }' ||
	fail "SayNumber+SayDigits in ru: heard $(zv_field "$out" secs) s for $want s of prompts"

call 733 9
got=$(played 6 | tr '\n' ' ')
L='/sounds/ru[^/ ]*/letters'
expect_contains "$got" "^[^ ]*$L/z.wav [^ ]*$L/v.wav [^ ]*$L/dash.wav [^ ]*$R/1.wav [^ ]*$R/pound.wav [^ ]*$L/ascii37.wav \$" "SayAlpha(Zv-1#%) in ru"
want=$(secs "$RU/letters/z.wav" "$RU/letters/v.wav" "$RU/letters/dash.wav" "$RU/digits/1.wav" "$RU/digits/pound.wav" "$RU/letters/ascii37.wav")
awk -v s="$(zv_field "$out" secs)" -v w="$want" 'BEGIN { exit !(s > w * 0.5 && s < w + 0.5) }' ||
	fail "SayAlpha in ru: heard $(zv_field "$out" secs) s for $want s of prompts"

zv_stop
echo "PASS $TEST_NAME"
