#!/bin/bash
# DTMF by SIP INFO (dtmf_mode=info).  SIPp caller 300
# (tests/sip/call_info_uac.xml) sends 1, 2, 3 in INFOs (dtmf-relay, dtmf,
# dtmf-relay with spaces) into Read(); the dialplan sends what Read() got
# back with SendDTMF(), which must arrive as three INFOs Signal=1, 2, 3.
# Also checked by the scenario: 415 for an INFO of another content type,
# 200 for an empty INFO.  The log must show READSTATUS=OK with 123.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
SIPDIR="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[300]
type=endpoint
context=calls
disallow=all
allow=ulaw
dtmf_mode=info
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 700,1,Answer()
 same => n,Read(D,,3,,1,5)
 same => n,Verbose(1,read ${READSTATUS} ${D})
 same => n,SendDTMF(${D})
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
timeout -s KILL 40 sipp "127.0.0.1:$ZPORT" -sf "$SIPDIR/call_info_uac.xml" -s 700 -i 127.0.0.1 \
	-p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -m 1 -nostdin -timeout 20 -timeout_error \
	-max_retrans 3 -trace_logs >uac.out 2>&1 ||
	fail "INFO scenario failed: $(grep -v '^ *$' uac.out | tail -20)"
grep -h "INFO from Zvonok" call_info_uac_*_logs.log 2>/dev/null
grep -q "read OK 123" out.log || fail "Read() did not get 123 from the INFOs"
sleep 0.2
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the call"
zv_stop
echo "PASS $TEST_NAME"
