#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: unmodified programs over XTCP through scripts/xtcp_run
# (LD_PRELOAD of build/libxtcp_preload.so), in a network namespace of
# their own over 127.0.0.1.  Every "over XTCP" case checks the bytes that
# arrived (SHA-256) and that XTCP's counters (/proc/net/xtcp_stat:
# ActiveOpens, PassiveOpens) moved, so that a program that silently used
# stock TCP (IPv6, a static binary) fails the case:
#   nc -> nc, curl -> python3 http.server, iperf3 (-R, -P 4, -C cubic),
#   XTCP_PORTS mixing both stacks, UDP untouched, LD_PRELOAD kept, and
#   the fallback to stock TCP (and strict mode's failure) when AF_XTCP is
#   not registered (simulated with XTCP_FAMILY of an unused family).
#
# TAP output.  Needs root, unshare, nc (netcat-openbsd), curl, python3,
# iperf3.

set -u

dir=$(cd "$(dirname "$0")" && pwd)
run=$dir/../scripts/xtcp_run
tmp=$(mktemp -d /tmp/xtcp-run.XXXXXX)
num=0
nfail=0
bg=()

ok()   { num=$((num + 1)); echo "ok $num $*"; }
nok()  { num=$((num + 1)); nfail=$((nfail + 1)); echo "not ok $num $*"; }
skip() { num=$((num + 1)); echo "ok $num $1 # SKIP $2"; }
diag() { echo "# $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

cleanup() {
	local p
	for p in "${bg[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# The rest runs in a network namespace of its own (counters start at 0).
if [ -z "${XTCP_RUN_IN_NS:-}" ]; then
	echo "TAP version 13"
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root"
		exit 4
	fi
	XTCP_RUN_IN_NS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up

ctr() { # ctr NAME: XTCP counter NAME (0 when absent)
	local n v
	while read -r n v; do
		[ "$n" = "$1" ] && { echo "$v"; return; }
	done </proc/net/xtcp_stat 2>/dev/null
	echo 0
}

# wait_listen PORT: until something listens on 127.0.0.1:PORT (either
# stack), up to 10 s
wait_listen() {
	local hex i
	hex=$(printf '%04X' "$1")
	for ((i = 0; i < 200; i++)); do
		grep -q ":$hex 00000000:0000 0A" /proc/net/xtcp /proc/net/tcp \
			2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# opened NAME A0 P0 WANT_A WANT_P: ActiveOpens/PassiveOpens moved by at
# least WANT_A/WANT_P (0: by exactly 0) since A0/P0
opened() {
	local name=$1 a=$(($(ctr ActiveOpens) - $2)) p=$(($(ctr PassiveOpens) - $3))
	local wa=$4 wp=$5
	if { [ "$wa" -eq 0 ] && [ "$a" -ne 0 ]; } || [ "$a" -lt "$wa" ] ||
	   { [ "$wp" -eq 0 ] && [ "$p" -ne 0 ]; } || [ "$p" -lt "$wp" ]; then
		nok "$name: XTCP opens active $a, passive $p (want $wa, $wp)"
	else
		ok "$name: XTCP opens active $a, passive $p"
	fi
}

same() { # same NAME FILE1 FILE2
	if cmp -s "$2" "$3"; then
		ok "$1: $(stat -c %s "$3") bytes intact"
	else
		nok "$1: got $(stat -c %s "$3" 2>/dev/null || echo no) bytes, not the file sent"
	fi
}

if [ ! -d /sys/module/xtcp ]; then
	diag "xtcp.ko is not loaded"
fi
head -c 3000000 /dev/urandom >"$tmp/data"

# --- nc -> nc ---------------------------------------------------------
if have nc; then
	a0=$(ctr ActiveOpens) p0=$(ctr PassiveOpens)
	timeout 20 "$run" nc -4 -l 127.0.0.1 7001 >"$tmp/nc.out" &
	bg+=($!)
	wait_listen 7001
	timeout 20 "$run" nc -4 -N 127.0.0.1 7001 <"$tmp/data"
	wait "${bg[-1]}"
	same "nc -> nc over XTCP" "$tmp/data" "$tmp/nc.out"
	opened "nc -> nc" "$a0" "$p0" 1 1
else
	skip "nc -> nc" "no nc"
	skip "nc -> nc counters" "no nc"
fi

# --- curl -> python3 http.server ---------------------------------------
if have curl && have python3; then
	a0=$(ctr ActiveOpens) p0=$(ctr PassiveOpens)
	"$run" python3 -m http.server 7002 --bind 127.0.0.1 \
		--directory "$tmp" >/dev/null 2>&1 &
	bg+=($!)
	wait_listen 7002
	timeout 20 "$run" curl -4 -s -o "$tmp/curl.out" http://127.0.0.1:7002/data
	same "curl -> python3 http.server over XTCP" "$tmp/data" "$tmp/curl.out"
	opened "curl -> http.server" "$a0" "$p0" 1 1
	kill "${bg[-1]}"
else
	skip "curl -> http.server" "no curl or python3"
	skip "curl -> http.server counters" "no curl or python3"
fi

# --- iperf3 ------------------------------------------------------------
# iperf3_case NAME ARGS...: one client run against a one-off server
iperf3_case() {
	local name=$1 a0 p0 got
	shift
	a0=$(ctr ActiveOpens) p0=$(ctr PassiveOpens)
	timeout 30 "$run" iperf3 -4 -s -1 -B 127.0.0.1 -p 7003 \
		>"$tmp/iperf3.srv" 2>&1 &
	bg+=($!)
	wait_listen 7003
	timeout 30 "$run" iperf3 -4 -c 127.0.0.1 -p 7003 -t 2 -J "$@" \
		>"$tmp/iperf3.json" 2>&1
	wait "${bg[-1]}"
	got=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
if "error" in j:
    print("error:", j["error"]); sys.exit(0)
print(int(j["end"]["sum_received"]["bytes"]))' "$tmp/iperf3.json" 2>&1)
	if [[ "$got" =~ ^[0-9]+$ ]] && [ "$got" -gt 0 ]; then
		ok "iperf3 $name over XTCP: $((got / 1048576)) MiB received"
	else
		nok "iperf3 $name over XTCP: ${got:-no result}"
		sed 's/^/#   /' "$tmp/iperf3.srv" | tail -5
	fi
	# control connection + data streams
	opened "iperf3 $name" "$a0" "$p0" 2 2
}
if have iperf3 && have python3; then
	iperf3_case "1 stream"
	iperf3_case "-R" -R
	iperf3_case "-P 4" -P 4
	iperf3_case "-C cubic" -C cubic
else
	for c in 1 2 3 4 5 6 7 8; do
		skip "iperf3 case $c" "no iperf3"
	done
fi

# --- XTCP_PORTS: one port over XTCP, another over stock TCP ------------
if have nc; then
	a0=$(ctr ActiveOpens) p0=$(ctr PassiveOpens)
	timeout 20 "$run" -p 7004 nc -4 -l 127.0.0.1 7004 >"$tmp/p1.out" &
	bg+=($!)
	timeout 20 "$run" -p 7004 nc -4 -l 127.0.0.1 7005 >"$tmp/p2.out" &
	bg+=($!)
	wait_listen 7004
	wait_listen 7005
	if grep -q ":1B5C 00000000:0000 0A" /proc/net/xtcp &&
	   grep -q ":1B5D 00000000:0000 0A" /proc/net/tcp; then
		ok "XTCP_PORTS=7004: 7004 listens over XTCP, 7005 over stock TCP"
	else
		nok "XTCP_PORTS=7004: 7004 listens over XTCP, 7005 over stock TCP"
	fi
	timeout 20 "$run" -p 7004 nc -4 -N 127.0.0.1 7004 <"$tmp/data"
	timeout 20 "$run" -p 7004 nc -4 -N 127.0.0.1 7005 <"$tmp/data"
	wait "${bg[-1]}" "${bg[-2]}"
	same "XTCP_PORTS: to 7004" "$tmp/data" "$tmp/p1.out"
	same "XTCP_PORTS: to 7005" "$tmp/data" "$tmp/p2.out"
	opened "XTCP_PORTS: only the 7004 connection" "$a0" "$p0" 1 1
	if [ "$(($(ctr ActiveOpens) - a0))" -eq 1 ]; then
		ok "XTCP_PORTS: exactly one XTCP connection"
	else
		nok "XTCP_PORTS: $(($(ctr ActiveOpens) - a0)) XTCP connections, want 1"
	fi
else
	for c in 1 2 3 4 5; do
		skip "XTCP_PORTS case $c" "no nc"
	done
fi

# --- other sockets untouched, LD_PRELOAD kept -------------------------
r=$("$run" python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", 0))
u.sendto(b"x", u.getsockname())
x = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
print("udp", u.recv(1).decode(), "unix", x.family == socket.AF_UNIX)' 2>&1)
if [ "$r" = "udp x unix True" ]; then
	ok "UDP and AF_UNIX sockets work unchanged"
else
	nok "UDP and AF_UNIX sockets work unchanged ($r)"
fi
lib=$(ls /lib/x86_64-linux-gnu/libm.so.6 2>/dev/null)
r=$(LD_PRELOAD=$lib "$run" bash -c 'echo "$LD_PRELOAD"')
if [[ "$r" == *libxtcp_preload.so* ]] && [[ "$r" == *"$lib"* ]]; then
	ok "an existing LD_PRELOAD is kept"
else
	nok "an existing LD_PRELOAD is kept ($r)"
fi

# --- AF_XTCP not registered: fallback, or strict failure ----------------
a0=$(ctr ActiveOpens) p0=$(ctr PassiveOpens)
XTCP_FAMILY=45 timeout 20 "$run" nc -4 -l 127.0.0.1 7006 >"$tmp/f.out" \
	2>"$tmp/f.err" &
bg+=($!)
wait_listen 7006
XTCP_FAMILY=45 timeout 20 "$run" nc -4 -N 127.0.0.1 7006 <"$tmp/data" \
	2>"$tmp/f.cerr"
wait "${bg[-1]}"
same "fallback to stock TCP" "$tmp/data" "$tmp/f.out"
opened "fallback" "$a0" "$p0" 0 0
if [ "$(grep -c 'not registered' "$tmp/f.cerr")" = 1 ]; then
	ok "fallback: one message on stderr"
else
	nok "fallback: one message on stderr (got: $(head -c 200 "$tmp/f.cerr"))"
fi
XTCP_FAMILY=45 timeout 20 "$run" -s nc -4 -N 127.0.0.1 7007 </dev/null \
	>/dev/null 2>"$tmp/s.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "XTCP_STRICT" "$tmp/s.err"; then
	ok "strict: the program fails with a clear message (exit $rc)"
else
	nok "strict: the program fails with a clear message (exit $rc)"
fi

echo "1..$num"
[ "$nfail" -eq 0 ]
