#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 5: path MTU. The xlb->backend links are lowered to MTU 1500, so a
# client's full-size packet (1500) no longer fits once encapsulated (1520 /
# 1540). A 50 MB upload (checked by SHA-256 on the backend) must still
# complete: xlb answers the first too-big packet with ICMP "fragmentation
# needed" / ICMPv6 "packet too big", and the client's TCP lowers its MSS.
# First a control upload at MTU 1600 (no ICMP expected), then v4 and v6.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require
e2e_up --backends 2

BYTES=$((50 * 1024 * 1024))

upload() {	# ADDR -> JSON
	tb_client 1 "$TB_PY" "$TB_TOOL" upload --addr "$1" --bytes "$BYTES" --timeout 60
}

tb0=$(glob_stat tx_icmp_too_big packets)
out=$(upload "$TB_VIP4")
info "control: $out"
check "control (MTU 1600): 50 MB IPv4 upload intact" test "$(jget "$out" .ok)" = true
check "control: path MTU stays 1500 ($(jget "$out" .path_mtu))" test "$(jget "$out" .path_mtu)" = 1500
check "control: no ICMP too big sent" test "$(glob_stat tx_icmp_too_big packets)" = "$tb0"

for n in $(seq "$TB_BACKENDS"); do
	tb_lb ip link set dev "lb-b$n" mtu 1500
done
info "xlb->backend links lowered to MTU 1500"

for fam in 4 6; do
	if [ $fam = 4 ]; then addr=$TB_VIP4 want=1480; else addr=$TB_VIP6 want=1460; fi
	tb0=$(glob_stat tx_icmp_too_big packets)
	t0=$SECONDS
	out=$(upload "$addr")
	info "IPv$fam: $out"
	tb1=$(glob_stat tx_icmp_too_big packets)
	check "IPv$fam: 50 MB upload through a 1500-byte tunnel link completes intact" \
		test "$(jget "$out" .ok)" = true
	check "IPv$fam: xlb sent ICMP too big ($((tb1 - tb0)))" test $((tb1 - tb0)) -ge 1
	check "IPv$fam: the client learned path MTU $want ($(jget "$out" .path_mtu))" \
		test "$(jget "$out" .path_mtu)" = $want
	figure "IPv$fam: 50 MB in $(jget "$out" .seconds) s ($(jget "$out" .mbit_s) Mbit/s), path MTU $(jget "$out" .path_mtu), $((tb1 - tb0)) ICMP too big sent, $((SECONDS - t0)) s"
done
e2e_finish
