#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 6: the xlb host's own services keep working while xlb is attached (a
# TCP echo service and a UDP service on the host's own addresses, IPv4 and
# IPv6), and a ping of a VIP is answered (by xlb itself, XDP_TX).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_up --backends 2

# The host's own service: tbtool serve on its own addresses, named xlb-host.
tb_bg "$TB_NS_LB" "$TB_DIR/lbserve.log" "$TB_PY" "$TB_TOOL" serve --name xlb-host \
	--addr "$TB_LB4" --addr "$TB_LB6" >/dev/null
tb_wait 10 tb__listening "$TB_NS_LB" 7000 t || nok "xlb host service listening"
check "xlb is attached to lb-in" \
	test "$(tb_lbctl -j prog show | jq -r '.progs[] | select(.dev == "lb-in") | .dev')" = lb-in

for fam in 4 6; do
	if [ $fam = 4 ]; then addr=$TB_LB4 vip=$TB_VIP4; else addr=$TB_LB6 vip=$TB_VIP6; fi
	out=$(tb_client 1 "$TB_PY" "$TB_TOOL" connhold --addr "$addr" --port 7000 --conns 20 \
		--duration 3 --connect-timeout 5 | jq -c 'del(.per_conn)')
	info "IPv$fam host TCP: $out"
	check "IPv$fam: 20 TCP connections to the xlb host's own service, every byte echoed" \
		test "$(jget "$out" '.established == 20 and .errors == 0 and .corrupt == 0 and .bytes_echoed > 0')" = true
	check "IPv$fam: answered by the host itself ($(jget "$out" '.by_backend | keys | join(",")'))" \
		test "$(jget "$out" '.by_backend | keys[0]')" = xlb-host
	out=$(tb_client 1 "$TB_PY" "$TB_TOOL" udp --addr "$addr" --port 53 --count 100)
	check "IPv$fam: 100/100 UDP requests to the xlb host answered by it" \
		test "$(jget "$out" '.by_backend["xlb-host"]')" = 100
	figure "IPv$fam: host service: 20 TCP connections ok, $(jget "$out" .ok)/100 UDP"

	e0=$(glob_stat tx_icmp_echo packets)
	rx=$(tb_client 1 ping -$fam -c 10 -i 0.05 -W 1 -q "$vip" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	e1=$(glob_stat tx_icmp_echo packets)
	check "IPv$fam: ping $vip: 10/10 replies (${rx:-0})" test "${rx:-0}" = 10
	check "IPv$fam: the replies came from xlb (tx_icmp_echo +$((e1 - e0)))" test $((e1 - e0)) = 10
	rx=$(tb_client 1 ping -$fam -c 5 -i 0.05 -W 1 -q "$addr" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	check "IPv$fam: ping of the host's own address $addr: 5/5 replies" test "${rx:-0}" = 5
	figure "IPv$fam: ping VIP 10/10, xlb answered $((e1 - e0))"
done
e2e_finish
