# SPDX-License-Identifier: GPL-2.0
#
# results.awk - one line "NAME STATUS" per test of a kselftest TAP log
# (STATUS pass, fail or skip), then "#plan N" and "#count M".
#
# Test names: the harness' (kselftest_harness.h) "ok N fixture.variant.test"
# lines; the 6.1 harness prints skips as "ok N # SKIP reason", whose name
# comes from the "#  RUN  fixture.variant.test ..." line before. Plain
# ksft_test_result() programs (ipsec.c) name the test after the number.
# A name seen twice gets "#2", "#3", ... appended, so every key is unique.
# A log of several shards (KSFT_SHARD) put side by side has a plan line
# each: the plan is their sum.

/^#  RUN / {
	cur = $3
	next
}

/^1\.\.[0-9]+/ {
	plan += substr($1, 4) + 0
	next
}

/^(not )?ok [0-9]+/ {
	line = $0
	st = "pass"
	if (line ~ /^not /) {
		st = "fail"
		sub(/^not /, "", line)
	}
	sub(/^ok [0-9]+ */, "", line)
	if (line ~ /^# SKIP/ || line ~ / # SKIP/) {
		st = "skip"
		sub(/ *# SKIP.*/, "", line)
	}
	name = line == "" ? cur : line
	gsub(/[ \t]+/, "_", name)
	if (name == "")
		name = "unnamed"
	if (++seen[name] > 1)
		name = name "#" seen[name]
	print name, st
	count++
	cur = ""
}

END {
	print "#plan", plan + 0
	print "#count", count + 0
}
