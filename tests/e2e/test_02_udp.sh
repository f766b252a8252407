#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 2: UDP request/response through a UDP VIP (IPv4 and IPv6). The
# backends' service answers "backend-<n> <request>"; the client checks every
# reply carries its own request. One socket (one flow) stays on one backend.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_up --backends 3

COUNT=300
for fam in 4 6; do
	if [ $fam = 4 ]; then addr=$TB_VIP4; else addr=$TB_VIP6; fi
	out=$(tb_client 1 "$TB_PY" "$TB_TOOL" udp --addr "$addr" --count $COUNT --sockets 32 --size 200)
	info "IPv$fam: $out"
	check "IPv$fam: $COUNT/$COUNT UDP requests answered with their own payload" \
		test "$(jget "$out" .ok)" = $COUNT
	check "IPv$fam: no reply lost or wrong (lost $(jget "$out" .lost), wrong $(jget "$out" .wrong))" \
		test "$(jget "$out" '.lost + .wrong')" = 0
	n=$(jget "$out" '.by_backend | length')
	check "IPv$fam: 32 flows spread over more than one backend ($n)" test "$n" -ge 2
	figure "IPv$fam: $(jget "$out" .ok)/$COUNT answered, by backend $(jq -c .by_backend <<<"$out")"

	# One flow (one source port): every datagram to the same backend.
	out=$(tb_client 1 "$TB_PY" "$TB_TOOL" udp --addr "$addr" --count 50 --sockets 1)
	check "IPv$fam: one flow: 50/50 answered" test "$(jget "$out" .ok)" = 50
	check "IPv$fam: one flow: one backend ($(jq -c .by_backend <<<"$out"))" \
		test "$(jget "$out" '.by_backend | length')" = 1
done

# The counters saw UDP flows to the UDP VIPs.
for v in "$TB_VIP_UDP4" "$TB_VIP_UDP6"; do
	nf=$(vip_stat "$v" .new_flows)
	check "$v: lbctl counts 33 new flows ($nf)" test "$nf" = 33
done
e2e_finish
