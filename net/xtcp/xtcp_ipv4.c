// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP over IPv4: the address-family half of the connection paths, the
 * twin of net/ipv4/tcp_ipv4.c.
 */

#include <linux/in.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/xtcp.h>

/* The twin of tcp_v4_connect().  The arguments and the route are checked
 * as Linux checks them, so that every failure gives Linux's errno; the
 * SYN itself comes with the connection path.
 */
int xtcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct ip_options_rcu *inet_opt;
	__be32 daddr, nexthop;
	struct rtable *rt;
	int err;

	if (addr_len < sizeof(struct sockaddr_in))
		return -EINVAL;
	if (usin->sin_family != AF_INET)
		return -EAFNOSUPPORT;

	nexthop = usin->sin_addr.s_addr;
	daddr = nexthop;
	inet_opt = rcu_dereference_protected(inet->inet_opt,
					     lockdep_sock_is_held(sk));
	if (inet_opt && inet_opt->opt.srr) {
		if (!daddr)
			return -EINVAL;
		nexthop = inet_opt->opt.faddr;
	}

	rt = ip_route_connect(&inet->cork.fl.u.ip4, nexthop, inet->inet_saddr,
			      sk->sk_bound_dev_if, IPPROTO_TCP,
			      inet->inet_sport, usin->sin_port, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		if (err == -ENETUNREACH)
			IP_INC_STATS(sock_net(sk), IPSTATS_MIB_OUTNOROUTES);
		return err;
	}
	err = -EOPNOTSUPP;
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST))
		err = -ENETUNREACH;
	ip_rt_put(rt);
	return err;
}

const struct xtcp_af_ops xtcp_ipv4_specific = {
	.connect	= xtcp_v4_connect,
	.setsockopt	= ip_setsockopt,
	.getsockopt	= ip_getsockopt,
};
