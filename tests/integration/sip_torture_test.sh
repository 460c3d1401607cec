#!/bin/bash
# Malformed and odd-but-valid SIP requests (our own corpus in the
# categories of RFC 4475, tests/sip/torture/*.sip) over UDP and TCP: each is
# answered with the expected status (echoing the request's Via) or dropped
# as specified in tests/sip/torture/expected.tsv, which says why each drop;
# the daemon keeps serving afterwards and `sip show stats` counts the
# malformed ones.
. "$(dirname "$0")/lib.sh"
zv_setup
port=$(zv_free_port udp)
{
	zv_pjsip_udp "$port"
	cat <<EOC
[tcp]
type=transport
protocol=tcp
bind=127.0.0.1:$port
EOC
} >"$ZV_DIR/pjsip.conf"
zv_start
corpus="$ZV_SRC/tests/sip/torture"
expected="$corpus/expected.tsv"
# Every case is checked; all mismatches are listed before failing.
n=0
bad=""
for proto in udp tcp; do
	col=$([ $proto = udp ] && echo 2 || echo 3)
	out=$(timeout 25 python3 "$ZV_SRC/tests/sip/send_raw.py" $proto 127.0.0.1 "$port" "$corpus"/*.sip) ||
		fail "sender failed over $proto"
	while IFS=$'\t' read -r name got; do
		want=$(awk -F'\t' -v n="$name" -v c="$col" '$1 == n { print $c }' "$expected")
		[ -n "$want" ] || fail "$name has no expectation in expected.tsv"
		[ "$got" = "$want" ] || bad="$bad
  $name over $proto: got '$got', expected '$want'"
		n=$((n + 1))
	done <<<"$out"
done
[ "$n" -eq $(( 2 * $(ls "$corpus"/*.sip | wc -l) )) ] || fail "only $n answers checked"

# RFC 5626 keep-alive on TCP: a double-CRLF ping gets a single CRLF pong,
# and the connection still carries requests afterwards.
out=$(python3 - "$port" <<'EOP'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(b"\r\n\r\n")
pong = s.recv(16)
print("pong" if pong == b"\r\n" else "bad pong %r" % pong)
EOP
)
expect_eq "$out" "pong" "keep-alive answer"

# Still alive and counting.
out=$(python3 "$ZV_SRC/tests/sip/send_raw.py" udp 127.0.0.1 "$port" "$corpus/ok_basic.sip")
expect_contains "$out" "SIP/2.0 200 OK" "OPTIONS after the corpus"
out=$(python3 "$ZV_SRC/tests/sip/send_raw.py" tcp 127.0.0.1 "$port" "$corpus/ok_basic.sip")
expect_contains "$out" "SIP/2.0 200 OK" "OPTIONS over TCP after the corpus"
# Each case expected to be refused (400, 505, 513) or dropped over UDP is a
# malformed message; the TCP pass may add more.
want_malformed=$(awk -F'\t' '!/^#/ && ($2 == "drop" || $2 ~ /^SIP\/2.0 (400|505|513) /)' "$expected" | wc -l)
malformed=$(zv_rx "sip show stats" | awk '/Malformed/ { print $3 }')
[ "${malformed:-0}" -ge "$want_malformed" ] ||
	fail "sip show stats counted ${malformed:-none} malformed messages, expected at least $want_malformed"
# Mismatches fail the test only now, so the checks above run regardless.
[ -z "$bad" ] || fail "unexpected answers:$bad"
zv_stop
echo "PASS $TEST_NAME ($n cases)"
