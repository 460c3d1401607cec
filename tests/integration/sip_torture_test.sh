#!/bin/bash
# Malformed and odd-but-valid SIP requests (our own corpus in the
# categories of RFC 4475, tests/sip/torture/*.sip) over UDP and TCP: each is
# answered with the expected status or dropped as specified, and the daemon
# keeps serving afterwards.
. "$(dirname "$0")/lib.sh"
zv_setup
port=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$port
[tcp]
type=transport
protocol=tcp
bind=127.0.0.1:$port
EOC
zv_start
corpus="$ZV_SRC/tests/sip/torture"
expected="$corpus/expected.tsv"
n=0
for proto in udp tcp; do
	col=$([ $proto = udp ] && echo 2 || echo 3)
	out=$(python3 "$ZV_SRC/tests/sip/send_raw.py" $proto 127.0.0.1 "$port" "$corpus"/*.sip) ||
		fail "sender failed over $proto"
	while IFS=$'\t' read -r name got; do
		want=$(awk -F'\t' -v n="$name" -v c="$col" '$1 == n { print $c }' "$expected")
		[ -n "$want" ] || fail "$name has no expectation in expected.tsv"
		[ "$got" = "$want" ] || fail "$name over $proto: got '$got', expected '$want'"
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
malformed=$(zv_rx "sip show stats" | awk '/Malformed/ { print $3 }')
[ "$malformed" -ge 30 ] || fail "sip show stats counted $malformed malformed messages"
zv_stop
echo "PASS $TEST_NAME ($n cases)"
