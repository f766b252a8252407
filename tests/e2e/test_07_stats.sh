#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 7: `lbctl -j stats show` agrees with what the clients sent.
#  - UDP (lock-step request/response, so the client knows exactly what it
#    sent and which backend answered each datagram): VIP packets, bytes
#    (frame length) and new flows, and every backend's packets, must match
#    exactly (tolerance 0).
#  - TCP (500 HTTP connections): new flows exact, per-backend new flows equal
#    to what the client saw; VIP packets and bytes within 1% (+10 packets,
#    +1000 bytes) of what the client's interface sent (its c1-rt tx
#    counters, frame lengths like xlb's), the slack being the client's own
#    ARP/ND. (The router's rt-lb tx_bytes would not do: with XDP on the
#    receiving peer, veth counts those frames without their Ethernet header.)
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_up --backends 3

vipj() {	# VIPSPEC -> the VIP's stats object
	# shellcheck disable=SC2086
	tb_lbctl -j stats show $1 | jq -c '.vips[0]'
}
# Per-backend packets keyed by backend name (backend-<n>), from lbctl.
be_by_name() {	# VIP-JSON FIELD FAM
	local n addr m=""
	for n in $(seq "$TB_BACKENDS"); do
		if [ "$3" = 4 ]; then addr=$(tb_be4 "$n"); else addr=$(tb_be6 "$n"); fi
		m="$m\"backend-$n\": $(jq -r --arg a "$addr" ".backends[] | select(.address == \$a) | .$2" <<<"$1"),"
	done
	jq -cS . <<<"{${m%,}}"
}

COUNT=1000 SIZE=100
for fam in 4 6; do
	if [ $fam = 4 ]; then v=$TB_VIP_UDP4 addr=$TB_VIP4 hdr=42; else v=$TB_VIP_UDP6 addr=$TB_VIP6 hdr=62; fi
	s0=$(vipj "$v")
	out=$(tb_client 1 "$TB_PY" "$TB_TOOL" udp --addr "$addr" --count $COUNT --size $SIZE --sockets 16)
	s1=$(vipj "$v")
	check "IPv$fam UDP: $COUNT/$COUNT answered" test "$(jget "$out" .ok)" = $COUNT
	dp=$(( $(jget "$s1" .packets) - $(jget "$s0" .packets) ))
	db=$(( $(jget "$s1" .bytes) - $(jget "$s0" .bytes) ))
	dn=$(( $(jget "$s1" .new_flows) - $(jget "$s0" .new_flows) ))
	check "IPv$fam UDP: VIP packets +$dp = $COUNT sent" test $dp = $COUNT
	check "IPv$fam UDP: VIP bytes +$db = $COUNT x $((hdr + SIZE))-byte frames" \
		test $db = $((COUNT * (hdr + SIZE)))
	check "IPv$fam UDP: VIP new flows +$dn = 16 sockets" test $dn = 16
	check "IPv$fam UDP: no drops ($(jget "$s1" .drops))" test "$(jget "$s1" .drops)" = 0
	lb=$(be_by_name "$s1" packets $fam)
	cl=$(jq -cS .by_backend <<<"$out")
	check "IPv$fam UDP: per-backend packets $lb = datagrams each backend answered $cl" \
		test "$lb" = "$cl"
	figure "IPv$fam UDP: sent $COUNT, lbctl counted $dp packets / $db bytes / $dn flows: error 0"
done

# TCP: 500 short HTTP connections.
v=$TB_VIP_HTTP4
s0=$(vipj "$v")
r0p=$(tb_dev_stat "$TB_NS_C1" c1-rt tx packets)
r0b=$(tb_dev_stat "$TB_NS_C1" c1-rt tx bytes)
out=$(tb_client 1 "$TB_PY" "$TB_TOOL" dist --addr "$TB_VIP4" --count 500 --parallel 8)
sleep 0.5	# let the last FIN/ACKs through
r1p=$(tb_dev_stat "$TB_NS_C1" c1-rt tx packets)
r1b=$(tb_dev_stat "$TB_NS_C1" c1-rt tx bytes)
s1=$(vipj "$v")
check "TCP: 500/500 connections answered" test "$(jget "$out" .ok)" = 500
dn=$(( $(jget "$s1" .new_flows) - $(jget "$s0" .new_flows) ))
check "TCP: VIP new flows +$dn = 500 connections" test $dn = 500
lb=$(be_by_name "$s1" new_flows 4)
cl=$(jq -cS .by_backend <<<"$out")
check "TCP: per-backend new flows $lb = connections each backend answered $cl" test "$lb" = "$cl"
dp=$(( $(jget "$s1" .packets) - $(jget "$s0" .packets) ))
db=$(( $(jget "$s1" .bytes) - $(jget "$s0" .bytes) ))
rp=$((r1p - r0p)) rb=$((r1b - r0b))
check "TCP: VIP packets +$dp within 1% + 10 of $rp the client sent" \
	fcmp "$dp <= $rp && $dp >= $rp * 0.99 - 10"
check "TCP: VIP bytes +$db within 1% + 1000 of $rb the client sent" \
	fcmp "$db <= $rb && $db >= $rb * 0.99 - 1000"
sum=$(jq '[.backends[].packets] | add' <<<"$s1")
check "TCP: backend packets sum to the VIP's ($sum = $(jget "$s1" .packets))" \
	test "$sum" = "$(jget "$s1" .packets)"
figure "TCP: 500 connections, lbctl $dp packets / $db bytes vs client interface $rp / $rb ($(awk -v a=$dp -v b=$rp 'BEGIN { printf "%.2f", (b - a) * 100 / b }')% packets off), new flows exact"
e2e_finish
