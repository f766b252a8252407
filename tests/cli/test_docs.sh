#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The README's command list and lbctl's help must not drift: every
# "lbctl OBJECT COMMAND" in any object's help synopsis appears in README.md,
# and every "lbctl OBJECT COMMAND" line in the README's command block is a
# command lbctl knows.
set -u
cd "$(dirname "$0")/../.." || exit 1
LBCTL=build/lbctl
pass=0 fail=0
ok() { pass=$((pass + 1)); }
nok() { echo "FAIL - $*"; fail=$((fail + 1)); }

[ -x "$LBCTL" ] || { echo "FAIL - $LBCTL not built"; echo "0 passed, 1 failed"; exit 1; }
objects=$("$LBCTL" help | sed -n 's/^OBJECT := { \(.*\) }$/\1/p' | tr -d '|')
[ -n "$objects" ] || nok "lbctl help lists no OBJECT := { ... } line"

known=""
for o in $objects; do
	syn=$("$LBCTL" "$o" help | sed -n 's/^\(Usage:\)\{0,1\} *\(lbctl [a-z]* [a-z]*\).*/\2/p' | sort -u)
	[ -n "$syn" ] || nok "lbctl $o help has no synopsis"
	while read -r l; do
		[ -z "$l" ] && continue
		known="$known|$l"
		case $l in *" help") continue ;; esac
		if grep -qF "$l" README.md; then ok; else nok "README.md does not document '$l'"; fi
	done <<<"$syn"
done

# README command block -> lbctl (the block after "VIP := " in "Using lbctl").
while read -r l; do
	if [[ "|$known|" == *"|$l|"* ]]; then ok; else nok "README.md documents '$l', which lbctl's help does not list"; fi
done < <(awk '/^## Using lbctl/ { on = 1 } on && /^```$/ { n++; if (n == 2) exit } on && n == 1 && /^lbctl [a-z]+ [a-z]+/ { print $1, $2, $3 }' README.md | sort -u)

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
