#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the XTCP selftests that `make -C selftests` built, one after another
# (no make needed here, e.g. inside the VM), passing their TAP through as
# kselftest's runner does (each program's output prefixed with "# ", one
# "ok"/"not ok" line per program).  The last line counts the individual
# test cases (harness TESTs and shell subtests) of all programs:
#
#   N passed, N failed[, N skipped]
#
# A program that crashes, exits non-zero without a failing case, prints no
# result, reports fewer results than its plan, or runs past the timeout
# counts as one more failed case.  Exit status: 0 when nothing failed.
#
#   selftests/run_all.sh [-t SECONDS] [NAME...]   run all, or only NAMEs
#   selftests/run_all.sh -l                      list the test programs
#
# NAME is a program name (xtcp_bind, netns_bind.sh or netns_bind; those of
# TEST_PROGS_EXTENDED run only when named); the
# XTCP_TESTS environment variable (space-separated names) does the same.
# -t (or XTCP_TEST_TIMEOUT) is the per-program timeout, default 120 s.
# A program that needs longer declares it within the first 40 lines of
# its source (the script itself, or NAME.c for a built program NAME):
#
#   # timeout=300        (shell)        * timeout=300        (C comment)
#
# and gets the larger of that and -t (so the debug kernel's 600 s wins).
# When /sys/module/xtcp is absent the XTCP cases fail: load the module first.

set -u

dir=$(cd "$(dirname "$0")" && pwd)
timeout_s=${XTCP_TEST_TIMEOUT:-120}
list_only=

usage() {
	sed -n 's/^#   selftests/  selftests/p' "$0" >&2
	exit 2
}

while getopts "lt:h" opt; do
	case $opt in
	l) list_only=1 ;;
	t) timeout_s=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

# The test programs, as the Makefile lists them (TEST_GEN_PROGS, then
# TEST_PROGS), so that there is one list only.
make_var() {
	sed -e ':a' -e '/\\$/N; s/\\\n/ /; ta' "$dir/Makefile" |
		sed -n "s/^$1[[:space:]]*[:+]\{0,1\}=[[:space:]]*//p" | tr '\n' ' '
}
read -r -a all <<<"$(make_var TEST_GEN_PROGS) $(make_var TEST_PROGS)"
# TEST_PROGS_EXTENDED: run only when named
read -r -a extended <<<"$(make_var TEST_PROGS_EXTENDED)"

if [ -n "$list_only" ]; then
	printf '%s\n' "${all[@]}"
	exit 0
fi

want=("$@")
if [ ${#want[@]} -eq 0 ] && [ -n "${XTCP_TESTS:-}" ]; then
	read -r -a want <<<"$XTCP_TESTS"
fi
tests=()
if [ ${#want[@]} -eq 0 ]; then
	tests=("${all[@]}")
else
	for w in "${want[@]}"; do
		found=
		for t in "${all[@]}" "${extended[@]}"; do
			if [ "$w" = "$t" ] || [ "$w.sh" = "$t" ]; then
				tests+=("$t")
				found=1
			fi
		done
		if [ -z "$found" ]; then
			echo "run_all.sh: no test named '$w' (have: ${all[*]})" >&2
			exit 2
		fi
	done
fi

# prog_timeout NAME: the timeout of program NAME (see above)
prog_timeout() {
	local src=$dir/$1 n
	[ -f "$src.c" ] && src=$src.c
	n=$(sed -n -E '1,40s/^(#| \*) *timeout=([0-9]+) *$/\2/p' "$src" 2>/dev/null |
		head -n 1)
	if [ -n "$n" ] && [ "$n" -gt "$timeout_s" ]; then
		echo "$n"
	else
		echo "$timeout_s"
	fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xtcp-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
n=0

echo "TAP version 13"
echo "1..${#tests[@]}"
if [ ! -d /sys/module/xtcp ] && [ -z "${XTCP_FAMILY:-}" ]; then
	echo "# note: /sys/module/xtcp is absent: the XTCP cases will fail"
fi

for t in "${tests[@]}"; do
	n=$((n + 1))
	out=$tmp/out
	echo "# selftests: xtcp: $t"
	if [ ! -x "$dir/$t" ]; then
		echo "# $dir/$t is missing or not executable (make -C selftests)"
		echo "not ok $n selftests: xtcp: $t # not built"
		failed=$((failed + 1))
		continue
	fi
	tmo=$(prog_timeout "$t")
	start=$(date +%s)
	(cd "$dir" && exec timeout -k 10 "$tmo" "./$t") </dev/null 2>&1 |
		tee "$out" | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	# what XTCP still holds (time-wait socks may stay): finds a leak's test
	[ ! -r /sys/module/xtcp/parameters/objects ] ||
		echo "# xtcp objects after $t: $(cat /sys/module/xtcp/parameters/objects)"

	p=$(grep -cE '^ok [0-9]+' "$out" | head -n 1)
	s=$(grep -cE '^ok [0-9]+.*# *[Ss][Kk][Ii][Pp]' "$out" | head -n 1)
	f=$(grep -cE '^not ok [0-9]+' "$out" | head -n 1)
	p=$((p - s))
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | tail -n 1)
	why=
	if grep -qE '^1\.\.0 # *[Ss][Kk][Ii][Pp]' "$out" && [ $((p + f + s)) -eq 0 ]; then
		s=1
	elif [ -n "$plan" ] && [ $((p + f + s)) -lt "$plan" ]; then
		why="$((plan - p - f - s)) of $plan planned results missing"
		f=$((f + plan - p - f - s))
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${tmo}s${why:+; $why}"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ] && [ "$f" -eq 0 ]; then
		why="exit status $rc without a failed case${why:+; $why}"
		f=$((f + 1))
	elif [ $((p + f + s)) -eq 0 ]; then
		why="no results"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	summary="$p passed, $f failed, $s skipped, ${secs}s"
	if [ "$f" -eq 0 ]; then
		echo "ok $n selftests: xtcp: $t # $summary"
	else
		echo "not ok $n selftests: xtcp: $t # $summary${why:+; $why}"
	fi
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
