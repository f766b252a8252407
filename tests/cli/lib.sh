# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared by the cli tests: skips that say why, and the case counters.
# shellcheck shell=bash

pass=0
fail=0

# cli_require_root WHY: skip (77) unless root.
cli_require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "skip: needs root ($1)"
		exit 77
	fi
}

# cli_require_tools TOOL...: skip (77) naming the first one missing.
cli_require_tools() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "skip: $t is not installed"
			exit 77
		fi
	done
}

ok() { pass=$((pass + 1)); echo "ok   - $1"; }
ko() {	# ko DESC [DETAIL...]
	fail=$((fail + 1))
	echo "FAIL - $1"
	[ $# -gt 1 ] && printf '       %s\n' "${@:2}"
	return 0
}

# finish: the summary line; exit status 0 when nothing failed.
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
	exit
}

# cli_require_lbctl: fail (not skip) when the binary under test is missing.
cli_require_lbctl() {
	if [ ! -x "$LBCTL" ]; then
		ko "lbctl is built" "$LBCTL missing: make build/lbctl"
		finish
	fi
}
