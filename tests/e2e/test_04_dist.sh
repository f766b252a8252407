#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 4: distribution. Thousands of new HTTP connections (each answered by
# nginx with the backend's name) spread by weight 100:200:300 within
# TOLERANCE of the expected share (1/6, 2/6, 3/6) for maglev, rr and random,
# IPv4 and IPv6. With sh, every connection of one client address lands on
# one backend, and 16 client addresses use more than one backend.
#
# Tolerance: 3 percentage points of absolute share per backend. With 6000
# connections the sampling error alone has a standard deviation of at most
# 0.65 points (p = 1/2), so 3 points leaves room for the ring's own rounding
# while catching a scheduler that ignores weights (1/3 each: 17 points off).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require

COUNT=6000
TOL=0.03
e2e_up --backends 3 --no-vips

for v in "$TB_VIP_HTTP4" "$TB_VIP_HTTP6"; do
	# shellcheck disable=SC2086
	tb_lbctl vip add $v >/dev/null || nok "vip add $v"
	for n in 1 2 3; do
		# shellcheck disable=SC2086
		tb_lbctl backend add $v "$(tb_be_for_vip "$v" $n)" weight $((100 * n)) >/dev/null ||
			nok "backend add $v backend $n"
	done
done

# measure VIPSPEC ADDR SCHED COUNT
measure() {
	local v=$1 addr=$2 sched=$3 count=$4 out err shares
	# shellcheck disable=SC2086
	tb_lbctl vip set $v sched "$sched" >/dev/null || { nok "vip set $v sched $sched"; return; }
	out=$(tb_client 1 "$TB_PY" "$TB_TOOL" dist --addr "$addr" --count "$count" --parallel 16)
	check "$v $sched: $count/$count connections answered (errors: $(jget "$out" .errors))" \
		test "$(jget "$out" .ok)" = "$count"
	# max |share - weight share| over the three backends
	err=$(jq -r '.by_backend as $b | (.ok) as $t |
		[range(1;4) | (($b["backend-\(.)"] // 0) / $t - . / 6) | fabs] | max' <<<"$out")
	shares=$(jq -r '.by_backend as $b | (.ok) as $t |
		[range(1;4) | "\((($b["backend-\(.)"] // 0) * 1000 / $t | round) / 10)%"] | join(" / ")' <<<"$out")
	check "$v $sched: shares $shares vs 16.7 / 33.3 / 50.0 %: max error $(awk -v e="$err" 'BEGIN { printf "%.2f", e * 100 }') points <= 3" \
		fcmp "$err <= $TOL"
	figure "$v $sched: $count connections in $(jget "$out" .seconds) s, shares $shares, max error $(awk -v e="$err" 'BEGIN { printf "%.2f", e * 100 }') points"
}

measure "$TB_VIP_HTTP4" "$TB_VIP4" maglev $COUNT
measure "$TB_VIP_HTTP6" "$TB_VIP6" maglev $COUNT
measure "$TB_VIP_HTTP4" "$TB_VIP4" rr $COUNT
measure "$TB_VIP_HTTP4" "$TB_VIP4" random $COUNT

# sh: 16 client addresses, 30 connections each.
srcs=()
for i in $(seq 100 115); do
	tb_client 1 ip addr add "198.18.8.$i/32" dev c1-rt
	srcs+=(--src "198.18.8.$i")
done
tb_lbctl vip set $TB_VIP_HTTP4 sched sh >/dev/null || nok "vip set sched sh"
out=$(tb_client 1 "$TB_PY" "$TB_TOOL" dist --addr "$TB_VIP4" --count 480 --parallel 16 "${srcs[@]}")
check "sh: 480/480 connections answered" test "$(jget "$out" .ok)" = 480
multi=$(jq -r '[.by_src[] | select(length != 1)] | length' <<<"$out")
used=$(jq -r '[.by_src[] | keys[]] | unique | length' <<<"$out")
check "sh: each of 16 client addresses always reaches one backend ($multi reached several)" \
	test "$multi" = 0 -a "$(jq -r '.by_src | length' <<<"$out")" = 16
check "sh: the 16 addresses use more than one backend ($used)" test "$used" -ge 2
figure "sh: 16 addresses x 30 connections, $multi addresses split, $used backends used"
e2e_finish
