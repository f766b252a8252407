# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Shared by tests/e2e/test_*.sh: pass/fail bookkeeping, skips, and lbctl JSON
# helpers on top of the netns testbed (tools/testbed/lib.sh). Each test brings
# up its own testbed (torn down by the testbed's EXIT trap) and ends with
# e2e_finish, which prints "N passed, N failed".
set -u

E2E_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tools/testbed/lib.sh
. "$E2E_REPO/tools/testbed/lib.sh"

E2E_PASS=0
E2E_FAIL=0
E2E_T0=$SECONDS
E2E_NAME=$(basename "$0" .sh)

ok() { E2E_PASS=$((E2E_PASS + 1)); echo "ok   - $*"; }
nok() { E2E_FAIL=$((E2E_FAIL + 1)); echo "FAIL - $*"; }
# check DESCRIPTION CMD...: one case, passing when CMD succeeds.
check() {
	local d=$1; shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
info() { echo "#    $*"; }
# A figure for the closing note: "figure: <test>: <text>".
figure() { echo "figure: $E2E_NAME: $*"; }

e2e_skip() { echo "skip: $E2E_NAME: $*"; exit 77; }

e2e_require() {
	local t
	[ "$(id -u)" = 0 ] || e2e_skip "needs root"
	for t in nsenter ip ethtool nginx curl jq ping ss "$TB_PY"; do
		command -v "$t" >/dev/null || e2e_skip "$t not installed (make deps)"
	done
	[ -d /sys/fs/bpf ] || e2e_skip "no bpffs"
	# A missing lbctl is a build failure, not a reason to skip.
	if [ ! -x "$E2E_REPO/build/lbctl" ]; then
		nok "build/lbctl exists (run make)"
		e2e_finish
	fi
}

e2e_finish() {
	echo "# $E2E_NAME: $((SECONDS - E2E_T0)) s"
	echo "$E2E_PASS passed, $E2E_FAIL failed"
	[ "$E2E_FAIL" = 0 ]
	exit
}

# Bring up a testbed for this test (id: e<pid>), or fail the test.
# XLB_E2E_MODE=generic runs the suite with xlb in generic (skb) mode.
e2e_up() {
	local -a mode=()
	[ "${XLB_E2E_MODE:-native}" = generic ] && mode=(--generic)
	if ! tb_up --name "e$$" "${mode[@]}" "$@"; then
		nok "testbed up $*"
		e2e_finish
	fi
}

# lbctl -j stats show VIP | jq FILTER (on the VIP object)
vip_stat() {	# VIPSPEC JQ-FILTER
	local v=$1
	# shellcheck disable=SC2086
	tb_lbctl -j stats show $v | jq -r ".vips[0] | $2"
}
# Global counter: glob_stat REASON packets|bytes
glob_stat() {
	tb_lbctl -j stats show | jq -r ".global.$1.$2"
}

# Client-side JSON from tbtool: jget JSON FILTER
jget() { jq -r "$2" <<<"$1"; }

# Floating-point comparison: fcmp "EXPR" (awk), e.g. fcmp "0.01 < 0.03"
fcmp() { awk "BEGIN { exit !($1) }"; }
