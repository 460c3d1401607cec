#!/bin/bash
# Overload protection: SIPp floods Zvonok with 300 INVITEs at 100/s
# (tests/sip/overload_uac.xml) while zvonok.conf allows 10 calls in
# set-up (overload_setup_calls = 10, overload_retry_after = 7) and the
# dialplan keeps each call ringing for 1 s before it answers, so about 10
# calls a second can be taken and the rest must be refused.  The limit is
# a count, not a timing, so the split does not depend on how loaded the
# machine is.
#  - refused calls get 503 with Retry-After: 7 (the scenario fails a call
#    whose 503 lacks it), no transaction: SIPp sees no retransmitted 503;
#  - accepted calls complete: their ACK and the PBX's BYE and its 200 go
#    through while new INVITEs are refused (0 failed calls in SIPp), with
#    at most 30 retransmissions (10%; 0 on a quiet host; a flood without
#    the protection costs thousands: bench/overload.sh);
#  - `core show overload` counts the refusals (at least SIPp's 503s) and
#    `core show settings` shows the same count;
#  - after the flood a plain call is answered and completes.
. "$(dirname "$0")/lib.sh"
zv_need sipp

zv_setup
# overload_delay = 0: only the count decides, however loaded the host
# running the tests in parallel is (the delay criterion has its unit test).
cat >>"$ZV_DIR/zvonok.conf" <<'EOC'
overload_setup_calls = 10
overload_retry_after = 7
overload_delay = 0
EOC
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint flood calls
	printf '[flood]\ntype=identify\nendpoint=flood\nmatch=127.0.0.1\n\n'
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 100,1,Ringing()
 same => n,Wait(1)
 same => n,Answer()
 same => n,Wait(0.5)
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"
expect_contains "$(zv_rx 'core show overload')" "Calls in set-up limit:       10" "the limit read"

# counts FILE NAME: the value of column NAME in the last row of a SIPp CSV.
counts() {
	awk -F';' -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i }
		END { print (c ? $c : "") }' "$1"
}

timeout -s KILL 60 sipp "127.0.0.1:$ZPORT" -sf "$ZV_SRC/tests/sip/overload_uac.xml" -s 100 \
	-i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -r 100 -m 300 -l 400 \
	-nostdin -timeout 40 -max_retrans 5 -trace_counts -trace_stat -stf flood_stat.csv \
	>flood.out 2>&1 || fail "the flood had failed calls: $(tail -20 flood.out)"
cnt=$(ls -t overload_uac_*_counts.csv | head -1)
answered=$(counts "$cnt" 4_200_Recv)
refused=$(counts "$cnt" 3_503_Recv)
ok=$(counts flood_stat.csv 'SuccessfulCall(C)')
failed=$(counts flood_stat.csv 'FailedCall(C)')
retrans=$(counts flood_stat.csv 'Retransmissions(C)')
rsent=$(counts "$cnt" 3_503_Retrans)
byes=$(counts "$cnt" 6_BYE_Recv)
echo "flood: answered $answered, refused $refused, ok $ok, failed $failed, retransmissions $retrans"
expect_eq "$ok" 300 "calls that ended as the scenario allows (answered or 503)"
expect_eq "$failed" 0 "failed calls"
[ "$refused" -ge 100 ] || fail "only $refused calls refused with 503 (expected most of 300)"
[ "$answered" -ge 10 ] || fail "only $answered calls answered during the flood"
expect_eq "$((answered + refused))" 300 "every call answered or refused"
expect_eq "$byes" "$answered" "every answered call got its BYE"
expect_eq "$rsent" 0 "retransmitted 503s (the refusal is stateless)"
[ "$retrans" -le 30 ] || fail "$retrans retransmissions during the flood"

ov=$(zv_rx "core show overload")
echo "$ov"
n=$(sed -n 's/.*Calls refused (overload): *\([0-9]*\).*/\1/p' <<<"$ov")
[ "${n:-0}" -ge "$refused" ] || fail "core show overload counted ${n:-none} refusals, SIPp got $refused 503s"
expect_eq "$(sed -n 's/.*for calls in set-up: *\([0-9]*\).*/\1/p' <<<"$ov")" "$n" "the refusals by criterion"
expect_contains "$(zv_rx 'core show settings')" "Calls refused \\(overload\\): +$n\$" "core show settings"
expect_contains "$(zv_rx 'core show overload')" "Current 0\\)" "no call left in set-up"

# After the flood: a plain call.
zv_sipp_uac overload_uac.xml 100 after.out -trace_counts || fail "the call after the flood failed: $(tail -20 after.out)"
cnt=$(ls -t overload_uac_*_counts.csv | head -1)
expect_eq "$(counts "$cnt" 4_200_Recv)" 1 "the call after the flood answered"
expect_eq "$(counts "$cnt" 6_BYE_Recv)" 1 "the call after the flood hung up by the PBX"
zv_stop
echo "PASS $TEST_NAME"
