#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: connections under conntrack.  Two network namespaces over
# veth (see conn_veth_lib.sh), each with an nftables ruleset that drops
# what conntrack calls invalid, on input and on output:
#
#   ct state invalid counter drop
#
# XTCP steals its segments at LOCAL_IN before conntrack's confirmation
# (NF_IP_PRI_CONNTRACK_CONFIRM), so it must confirm the entry itself:
# otherwise the entry of every inbound flow dies unconfirmed, and the
# SYN-ACK that answers it starts a new flow that conntrack finds invalid.
# For each pair of families (AF_INET -> AF_INET is the reference) a 1 MiB
# transfer must arrive intact, both namespaces' conntrack tables must
# hold the flow as ASSURED, and no packet may have been counted invalid.
#
# TAP output.  Needs root, iproute2, util-linux, veth, nft (nftables) and
# nf_conntrack.

. "$(dirname "$0")/conn_veth_lib.sh"

TO=20
port=7400

ruleset() {
	cat <<'EOF'
table inet xtcpct {
	chain in {
		type filter hook input priority 0; policy accept;
		ct state invalid counter drop
	}
	chain out {
		type filter hook output priority 0; policy accept;
		ct state invalid counter drop
	}
}
EOF
}

# invalid NS: packets the ruleset dropped as invalid, in and out
invalid() {
	in_ns "$1" nft list table inet xtcpct 2>/dev/null |
		awk '/counter packets/ { for (i = 1; i <= NF; i++)
			if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# ct_entry NS PORT: the conntrack line of the flow to PORT
ct_entry() {
	in_ns "$1" awk -v p="dport=$2" '$0 ~ p" " { print; exit }' \
		/proc/net/nf_conntrack 2>/dev/null
}

case_ct() {
	local cf=$1 sf=$2 name="$1 -> $2: $SIZE through conntrack" why
	local o=$tmp/ct.$1.$2 ea eb ia ib
	port=$((port + 1))
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	ia=$(invalid "$nsa")
	ib=$(invalid "$nsb")
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.srv" recv 1)" \
		"$(field "$o.srv" recv 2)" "$o.srv" "$o.cli"
	ea=$(ct_entry "$nsa" "$port")
	eb=$(ct_entry "$nsb" "$port")
	if [[ "$ea" == *ASSURED* ]] && [[ "$eb" == *ASSURED* ]]; then
		ok "$cf -> $sf: the flow is ASSURED in both conntrack tables"
	else
		nok "$cf -> $sf: the flow is ASSURED in both conntrack tables"
		diag "A: ${ea:-no entry}"
		diag "B: ${eb:-no entry}"
	fi
	ia=$(($(invalid "$nsa") - ia))
	ib=$(($(invalid "$nsb") - ib))
	if [ "$ia" -eq 0 ] && [ "$ib" -eq 0 ]; then
		ok "$cf -> $sf: no packet invalid"
	else
		nok "$cf -> $sf: no packet invalid (A $ia, B $ib dropped)"
	fi
}

veth_start
if ! have nft; then
	skip "conntrack cases" "nft (nftables) not installed"
	veth_end
	exit $?
fi
for ns in "$nsa" "$nsb"; do
	if ! ruleset | in_ns "$ns" nft -f -; then
		nok "nft ruleset with ct state invalid drop"
		veth_end
		exit 1
	fi
done
ok "nft: ct state invalid drop, on input and output, in A and B"

"$tool" gen --bytes 1M >"$tmp/data"
data=$tmp/data
SIZE=1M
bytes=$(stat -c %s "$data")
read -r sum _ < <(sha256sum "$data")

case_ct inet inet
case_ct xtcp xtcp
case_ct inet xtcp
case_ct xtcp inet
veth_end
