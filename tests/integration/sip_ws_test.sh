#!/bin/bash
# SIP over WebSocket (RFC 7118) and secure WebSocket: the upgrade needs the
# "sip" subprotocol; each SIP message travels in one (possibly fragmented)
# masked client frame; answers come back in frames; ping gets pong;
# unmasked client frames close the connection with 1002; idle connections
# get ping frames (keep_alive_interval).
. "$(dirname "$0")/lib.sh"
zv_setup
ws=$(zv_free_port)
wss=$(zv_free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$ZV_DIR/key.pem" -out "$ZV_DIR/cert.pem" 2>/dev/null || fail "openssl req failed"
cat >"$ZV_DIR/pjsip.conf" <<EOC
[global]
type=global
keep_alive_interval=1
[ws]
type=transport
protocol=ws
bind=127.0.0.1:$ws
[wss]
type=transport
protocol=wss
bind=127.0.0.1:$wss
cert_file=$ZV_DIR/cert.pem
priv_key_file=$ZV_DIR/key.pem
[400]
type=endpoint
auth=400
aors=400
[400]
type=auth
username=400
password=ws400
[400]
type=aor
max_contacts=1
EOC
zv_start
client() { python3 "$ZV_SRC/tests/sip/ws_client.py" "$@"; }
expect_contains "$(zv_rx 'pjsip show transports')" "ws +ws .*127.0.0.1:$ws"
expect_contains "$(zv_rx 'pjsip show transports')" "wss +wss .*127.0.0.1:$wss"

for flag in "" --wss; do
	port=$([ -z "$flag" ] && echo $ws || echo $wss)
	expect_eq "$(client $flag 127.0.0.1 $port options)" "SIP/2.0 200 OK" "OPTIONS over ws$flag"
	expect_eq "$(client $flag 127.0.0.1 $port register 400)" "SIP/2.0 401 Unauthorized" \
		"REGISTER over ws$flag"
	expect_eq "$(client $flag 127.0.0.1 $port ping)" "pong hello" "ping over ws$flag"
	expect_eq "$(client $flag 127.0.0.1 $port fragmented)" "SIP/2.0 200 OK" "fragments over ws$flag"
	expect_contains "$(client $flag 127.0.0.1 $port noproto)" "HTTP/1.1 400" \
		"handshake without the sip subprotocol over ws$flag"
	expect_eq "$(client $flag 127.0.0.1 $port unmasked)" "close 1002" "unmasked frame over ws$flag"
	expect_eq "$(client $flag 127.0.0.1 $port idle)" "ping" "keep-alive ping over ws$flag"
done
zv_stop
echo "PASS $TEST_NAME"
