#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 1: HTTP over IPv4 and IPv6 (curl -> VIP -> xlb -> nginx on the
# backends), with the replies coming straight from the backends (DSR). Run
# with xlb in native mode, then again in generic mode (whatever XLB_E2E_MODE).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require

REQS=30

run_mode() {	# native|generic
	local mode=$1 fam url vip who seen n bad lb_rx0 lb_rx1 lb_tx0 lb_tx1 rt_c0 rt_c1
	local vbytes0 vbytes1 big sum
	XLB_E2E_MODE=$mode e2e_up --backends 3
	info "testbed $TB_ID: 3 backends, xlb $mode on lb-in"
	check "$mode: lbctl prog show reports lb-in in $mode mode" \
		test "$(tb_lbctl -j prog show | jq -r '.progs[] | select(.dev == "lb-in") | .mode')" = "$mode"

	for fam in 4 6; do
		if [ $fam = 4 ]; then url=http://$TB_VIP4; vip=$TB_VIP_HTTP4
		else url="http://[$TB_VIP6]"; vip=$TB_VIP_HTTP6; fi
		bad=0; seen=""
		for _ in $(seq $REQS); do
			who=$(tb_client 1 curl -sS -g --max-time 3 "$url/") || { bad=$((bad + 1)); continue; }
			case $who in
			backend-[0-9]*) seen="$seen $who" ;;
			*) bad=$((bad + 1)) ;;
			esac
		done
		n=$(tr ' ' '\n' <<<"$seen" | sort -u | grep -c .)
		check "$mode: IPv$fam: $REQS/$REQS curl requests answered by a backend (failed: $bad)" \
			test "$bad" = 0
		check "$mode: IPv$fam: answers come from more than one backend ($n)" test "$n" -ge 2
		figure "$mode IPv$fam: $((REQS - bad))/$REQS answered, $n backends seen"

		# DSR: a 4 MB download whose bytes never cross the xlb host. Counted
		# on the router's side of the router<->xlb link (what it sent to and
		# received from the xlb host), not by the xlb host itself.
		lb_rx0=$(tb_dev_stat "$TB_NS_RT" rt-lb tx bytes)
		lb_tx0=$(tb_dev_stat "$TB_NS_RT" rt-lb rx bytes)
		rt_c0=$(tb_dev_stat "$TB_NS_RT" rt-c1 tx bytes)
		vbytes0=$(vip_stat "$vip" .bytes)
		sum=$(tb_client 1 curl -sS -g --max-time 20 "$url/big" | sha256sum | cut -d' ' -f1)
		big=$(sha256sum "$TB_BIG" | cut -d' ' -f1)
		lb_rx1=$(tb_dev_stat "$TB_NS_RT" rt-lb tx bytes)
		lb_tx1=$(tb_dev_stat "$TB_NS_RT" rt-lb rx bytes)
		rt_c1=$(tb_dev_stat "$TB_NS_RT" rt-c1 tx bytes)
		vbytes1=$(vip_stat "$vip" .bytes)
		check "$mode: IPv$fam: 4 MB download through the VIP is intact" test "$sum" = "$big"
		check "$mode: IPv$fam: the client received >= 4 MB from the router" \
			test $((rt_c1 - rt_c0)) -ge "$TB_BIG_BYTES"
		check "$mode: IPv$fam: xlb host received < 1 MB (requests and ACKs only: $((lb_rx1 - lb_rx0)) B)" \
			test $((lb_rx1 - lb_rx0)) -lt 1048576
		check "$mode: IPv$fam: nothing returned through the xlb host (router got $((lb_tx1 - lb_tx0)) B)" \
			test $((lb_tx1 - lb_tx0)) -lt 65536
		check "$mode: IPv$fam: xlb counted the request direction only (VIP bytes +$((vbytes1 - vbytes0)))" \
			test $((vbytes1 - vbytes0)) -gt 0 -a $((vbytes1 - vbytes0)) -lt 1048576
		figure "$mode IPv$fam DSR: client got $((rt_c1 - rt_c0)) B, xlb host saw $((lb_rx1 - lb_rx0)) B in, $((lb_tx1 - lb_tx0)) B out"
	done
	tb_down "$TB_ID"
	trap - EXIT INT TERM
}

run_mode native
run_mode generic
e2e_finish
