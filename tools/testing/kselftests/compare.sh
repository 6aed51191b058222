#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh - compare kselftest runs test by test against a baseline.
#
# Usage: compare.sh NUM NAME BASELINE.log OTHER.log [LABEL [EXPECTED]]
#
# Prints one TAP result (number NUM) for the kselftest binary NAME: ok when
# OTHER ran every test of BASELINE with the same outcome (pass, fail or
# skip) and both runs are complete (as many results as the plan announced);
# before it, a "#" line with each run's counts, and one "#" line per test
# whose outcome differs or that is missing from one run. LABEL names OTHER
# (default "other"). Exit status 0 when equal, 1 otherwise.
#
# With EXPECTED, a file of lines "TEST BASELINE OTHER reason..." (# starts
# a comment), the runs must differ in exactly those tests, with exactly
# those outcomes: a difference it does not list fails, and so does one it
# lists that did not happen.
set -euo pipefail
export LC_ALL=C
here=$(dirname "${BASH_SOURCE[0]}")
[ $# -ge 4 ] || { echo "usage: $0 NUM NAME BASELINE OTHER [LABEL]" >&2; exit 2; }
num=$1 name=$2 base=$3 other=$4 label=${5:-other} expected=${6:-}

res() { awk -f "$here/results.awk" "$1"; }
# counts RESULTS: "tests P pass, F fail, S skip (plan N)"
counts() {
	awk '$1 == "#plan" { plan = $2; next } $1 == "#count" { next }
		{ n++; c[$2]++ }
		END { printf "%d tests: %d pass, %d fail, %d skip (plan %d)",
			n, c["pass"], c["fail"], c["skip"], plan }' <<<"$1"
}
complete() {
	awk '$1 == "#plan" { p = $2 } $1 == "#count" { c = $2 }
		END { exit !(p > 0 && p == c) }' <<<"$1"
}

rb=$(res "$base")
ro=$(res "$other")
echo "# $name baseline: $(counts "$rb")"
echo "# $name $label: $(counts "$ro")"
diffs=$(join -a 1 -a 2 -e missing -o 0,1.2,2.2 \
	<(grep -v '^#' <<<"$rb" | sort) <(grep -v '^#' <<<"$ro" | sort) |
	awk '$2 != $3')
ok=1
complete "$rb" || { echo "# $name baseline: incomplete (fewer results than planned)"; ok=0; }
complete "$ro" || { echo "# $name $label: incomplete (fewer results than planned)"; ok=0; }
if [ -n "$expected" ]; then
	exp=$(sed 's/#.*//' "$expected" | awk 'NF >= 3 { print $1, $2, $3 }' | sort)
	if [ -n "$diffs" ]; then
		echo "# $name differences (test baseline $label), as $(basename "$expected") lists them:"
		while read -r l; do
			if grep -qxF "$l" <<<"$exp"; then
				echo "#   $l"
			else
				echo "#   $l   NOT LISTED"
				ok=0
			fi
		done <<<"$diffs"
	fi
	while read -r l; do
		[ -n "$l" ] || continue
		grep -qxF "$l" <<<"$diffs" && continue
		echo "#   $l   listed, did not happen"
		ok=0
	done <<<"$exp"
	if [ $ok -eq 1 ]; then
		echo "ok $num $name: $label differs from baseline exactly as listed"
		exit 0
	fi
	echo "not ok $num $name: $label differs from baseline otherwise than listed"
	exit 1
fi
if [ -n "$diffs" ]; then
	ok=0
	echo "# $name differences (test baseline $label):"
	sed 's/^/#   /' <<<"$diffs"
fi
if [ $ok -eq 1 ]; then
	echo "ok $num $name: $label equals baseline, test by test"
	exit 0
fi
echo "not ok $num $name: $label differs from baseline"
exit 1
