#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: RACK-TLP (RFC 8985) loss detection of the sender, with
# the losses placed exactly by nftables rules at B's ingress (vb: after
# the sender sent them; a drop in A's output would fail the send), and
# the same steps for stock TCP (AF_INET), the reference.  Offloads are
# off and gso_max_segs is 1 on both ends, so that each rule sees single
# segments of both stacks (conn_veth_loss.sh says why).
#
#   tail: a client in A sends 5000 bytes (3 full segments and 656 bytes)
#     and shuts down a second later (--fin-delay); the 656-byte segment
#     is dropped once: a tail loss that no ACK reports.  A loss probe
#     (TLP) must repair it, not the RTO: TCPLossProbes grows, TCPTimeouts
#     does not.
#   lost retransmission: a client in A sends 2 MiB (64-bit big-endian
#     counters, so that a segment is known by its first 8 bytes); the
#     segment that starts within the 1448 bytes from byte 1448 * 120 (at
#     an offset that is a multiple of 8: both stacks cut the stream into
#     MSS-sized segments, XTCP shifted where the window cut one) is
#     dropped, and its first retransmission too.  RACK must find the retransmission lost by the
#     data SACKed after it: TCPLostRetransmit grows, TCPTimeouts does
#     not.
#
# Each case checks the bytes (SHA-256) and that the rule dropped what it
# should.  Counters: A's /proc/net/xtcp_stat for XTCP, A's
# /proc/net/netstat (TcpExt) for stock TCP.  TAP output; needs root,
# nft, iproute2, ethtool, perl, util-linux, veth.

. "$(dirname "$0")/conn_veth_lib.sh"

TO=30
port=7300
next_port() { port=$((port + 1)); }

# ctr FAM NAME: A's counter NAME of stock TCP (inet: Tcp and TcpExt of
# /proc/net/snmp and /proc/net/netstat) or XTCP (xtcp)
ctr() {
	if [ "$1" = xtcp ]; then
		in_ns "$nsa" awk -v n="$2" '$1 == n { print $2 }' \
			/proc/net/xtcp_stat
	else
		in_ns "$nsa" awk -v n="$2" '$1 == "Tcp:" || $1 == "TcpExt:" {
			if (!seen[$1]++) {
				for (i = 2; i <= NF; i++) if ($i == n) c[$1] = i
			} else if ($1 in c) {
				print $c[$1]
			} }' /proc/net/snmp /proc/net/netstat
	fi
}

# rules RULE...: a fresh nftables table in B, one rule per argument on
# the ingress of vb for A's TCP segments; each rule ends with "counter
# drop", so that its counter counts what it dropped
rules() {
	local r
	in_ns "$nsb" nft delete table netdev rack 2>/dev/null
	in_ns "$nsb" nft add table netdev rack &&
	in_ns "$nsb" nft add chain netdev rack in \
		'{ type filter hook ingress device vb priority 0; }' || return 1
	for r in "$@"; do
		# shellcheck disable=SC2086
		in_ns "$nsb" nft add rule netdev rack in ip saddr 10.0.0.1 \
			meta l4proto tcp $r counter drop || return 1
	done
}

# dropped N: packets the Nth rule (from 1) dropped
dropped() {
	in_ns "$nsb" nft list chain netdev rack in |
		awk -v n="$1" '/counter packets/ { if (++i == n) {
			for (j = 1; j < NF; j++) if ($j == "packets") print $(j + 1) } }'
}

# xfer FAM NAME SRC [OPTIONS...]: A's FAM client sends SRC to a stock
# TCP sink in B (the same receiver for both senders; the tool's OPTIONS
# added); checks the bytes
xfer() {
	local fam=$1 name=$2 src=$3 o=$tmp/x.$port want_b want_s
	shift 3
	next_port
	if [ -f "$src" ]; then
		want_b=$(stat -c %s "$src")
		want_s=$(sha256sum <"$src")
	else
		want_b=$(numfmt --from=iec "${src#--bytes }")
		# shellcheck disable=SC2086
		want_s=$("$tool" gen $src | sha256sum)
	fi
	want_s=${want_s%% *}
	if ! srv_tool inet "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return 1
	fi
	# shellcheck disable=SC2086
	in_ns "$nsa" "$tool" --family "$fam" --timeout "$TO" "$@" send \
		"10.0.0.2:$port" $src >"$o.cli" 2>&1
	srv_wait
	check "$name: the bytes arrive" "$want_b" "$want_s" \
		"$(field "$o.srv" recv 1)" "$(field "$o.srv" recv 2)" \
		"$o.srv" "$o.cli"
}

declare -A before
snap() {
	local c
	for c in TCPLossProbes TCPLossProbeRecovery TCPTimeouts \
		 TCPLostRetransmit RetransSegs; do
		before[$c]=$(ctr "$1" "$c")
	done
}
delta() { echo $(($(ctr "$1" "$2") - ${before[$2]:-0})); }

# expect FAM NAME COUNTER gt|eq: COUNTER grew, or did not, in the case
expect() {
	local d r
	d=$(delta "$1" "$3")
	case $4 in
	gt) r=$((d > 0)) ;;
	*) r=$((d == 0)) ;;
	esac
	if [ "$r" = 1 ]; then
		ok "$2: $3 +$d"
	else
		nok "$2: $3 +$d (want $4 0)"
	fi
}

tail_case() {
	local fam=$1 name="$1: tail loss"
	if why=$(fam_skip "$fam"); then
		skip "$name" "$why"
		return
	fi
	# the 656-byte segment (IP length 20 + 32 + 656), once
	rules "ip length 708 quota until 709 bytes" || {
		nok "$name: nft rules"
		return
	}
	snap "$fam"
	xfer "$fam" "$name" "--bytes 5000" --fin-delay 1
	diag "$name: dropped $(dropped 1);" \
	     "RetransSegs +$(delta "$fam" RetransSegs)," \
	     "TCPLossProbeRecovery +$(delta "$fam" TCPLossProbeRecovery)"
	if [ "$(dropped 1)" = 1 ]; then
		ok "$name: the last data segment was dropped once"
	else
		nok "$name: the last data segment was dropped $(dropped 1) times"
	fi
	expect "$fam" "$name" TCPLossProbes gt
	expect "$fam" "$name" TCPTimeouts eq
}

lost_retrans_case() {
	local fam=$1 name="$1: lost retransmission" k=$((1448 * 120 / 8))
	if why=$(fam_skip "$fam"); then
		skip "$name" "$why"
		return
	fi
	# the first 8 payload bytes, after a 32-byte header (timestamps),
	# are one of the counters k .. k + 180; twice (1500-byte packets:
	# until 3001 bytes)
	rules "@th,256,64 $k-$((k + 180)) quota until 3001 bytes" || {
		nok "$name: nft rules"
		return
	}
	snap "$fam"
	xfer "$fam" "$name" "$counters"
	diag "$name: dropped $(dropped 1);" \
	     "RetransSegs +$(delta "$fam" RetransSegs)," \
	     "TCPLossProbes +$(delta "$fam" TCPLossProbes)"
	if [ "$(dropped 1)" -ge 2 ]; then
		ok "$name: the segment and its retransmission were dropped"
	else
		nok "$name: the segment was dropped $(dropped 1) times, not 2"
	fi
	expect "$fam" "$name" TCPLostRetransmit gt
	expect "$fam" "$name" TCPTimeouts eq
}

veth_start
if ! have nft || ! have perl; then
	skip "RACK-TLP cases" "needs nft and perl"
	veth_end
	exit
fi
# the kernel's nftables must have quota (the debug kernel has not)
if ! rules "quota until 1 bytes" >/dev/null 2>&1; then
	skip "RACK-TLP cases" "nftables without quota (CONFIG_NFT_QUOTA)"
	veth_end
	exit
fi
in_ns "$nsa" ethtool -K va tso off gso off gro off >/dev/null 2>&1
in_ns "$nsb" ethtool -K vb tso off gso off gro off >/dev/null 2>&1
in_ns "$nsa" ip link set dev va gso_max_segs 1
in_ns "$nsb" ip link set dev vb gso_max_segs 1
# 2 MiB of 64-bit big-endian counters
counters=$tmp/counters
perl -e 'print pack("Q>", $_) for 0 .. 262143' >"$counters"

for fam in inet xtcp; do
	tail_case "$fam"
	lost_retrans_case "$fam"
done
in_ns "$nsb" nft delete table netdev rack 2>/dev/null
veth_end
