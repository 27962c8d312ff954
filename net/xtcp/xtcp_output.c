// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP output: the twin of net/ipv4/tcp_output.c.
 */

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/xtcp.h>

/* The twin of tcp_sync_mss(): remember the path MTU and derive the MSS
 * from it, net of the IP and TCP headers and of IP options.  IP_OPTIONS
 * calls it through icsk_sync_mss when the options change.
 */
unsigned int xtcp_sync_mss(struct sock *sk, u32 pmtu)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	int mss;

	mss = pmtu - sizeof(struct iphdr) - sizeof(struct tcphdr) -
	      icsk->icsk_ext_hdr_len;
	icsk->icsk_pmtu_cookie = pmtu;
	return max(mss, 48);
}
