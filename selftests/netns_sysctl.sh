#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: the net.xtcp.* sysctls.  Each exists in every network
# namespace, starts at the value of its net.ipv4.tcp_* twin in a fresh
# namespace, takes the values and refuses the bad ones the twin does
# (same errors, the value unchanged), and a write in one namespace is
# not seen in another.  The behaviour behind each sysctl is tested where
# that behaviour is (xtcp_conn_many: abort_on_overflow, ...).
#
# TAP output.  Needs root and unshare (util-linux).

set -u

num=0
nfail=0
tmp=$(mktemp -d /tmp/xtcp-sysctl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok()   { num=$((num + 1)); echo "ok $num $*"; }
nok()  { num=$((num + 1)); nfail=$((nfail + 1)); echo "not ok $num $*"; }

# name in net.xtcp, its twin in net.ipv4
NAMES=(syn_retries synack_retries retries1 retries2 orphan_retries
       fin_timeout keepalive_time keepalive_intvl keepalive_probes
       invalid_ratelimit abort_on_overflow sack timestamps window_scaling
       dsack moderate_rcvbuf recovery early_retrans)

# values each pair must treat alike: accepted (and read back the same),
# or refused with the same error
declare -A TRY=(
	[syn_retries]="0 1 127 128 -1"
	[retries1]="0 255 256"
	[abort_on_overflow]="0 1 2 -1"
	[sack]="0 1 2"
	[timestamps]="0 1 2"
	[window_scaling]="0 1 2"
	[dsack]="0 1 2"
	[moderate_rcvbuf]="0 1 2"
	[fin_timeout]="1 30 x"
	[keepalive_time]="1 600"
	[invalid_ratelimit]="0 250"
	[recovery]="0 1 4 255 256 -1"
	[early_retrans]="0 2 3 4 5 -1"
)

echo "TAP version 13"
echo "1..$(( ${#NAMES[@]} * 2 + ${#TRY[@]} + 2 ))"

if [ ! -d /proc/sys/net/xtcp ]; then
	echo "# /proc/sys/net/xtcp missing: is the module loaded?"
fi

# In a fresh netns, the defaults: same as the twin's default.
# shellcheck disable=SC2016
unshare -n bash -c '
	for n in "$@"; do
		printf "%s %s %s\n" "$n" \
			"$(cat /proc/sys/net/xtcp/$n 2>/dev/null || echo MISSING)" \
			"$(cat /proc/sys/net/ipv4/tcp_$n 2>/dev/null || echo MISSING)"
	done' _ "${NAMES[@]}" >"$tmp/defaults"
while read -r n x i; do
	if [ "$x" = MISSING ]; then
		nok "net.xtcp.$n exists"
	else
		ok "net.xtcp.$n exists"
	fi
	if [ "$x" = "$i" ]; then
		ok "net.xtcp.$n default $x = net.ipv4.tcp_$n"
	else
		nok "net.xtcp.$n default $x, net.ipv4.tcp_$n $i"
	fi
done <"$tmp/defaults"

# Writes: the same outcome for both, value by value.
try_write() { # try_write PATH VALUE: "ok VALUE-READ-BACK" or the error
	local err
	if err=$(LC_ALL=C bash -c 'echo "$2" >"$1"' _ "$1" "$2" 2>&1); then
		echo "ok $(cat "$1")"
	else
		echo "err ${err##*: }"
	fi
}
for n in "${!TRY[@]}"; do
	# shellcheck disable=SC2016
	res=$(unshare -n bash -c "$(declare -f try_write)"'
		n=$1; shift
		for v in "$@"; do
			printf "%s: xtcp %s, inet %s\n" "$v" \
				"$(try_write /proc/sys/net/xtcp/$n "$v")" \
				"$(try_write /proc/sys/net/ipv4/tcp_$n "$v")"
		done' _ "$n" ${TRY[$n]})
	bad=$(echo "$res" | awk -F'[:,] ' '{ sub(/^xtcp /, "", $2);
		sub(/^inet /, "", $3); if ($2 != $3) print }')
	if [ -z "$bad" ]; then
		ok "net.xtcp.$n takes and refuses what net.ipv4.tcp_$n does"
	else
		nok "net.xtcp.$n writes differ from net.ipv4.tcp_$n"
		echo "$res" | sed 's/^/# /'
	fi
done

# One namespace's write is not seen in another, nor in the init netns.
init=$(cat /proc/sys/net/xtcp/fin_timeout 2>/dev/null)
# shellcheck disable=SC2016
other=$(unshare -n bash -c 'echo 7 >/proc/sys/net/xtcp/fin_timeout &&
	unshare -n cat /proc/sys/net/xtcp/fin_timeout')
if [ -n "$other" ] && [ "$other" != 7 ]; then
	ok "a write in one netns is not seen in a new one ($other)"
else
	nok "a write in one netns is not seen in a new one (${other:-none})"
fi
if [ -n "$init" ] && [ "$(cat /proc/sys/net/xtcp/fin_timeout)" = "$init" ]; then
	ok "a write in a child netns leaves the init netns's value ($init)"
else
	nok "a write in a child netns leaves the init netns's value"
fi

[ "$nfail" -eq 0 ]
