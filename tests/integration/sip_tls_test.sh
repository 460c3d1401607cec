#!/bin/bash
# SIP over TLS: the transport serves our certificate (checked by openssl
# s_client and by a client verifying against it), answers OPTIONS and
# registers with digest; idle TCP/TLS connections get CRLF keep-alives and
# our pings get pongs; a transport with an unusable certificate stops the
# start with a clear error.
. "$(dirname "$0")/lib.sh"
zv_setup
port=$(zv_free_port)
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-keyout "$ZV_DIR/key.pem" -out "$ZV_DIR/cert.pem" 2>/dev/null || fail "openssl req failed"
cat >"$ZV_DIR/pjsip.conf" <<EOC
[tls]
type=transport
protocol=tls
bind=127.0.0.1:$port
cert_file=$ZV_DIR/cert.pem
priv_key_file=$ZV_DIR/key.pem
method=tlsv1_2

[300]
type=endpoint
auth=300
aors=300
[300]
type=auth
username=300
password=tls300
[300]
type=aor
max_contacts=2
EOC
zv_start
expect_contains "$(zv_rx 'pjsip show transports')" "tls +tls .*127.0.0.1:$port"

# The certificate served is ours.
subject=$(echo | timeout 5 openssl s_client -connect 127.0.0.1:$port 2>/dev/null |
	openssl x509 -noout -subject 2>/dev/null)
expect_contains "$subject" "CN ?= ?127.0.0.1" "served certificate"

# OPTIONS over TLS.
out=$(python3 - "$port" <<'EOP'
import socket, ssl, sys
port = int(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=3))
lp = s.getsockname()[1]
s.sendall(("OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n"
           "Via: SIP/2.0/TLS 127.0.0.1:%d;branch=z9hG4bKtls1;rport\r\n"
           "From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
           "Call-ID: tls-options-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
           % (port, lp)).encode())
print(s.recv(4096).split(b"\r\n")[0].decode())
EOP
)
expect_eq "$out" "SIP/2.0 200 OK" "OPTIONS over TLS"

# REGISTER with MD5 digest over TLS, the client checking our certificate.
out=$(python3 "$ZV_SRC/tests/sip/reg_client.py" --server 127.0.0.1:$port --tls \
	--cafile "$ZV_DIR/cert.pem" --user 300 --password tls300 --alg MD5 --expires 120) ||
	fail "REGISTER over TLS: $out"
expect_contains "$(zv_rx 'pjsip show contacts')" "300/sip:300@127.0.0.1:[0-9]+;transport=tls" \
	"contact registered over TLS"
if python3 "$ZV_SRC/tests/sip/reg_client.py" --server 127.0.0.1:$port --tls --user 300 \
	--password wrong --alg MD5 --expires 120 >/dev/null 2>&1; then
	fail "a wrong password registered over TLS"
fi
zv_stop

# Keep-alives (RFC 5626 4.4.1) on TCP and TLS: an idle connection gets a
# CRLFCRLF ping after keep_alive_interval; our own ping gets a CRLF pong.
tcp=$(zv_free_port)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[global]
type=global
keep_alive_interval=1
[tcp]
type=transport
protocol=tcp
bind=127.0.0.1:$tcp
[tls]
type=transport
protocol=tls
bind=127.0.0.1:$port
cert_file=$ZV_DIR/cert.pem
priv_key_file=$ZV_DIR/key.pem
EOC
zv_start
for spec in tcp:$tcp tls:$port; do
	out=$(python3 - "${spec%%:*}" "${spec#*:}" <<'EOP'
import socket, ssl, sys, time
proto, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
if proto == "tls":
	ctx = ssl.create_default_context()
	ctx.check_hostname = False
	ctx.verify_mode = ssl.CERT_NONE
	s = ctx.wrap_socket(s)
def read(n):
	b = b""
	while len(b) < n:
		chunk = s.recv(n - len(b))
		if not chunk:
			break
		b += chunk
	return b
t0 = time.monotonic()
ping = read(4)
idle = time.monotonic() - t0
s.sendall(b"\r\n\r\n")
pong = read(2)
print("ping" if ping == b"\r\n\r\n" and 0.5 < idle < 3.5 else "no ping %r %.1f" % (ping, idle),
      "pong" if pong == b"\r\n" else "no pong %r" % pong)
EOP
)
	expect_eq "$out" "ping pong" "keep-alive over ${spec%%:*}"
done
zv_stop

# An unusable key: the start fails and says which file.
printf 'not a key\n' >"$ZV_DIR/key.pem"
if "$ZVONOK" -f -C "$ZV_DIR" >"$ZV_DIR/out.log" 2>&1; then fail "started with a broken key"; fi
expect_contains "$(cat "$ZV_DIR/out.log")" "TLS transport 'tls': cannot use private key $ZV_DIR/key.pem"
echo "PASS $TEST_NAME"
