#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The simulator on real and synthetic traces: the README's claims, checked.
# xlb's combined policy must keep at most half of HPA's overload-seconds at
# no more than 10% more backend-hours on the test half of each trace, and the
# HPA model must stay near the issue's cross-check (NASA, whole trace after a
# 2-day warm-up, lead 60 s: about 48,000 overload-s and 6,900 backend-h).
set -u
cd "$(dirname "$0")/../.." || exit 1
SIM=build/xlb-sim
pass=0 fail=0
ok() { echo "ok   - $*"; pass=$((pass + 1)); }
nok() { echo "FAIL - $*"; fail=$((fail + 1)); }

[ -x "$SIM" ] || { echo "FAIL - $SIM not built"; echo "0 passed, 1 failed"; exit 1; }

# row POLICY OUTPUT -> "overload-s backend-h overload-ratio cost-ratio"
row() { awk -v p="$1" '$1 == p { print $2, $5, $7, $8 }' <<<"$2"; }

goal() {	# NAME OUTPUT
	local r o c
	r=$(row xlb-combined "$2")
	read -r _ _ o c <<<"$r"
	if [ -n "$o" ] && awk -v o="$o" -v c="$c" 'BEGIN { exit !(o <= 0.5 && c <= 1.10) }'; then
		ok "$1: xlb-combined overload ${o}x HPA at ${c}x its backend-hours"
	else
		nok "$1: xlb-combined overload ${o:-?}x HPA at ${c:-?}x backend-hours (goal <= 0.5x at <= 1.10x)"
	fi
}

out=$("$SIM" --synthetic --lead 60 --split test 2>&1)
goal "synthetic, lead 60, test half" "$out"

if [ -z "${XLB_TRACES:-}" ] && [ ! -r ../shared/traces/nasa-http-1995-rps.tbz2 ]; then
	echo "skip - NASA trace not found (set XLB_TRACES to its folder): NASA checks not run"
else
	out=$("$SIM" --nasa --lead 60 --split test 2>&1)
	goal "NASA, lead 60, test half" "$out"
	out=$("$SIM" --nasa --lead 60 --split all --rows hpa 2>&1)
	read -r ov bh _ _ <<<"$(row hpa "$out")"
	if [ -n "$ov" ] && awk -v o="$ov" -v b="$bh" \
		'BEGIN { exit !(o > 0.8 * 48000 && o < 1.2 * 48000 && b > 0.8 * 6900 && b < 1.2 * 6900) }'; then
		ok "HPA model cross-check: $ov overload-s, $bh backend-h (issue: ~48,000 / ~6,900, within 20%)"
	else
		nok "HPA model cross-check: ${ov:-?} overload-s, ${bh:-?} backend-h (issue: ~48,000 / ~6,900)"
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
