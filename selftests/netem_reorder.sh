#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=200
#
# XTCP selftest: 32 MiB transfers in both directions, XTCP and stock TCP
# in every pairing, through a veth pair that reorders: 25 % of the packets
# go at once, the others 10 ms later (netem delay 10ms reorder 25%), each
# way.  Stock TCP needs about 90 s here under TCG.
#
# See netem_lib.sh for the transfers, the counters checked and the
# environment.  TAP output; needs root, iproute2 (tc netem), ethtool,
# util-linux, veth.  The XTCP cases SKIP while XTCP cannot connect;
# XTCP_FAMILY=2 makes "xtcp" AF_INET (a self-check of this script).

. "$(dirname "$0")/netem_lib.sh"

netem_start
netem_condition "reorder 25% (10 ms)" 150 delay 10ms reorder 25%
veth_end
