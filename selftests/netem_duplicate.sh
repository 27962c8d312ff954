#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=200
#
# XTCP selftest: 32 MiB transfers in both directions, XTCP and stock TCP
# in every pairing, through a veth pair that duplicates 5 % of the packets
# each way.
#
# See netem_lib.sh for the transfers, the counters checked and the
# environment.  TAP output; needs root, iproute2 (tc netem), ethtool,
# util-linux, veth.  The XTCP cases SKIP while XTCP cannot connect;
# XTCP_FAMILY=2 makes "xtcp" AF_INET (a self-check of this script).

. "$(dirname "$0")/netem_lib.sh"

netem_start
netem_condition "duplicate 5%" 150 duplicate 5%
veth_end
