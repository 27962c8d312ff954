#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: connections between two network namespaces joined by a
# veth pair (A: va 10.0.0.1/24, the client side; B: vb 10.0.0.2/24, the
# server side), with xtcp_conn_tool moving the data.  TAP output.
#
# Handshakes, and transfers compared by SHA-256 with the file sent:
#   16 MiB  XTCP -> XTCP, XTCP -> stock (nc -l), stock (nc) -> XTCP, and
#           AF_INET -> AF_INET as the reference;
#   1 MiB   the other roles and directions: echo, server sends, the tool
#           with --family inet as the stock peer, nc -l as a sending
#           server, and the AF_INET references of the nc cases.
# Every transfer has 20 s: a stalled connection fails its case.  XTCP's
# /proc/net/xtcp_stat counters are listed at the end (informational).
# conn_veth_capture.sh checks the segments on the wire.
#
# The XTCP cases SKIP while XTCP's connect() gives EOPNOTSUPP (the
# connection path is not implemented yet).  XTCP_FAMILY=2 makes "xtcp"
# AF_INET (a self-check of this script).  Needs root, iproute2,
# util-linux (nsenter, unshare), veth; nc (netcat-openbsd) for its cases.

. "$(dirname "$0")/conn_veth_lib.sh"

# ---------------------------------------------------------------------
# Cases

port=7000
next_port() { port=$((port + 1)); }

# sink CFAM SFAM: A sends the file to a serve-sink in B
case_sink() {
	local cf=$1 sf=$2 name="$1 -> $2: $SIZE to a sink" why o=$tmp/sink.$1.$2
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.srv" recv 1)" \
		"$(field "$o.srv" recv 2)" "$o.srv" "$o.cli"
}

# echo CFAM SFAM: A sends the file to a serve-echo in B and reads it back
case_echo() {
	local cf=$1 sf=$2 name="$1 -> $2: $SIZE echoed back" why o=$tmp/echo.$1.$2
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-echo "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	check "$name" "$bytes $bytes" "$sum $sum" \
		"$(field "$o.cli" sent 1) $(field "$o.cli" recv 1)" \
		"$(field "$o.cli" sent 2) $(field "$o.cli" recv 2)" "$o.srv" "$o.cli"
}

# serve CFAM SFAM: a serve-send in B sends the file to A's recv
case_serve() {
	local cf=$1 sf=$2 name="$2 server -> $1 client: $SIZE" why o=$tmp/serve.$1.$2
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-send "$port" "$data"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" recv "$port"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.cli" recv 1)" \
		"$(field "$o.cli" recv 2)" "$o.srv" "$o.cli"
}

# to_nc CFAM: A's tool sends the file to `nc -l` in B
case_to_nc() {
	local cf=$1 name="$1 -> nc -l: $SIZE" why o=$tmp/tonc.$1 s
	next_port
	if why=$(fam_skip "$cf"); then
		skip "$name" "$why"
		return
	fi
	srv_nc "$o.out" "$port"
	CLI_RETRY=1 cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	s=$(sha256sum <"$o.out" | cut -d' ' -f1)
	check "$name" "$bytes" "$sum" "$(stat -c %s "$o.out")" "$s" "$o.cli" "$o.out.err"
}

# from_nc SFAM: `nc -N` in A sends the file to a serve-sink in B
case_from_nc() {
	local sf=$1 name="nc -> $1: $SIZE" why o=$tmp/fromnc.$1
	next_port
	if why=$(fam_skip "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	in_ns "$nsa" timeout "$TO" nc -N 10.0.0.2 "$port" <"$data" >"$o.nc" 2>&1
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.srv" recv 1)" \
		"$(field "$o.srv" recv 2)" "$o.srv" "$o.nc"
}

# nc_serve CFAM: `nc -N -l` in B sends the file to A's recv
case_nc_serve() {
	local cf=$1 name="nc -l server -> $1 client: $SIZE" why o=$tmp/ncserve.$1
	next_port
	if why=$(fam_skip "$cf"); then
		skip "$name" "$why"
		return
	fi
	NC_IN=$data srv_nc "$o.out" "$port" -N
	CLI_RETRY=1 cli "$cf" "$o.cli" recv "$port"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.cli" recv 1)" \
		"$(field "$o.cli" recv 2)" "$o.cli" "$o.out.err"
}

# handshake CFAM SFAM: connect and close, nothing sent
case_handshake() {
	local cf=$1 sf=$2 name="$1 -> $2: handshake over veth" why o=$tmp/hs.$1.$2 r
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" connect "$port"
	srv_wait
	read -r r <"$o.cli"
	r="$r / $(field "$o.srv" recv 1)"
	if [ "$r" = "connect OK / 0" ]; then
		ok "$name"
	else
		nok "$name (client / bytes the server received: $r)"
		show "$o.srv"
	fi
}

# use_data 16M|1M: the file the cases send ($data, $bytes, $sum, $SIZE)
use_data() {
	SIZE=$1
	data=$tmp/data.$1
	if [ ! -f "$data" ]; then
		"$tool" gen --bytes "$1" >"$data"
		sha256sum <"$data" >"$data.sum"
		read -r sum _ <"$data.sum"
		bytes=$(stat -c %s "$data")
		diag "data $1: $bytes bytes, sha256 $sum"
	fi
	bytes=$(stat -c %s "$data")
	read -r sum _ <"$data.sum"
}

# ---------------------------------------------------------------------
veth_start

# 16 MiB where XTCP meets XTCP or stock TCP, and the reference
use_data 16M
case_handshake inet inet
case_sink inet inet
case_handshake xtcp xtcp
case_sink xtcp xtcp
if have nc; then
	case_to_nc xtcp
	case_from_nc xtcp
fi
# 1 MiB for the rest
use_data 1M
if have nc; then
	case_to_nc inet
	case_from_nc inet
	case_nc_serve inet
	case_nc_serve xtcp
else
	skip "nc cases" "nc (netcat-openbsd) not installed"
fi
for f in inet xtcp; do
	case_echo "$f" "$f"
	case_serve "$f" "$f"
done
# XTCP with stock TCP: the tool as the AF_INET peer
case_sink xtcp inet
case_sink inet xtcp
case_serve xtcp inet
case_serve inet xtcp
case_echo xtcp inet
case_echo inet xtcp

# XTCP's counters in each namespace (informational)
for ns in "$nsa" "$nsb"; do
	[ "$ns" = "$nsa" ] && n=A || n=B
	if in_ns "$ns" test -r /proc/net/xtcp_stat; then
		diag "netns $n /proc/net/xtcp_stat, non-zero: $(in_ns "$ns" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xtcp_stat)"
	fi
done
veth_end
