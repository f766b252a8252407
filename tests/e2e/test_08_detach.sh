#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 8: detach. After `lbctl prog detach`, traffic to the VIP is no longer
# balanced (the xlb host has no route to the VIPs, so it never reaches a
# backend), no XDP program is left on the interface in either mode (generic
# mode is the trap: `ip link set xdp off` would leave it), the interface's
# link settings, addresses and offloads are as before the attach, the pins
# are gone, and the host's own traffic still flows.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_up --backends 2 --no-attach --no-vips

# Everything that describes lb-in, minus counters and the XDP attachment.
snapshot() {
	tb_lb ip -d -j link show dev lb-in | jq -S '.[0] | del(.stats, .stats64, .xdp)'
	tb_lb ip -j addr show dev lb-in | jq -S '.[0].addr_info | map(del(.valid_life_time, .preferred_life_time))'
	tb_lb ethtool -k lb-in
}
xdp_on_dev() {	# any XDP program (driver, generic or offload) on lb-in?
	tb_lb ip -j -d link show dev lb-in | jq -e '.[0].xdp != null' >/dev/null
}
vip_answers() {
	tb_client 1 curl -sS --max-time 2 "http://$TB_VIP4/" 2>/dev/null | grep -q '^backend-'
}

BEFORE=$(snapshot)
check "no XDP program on lb-in before attach" test "$(xdp_on_dev && echo yes)" != yes
check "VIP unreachable before attach" test "$(vip_answers && echo yes)" != yes

for mode in native generic; do
	tb_lbctl prog attach lb-in mode $mode >/dev/null || nok "$mode: prog attach"
	tb_add_vips || nok "$mode: VIPs added"
	check "$mode: attached: XDP program on lb-in" xdp_on_dev
	check "$mode: attached: the VIP is balanced (curl answered by a backend)" vip_answers
	pins=$(find "$XLB_PIN_DIR" -mindepth 1 2>/dev/null | wc -l)
	check "$mode: attached: pins under $XLB_PIN_DIR ($pins)" test "$pins" -gt 0

	out=$(tb_lbctl -j prog detach lb-in)
	check "$mode: lbctl prog detach lb-in ($out)" test "$(jget "$out" .detached)" = lb-in
	check "$mode: detached: lbctl prog show lists nothing" \
		test "$(tb_lbctl -j prog show | jq '.progs | length')" = 0
	check "$mode: detached: no XDP program left on lb-in ($(tb_lb ip -d link show dev lb-in | grep -o 'xdp[a-z]*' | tr '\n' ' '))" \
		test "$(xdp_on_dev && echo yes)" != yes
	AFTER=$(snapshot)
	check "$mode: detached: lb-in link, addresses and offloads as before the attach" \
		test "$AFTER" = "$BEFORE"
	[ "$AFTER" = "$BEFORE" ] || diff <(echo "$BEFORE") <(echo "$AFTER") | sed 's/^/#    /'
	check "$mode: detached: the VIP is no longer balanced (curl fails)" \
		test "$(vip_answers && echo yes)" != yes
	check "$mode: detached: pins removed ($XLB_PIN_DIR)" test ! -e "$XLB_PIN_DIR"
	rx=$(tb_client 1 ping -c 3 -i 0.1 -W 1 -q "$TB_LB4" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	check "$mode: detached: the xlb host still answers ping (${rx:-0}/3)" test "${rx:-0}" = 3
	b=$(tb_backend 1 curl -sS --max-time 2 "http://$TB_VIP4/" 2>/dev/null)
	check "$mode: detached: the backends still serve locally ($b)" test "$b" = backend-1
done
figure "native and generic: attach balanced, detach left lb-in unchanged, no XDP program, no pins"
e2e_finish
