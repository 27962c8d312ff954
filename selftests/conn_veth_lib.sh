# SPDX-License-Identifier: GPL-2.0
#
# Shared part of conn_veth.sh and conn_veth_capture.sh (sourced, not a
# test): TAP output, two network namespaces joined by a veth pair (A: va
# 10.0.0.1/24, the client side; B: vb 10.0.0.2/24, the server side) held
# by "sleep" processes (no /run/netns entry outlives the test), and
# xtcp_conn_tool servers and clients.
#
# The scripts run under TCG, where every process started costs tens of
# milliseconds: waits poll with bash builtins only.

set -u

dir=$(cd "$(dirname "$0")" && pwd)
tool=$dir/xtcp_conn_tool
tmp=$(mktemp -d /tmp/xtcp-connveth.XXXXXX)
nsa=
nsb=
bg=()
num=0
nfail=0
xtcp_ok=
xtcp_why=
start=$(date +%s)
TO=20			# seconds, for every transfer (a stall fails it)

ok()   { num=$((num + 1)); echo "ok $num $*"; }
nok()  { num=$((num + 1)); nfail=$((nfail + 1)); echo "not ok $num $*"; }
skip() { num=$((num + 1)); echo "ok $num $1 # SKIP $2"; }
diag() { echo "# $*"; }

cleanup() {
	local p
	for p in "${bg[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${bg[@]}"; do
		wait "$p" 2>/dev/null
	done
	bg=()
	for p in $nsa $nsb; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	nsa=
	nsb=
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# snooze SECONDS: sleep without starting a process (read times out on a
# pipe nobody writes to)
exec {snooze_fd}<> <(:)
snooze() { read -r -t "$1" -u "$snooze_fd" _ || :; }

in_ns() { # in_ns PID CMD...
	local ns=$1
	shift
	nsenter -t "$ns" -n "$@"
}

netns_of() { readlink "/proc/$1/ns/net" 2>/dev/null; }

have() { command -v "$1" >/dev/null 2>&1; }

# field FILE WORD N: field N (1 or 2) after WORD of FILE's line "WORD a b"
field() {
	local w a b
	while read -r w a b _; do
		if [ "$w" = "$2" ]; then
			[ "$3" = 1 ] && echo "$a" || echo "$b"
			return
		fi
	done <"$1"
}

# the first line of FILE starts with PREFIX
first_is() {
	local l=
	read -r l <"$1" 2>/dev/null
	[[ $l == "$2"* ]]
}

show() { # show FILE...: the files' lines as diagnostics
	local f l
	for f in "$@"; do
		[ -s "$f" ] || continue
		while IFS= read -r l; do
			echo "#   ${f##*/}: $l"
		done <"$f"
	done
	return 0
}

# ---------------------------------------------------------------------
# Servers in B, clients in A

# srv_tool FAM OUT MODE PORT [ARGS...]: an xtcp_conn_tool server; waits
# until it listens.  SRV_PID.
srv_tool() {
	local fam=$1 out=$2 mode=$3 port=$4 i
	shift 4
	: >"$out"
	in_ns "$nsb" "$tool" --family "$fam" --timeout "$TO" "$mode" \
		"10.0.0.2:$port" "$@" >"$out" 2>&1 &
	SRV_PID=$!
	bg+=("$SRV_PID")
	for ((i = 0; i < 500; i++)); do
		first_is "$out" listening && return 0
		first_is "$out" error && break
		snooze 0.02
	done
	show "$out"
	return 1
}

# srv_nc OUT PORT [NC-ARGS...]: stock netcat listening in B; stdin from
# $NC_IN (default /dev/null).  SRV_PID.  Its client retries until nc
# listens (cli with CLI_RETRY=1).
srv_nc() {
	local out=$1 port=$2
	shift 2
	in_ns "$nsb" timeout "$TO" nc "$@" -l 10.0.0.2 "$port" \
		<"${NC_IN:-/dev/null}" >"$out" 2>"$out.err" &
	SRV_PID=$!
	bg+=("$SRV_PID")
}

# wait_listen OUT: until the tool writing OUT says "listening" (1 on
# "error" or after 10 s, with OUT shown)
wait_listen() {
	local i
	for ((i = 0; i < 500; i++)); do
		first_is "$1" listening && return 0
		first_is "$1" error && break
		snooze 0.02
	done
	show "$1"
	return 1
}

# xtcp_is_inet: true when XTCP_FAMILY makes the tool's "xtcp" AF_INET
# (the suite run against stock TCP only)
xtcp_is_inet() { [ "${XTCP_FAMILY:-}" = 2 ]; }

srv_wait() {
	local rc p n=()
	wait "$SRV_PID" 2>/dev/null
	rc=$?
	for p in "${bg[@]}"; do
		[ "$p" != "$SRV_PID" ] && n+=("$p")
	done
	bg=("${n[@]}")
	return $rc
}

# cli FAM OUT MODE PORT [ARGS...]: the tool as a client in A; with
# CLI_RETRY=1, tries again for up to 5 s while the connection is refused
cli() {
	local fam=$1 out=$2 mode=$3 port=$4 i
	shift 4
	for ((i = 0; i < 100; i++)); do
		in_ns "$nsa" "$tool" --family "$fam" --timeout "$TO" "$mode" \
			"10.0.0.2:$port" "$@" >"$out" 2>&1
		[ "${CLI_RETRY:-}" = 1 ] && first_is "$out" "error connect ECONNREFUSED" ||
			return 0
		snooze 0.05
	done
}

# check NAME WANT_BYTES WANT_SUM GOT_BYTES GOT_SUM [FILES TO SHOW...]
check() {
	local name=$1 wb=$2 ws=$3 gb=$4 gs=$5
	shift 5
	if [ "$gb" = "$wb" ] && [ "$gs" = "$ws" ]; then
		ok "$name"
	else
		nok "$name (got ${gb:-nothing} bytes ${gs:0:16}.., want $wb ${ws:0:16}..)"
		show "$@"
	fi
}

# fam_skip FAM...: prints why a case with these families must SKIP, if so
fam_skip() {
	local f
	for f in "$@"; do
		if [ "$f" = xtcp ] && [ -z "$xtcp_ok" ]; then
			echo "$xtcp_why"
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------------------
# Start: TAP header, namespaces, does XTCP connect?

setup() {
	local self i
	modprobe veth 2>/dev/null
	self=$(netns_of $$)
	unshare -n sleep 3600 &
	nsa=$!
	unshare -n sleep 3600 &
	nsb=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(netns_of "$nsa")" != "$self" ] &&
			[ "$(netns_of "$nsb")" != "$self" ] && break
		snooze 0.02
	done
	[ "$(netns_of "$nsa")" != "$self" ] || return 1
	[ "$(netns_of "$nsb")" != "$self" ] || return 1
	in_ns "$nsa" ip link set lo up &&
	in_ns "$nsb" ip link set lo up &&
	in_ns "$nsa" ip link add va type veth peer name vb netns "$nsb" &&
	in_ns "$nsa" ip addr add 10.0.0.1/24 dev va &&
	in_ns "$nsb" ip addr add 10.0.0.2/24 dev vb &&
	in_ns "$nsa" ip link set va up &&
	in_ns "$nsb" ip link set vb up
}

veth_start() {
	local r
	echo "TAP version 13"
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root"
		exit 4
	fi
	if [ ! -x "$tool" ]; then
		echo "Bail out! $tool not built (make -C selftests)"
		exit 1
	fi
	if setup; then
		ok "setup: netns A (va 10.0.0.1/24) and B (vb 10.0.0.2/24) over veth"
	else
		nok "setup: netns A and B over veth"
		echo "Bail out! no namespaces"
		exit 1
	fi
	# to a closed port of B: ECONNREFUSED when XTCP tries to connect
	r=$(in_ns "$nsa" "$tool" --family xtcp --timeout "$TO" connect 10.0.0.2:9 2>&1)
	case "$r" in
	"connect ECONNREFUSED")
		xtcp_ok=1
		ok "xtcp: connect() to a closed port of B: ECONNREFUSED" ;;
	"connect EOPNOTSUPP")
		xtcp_why="connection path not implemented yet (XTCP connect() gives EOPNOTSUPP)"
		skip "xtcp: connect() to a closed port of B" "$xtcp_why" ;;
	*)
		xtcp_why="XTCP connect() to a closed port failed: $r"
		nok "xtcp: connect() to a closed port of B ($r; is xtcp.ko loaded?)" ;;
	esac
}

veth_end() {
	diag "$(($(date +%s) - start)) s"
	echo "1..$num"
	[ "$nfail" -eq 0 ]
}
