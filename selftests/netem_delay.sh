#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=180
#
# XTCP selftest: 32 MiB transfers in both directions, XTCP and stock TCP
# in every pairing, through a veth pair that delays every packet by 20 ms
# +- 5 ms (uniform jitter, which also reorders) each way, at 100 Mbit/s
# (the rate makes the link, not the guest's CPU, the bottleneck: 8 flows
# through a 40 ms round trip otherwise overrun netem's queue at random).
#
# See netem_lib.sh for the transfers, the counters checked and the
# environment.  TAP output; needs root, iproute2 (tc netem), ethtool,
# util-linux, veth.  The XTCP cases SKIP while XTCP cannot connect;
# XTCP_FAMILY=2 makes "xtcp" AF_INET (a self-check of this script).

. "$(dirname "$0")/netem_lib.sh"

netem_start
netem_condition "delay 20ms +-5ms" 120 delay 20ms 5ms rate 100mbit
veth_end
