#!/bin/bash
# RFC 3263 server location against a real DNS server (dnsmasq on loopback):
# an outbound registration to sip:example.test (no port) follows NAPTR ->
# SRV -> A to the registrar's port; one to sip:srvonly.test follows SRV
# alone (no NAPTR), with the lower-priority dead target never used.
. "$(dirname "$0")/lib.sh"
command -v dnsmasq >/dev/null || fail "dnsmasq is not installed (scripts/install-deps)"

zv_setup
APORT=$(zv_free_port udp)
BPORT=$(zv_free_port udp)
DNSPORT=$(zv_free_port udp)
DEAD=$(zv_free_port udp)

dnsmasq --keep-in-foreground --port="$DNSPORT" --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --no-daemon --log-queries --log-facility="$ZV_DIR/dns.log" \
	--pid-file="$ZV_DIR/dns.pid" \
	--host-record=sipa.example.test,127.0.0.1 \
	--host-record=dead.example.test,127.0.0.1 \
	--naptr-record=example.test,10,50,S,SIP+D2U,,_sip._udp.example.test \
	--srv-host=_sip._udp.example.test,sipa.example.test,"$APORT",10,60 \
	--srv-host=_sip._udp.srvonly.test,dead.example.test,"$DEAD",20,60 \
	--srv-host=_sip._udp.srvonly.test,sipa.example.test,"$APORT",10,60 \
	>"$ZV_DIR/dnsmasq.out" 2>&1 &
DNS_PID=$!
sleep 0.3
kill -0 "$DNS_PID" 2>/dev/null || fail "dnsmasq did not start: $(cat "$ZV_DIR/dnsmasq.out")"

{
	zv_pjsip_udp "$APORT" transport-udp
	cat <<EOC
[zv-b]
type=endpoint
auth=zv-b-auth
aors=zv-b
[zv-b-auth]
type=auth
username=zv-b
password=s3cret
[zv-b]
type=aor
max_contacts=2
EOC
} >"$ZV_DIR/pjsip.conf"
zv_start

zv_setup_b
cat >"$B_DIR/pjsip.conf" <<EOC
[global]
type=global
dns_servers=127.0.0.1:$DNSPORT
[transport-udp]
type=transport
protocol=udp
bind=127.0.0.1:$BPORT
[naptr]
type=registration
server_uri=sip:example.test
client_uri=sip:zv-b@example.test
contact_user=viananptr
outbound_auth=b-auth
expiration=300
[srv]
type=registration
server_uri=sip:srvonly.test
client_uri=sip:zv-b@srvonly.test
contact_user=viasrv
outbound_auth=b-auth
expiration=300
[b-auth]
type=auth
username=zv-b
password=s3cret
EOC
zv_start_b
for _ in $(seq 1 100); do
	out=$(zv_b_rx "pjsip show registrations" 2>/dev/null)
	[ "$(printf '%s' "$out" | grep -c Registered)" -ge 2 ] && break
	sleep 0.1
done
printf '%s' "$out" | grep -qE "naptr/sip:example.test .*Registered" || fail "NAPTR registration: $out"
printf '%s' "$out" | grep -qE "srv/sip:srvonly.test .*Registered" || fail "SRV registration: $out"
contacts=$(zv_rx "pjsip show contacts")
expect_contains "$contacts" "zv-b/sip:viananptr@127.0.0.1:$BPORT" "contact via NAPTR"
expect_contains "$contacts" "zv-b/sip:viasrv@127.0.0.1:$BPORT" "contact via SRV"
grep -q "query\[NAPTR\] example.test" "$ZV_DIR/dns.log" || fail "no NAPTR query was made"
grep -q "query\[SRV\] _sip._udp.srvonly.test" "$ZV_DIR/dns.log" || fail "no SRV query was made"
kill -TERM "$B_PID"
wait "$B_PID" || fail "instance B exited with an error"
kill -TERM "$DNS_PID"
wait "$DNS_PID" 2>/dev/null
zv_stop
echo "PASS $TEST_NAME"
