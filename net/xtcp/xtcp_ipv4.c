// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP over IPv4: the address-family half of the connection paths, the
 * twin of net/ipv4/tcp_ipv4.c, and the netfilter hook that steers
 * XTCP's segments away from stock TCP.
 *
 * Receive steering: a LOCAL_IN hook sees every IPv4 segment delivered to
 * this host.  For IP protocol 6 it reads the ports (without pulling or
 * allocating), and looks the 4-tuple up in XTCP's ehash, then the
 * destination in XTCP's listening hash.  Only a match makes the segment
 * XTCP's (NF_STOLEN); anything else goes on to stock TCP untouched.
 *
 * The same hook takes the ICMP errors about XTCP's connections, which
 * stock ICMP would hand to tcp_v4_err(): for IP protocol 1 it reads the
 * quoted IP and TCP headers (again without pulling or allocating) and
 * looks the quoted 4-tuple up, reversed, in XTCP's ehash.  Only a match
 * is stolen and handled here (xtcp_v4_err()); anything else goes on to
 * icmp_rcv() untouched.
 */

#include <linux/errqueue.h>
#include <linux/icmp.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/siphash.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/inet_common.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp_states.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/xtcp.h>

static siphash_aligned_key_t xtcp_isn_secret;
static siphash_aligned_key_t xtcp_ts_secret;

/* RFC 6528: a keyed hash of the 4-tuple plus a clock ticking every 64 ns,
 * the twin of secure_tcp_seq().
 */
static u32 xtcp_v4_init_sequence(__be32 saddr, __be32 daddr, __be16 sport,
				 __be16 dport)
{
	u32 hash;

	net_get_random_once(&xtcp_isn_secret, sizeof(xtcp_isn_secret));
	hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &xtcp_isn_secret);
	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/* A per-flow offset for our TSval, so it leaks no clock. */
static u32 xtcp_v4_init_ts_off(__be32 saddr, __be32 daddr)
{
	net_get_random_once(&xtcp_ts_secret, sizeof(xtcp_ts_secret));
	return siphash_2u32((__force u32)saddr, (__force u32)daddr,
			    &xtcp_ts_secret);
}

/* The twin of tcp_v4_connect(): route, take a port, hash, send the SYN. */
int xtcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_in *usin = (struct sockaddr_in *)uaddr;
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_sock *xsk = xtcp_sk(sk);
	__be16 orig_sport, orig_dport;
	struct ip_options_rcu *inet_opt;
	__be32 daddr, nexthop;
	struct flowi4 *fl4;
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

	orig_sport = inet->inet_sport;
	orig_dport = usin->sin_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, nexthop, inet->inet_saddr,
			      sk->sk_bound_dev_if, IPPROTO_TCP, orig_sport,
			      orig_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		if (err == -ENETUNREACH)
			IP_INC_STATS(sock_net(sk), IPSTATS_MIB_OUTNOROUTES);
		return err;
	}
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}

	if (!inet_opt || !inet_opt->opt.srr)
		daddr = fl4->daddr;
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	if (!inet->inet_rcv_saddr)
		inet->inet_rcv_saddr = inet->inet_saddr;
	inet->inet_dport = usin->sin_port;
	sk_daddr_set(sk, daddr);
	inet_csk(sk)->icsk_ext_hdr_len = inet_opt ? inet_opt->opt.optlen : 0;

	/* hashed as SYN_SENT, so the SYN-ACK finds us */
	xtcp_set_state(sk, TCP_SYN_SENT);
	err = xtcp_inet_hash_connect(sk);
	if (err)
		goto failure;

	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	sk->sk_gso_type = SKB_GSO_TCPV4;
	sk_setup_caps(sk, &rt->dst);
	rt = NULL;

	WRITE_ONCE(xsk->write_seq,
		   xtcp_v4_init_sequence(inet->inet_saddr, inet->inet_daddr,
					 inet->inet_sport, usin->sin_port));
	xsk->tsoffset = xtcp_v4_init_ts_off(inet->inet_saddr,
					    inet->inet_daddr);
	atomic_set(&inet->inet_id, get_random_u16());

	err = xtcp_connect(sk);
	if (err)
		goto failure;
	return 0;

failure:
	xtcp_set_state(sk, TCP_CLOSE);
	ip_rt_put(rt);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	return err;
}

/* Route a reply or a SYN-ACK back to the segment's source. */
static struct rtable *xtcp_v4_route_reply(struct net *net,
					  const struct sock *sk,
					  struct flowi4 *fl4, __be32 daddr,
					  __be32 saddr, __be16 dport,
					  __be16 sport, int oif)
{
	return ip_route_output_ports(net, fl4, (struct sock *)sk, daddr, saddr,
				     dport, sport, IPPROTO_TCP,
				     sk ? RT_CONN_FLAGS(sk) : 0, oif);
}

/* Checksum a header-only segment in full: replies go out as they are. */
static void xtcp_v4_csum_full(struct sk_buff *skb, __be32 saddr,
			      __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);

	th->check = 0;
	th->check = tcp_v4_check(skb->len, saddr, daddr,
				 csum_partial(th, skb->len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

static u8 xtcp_v4_ttl(const struct sock *sk, const struct dst_entry *dst)
{
	int ttl = sk ? READ_ONCE(inet_sk(sk)->uc_ttl) : -1;

	return ttl < 0 ? ip4_dst_hoplimit(dst) : ttl;
}

/* Put the IP header on a header-only segment routed by skb_dst(), and
 * send it.
 */
static int xtcp_v4_build_and_send(struct net *net, struct sk_buff *skb,
				  __be32 saddr, __be32 daddr, u8 tos, u8 ttl)
{
	struct iphdr *iph;

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->frag_off = htons(IP_DF);
	iph->id = 0;
	iph->ttl = ttl;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	skb->protocol = htons(ETH_P_IP);
	return ip_local_out(net, NULL, skb);
}

/* The twin of tcp_v4_send_synack(). */
int xtcp_v4_send_synack(const struct sock *sk, struct xtcp_request_sock *req)
{
	__be32 loc = req->common.skc_rcv_saddr;
	__be32 rmt = req->common.skc_daddr;
	struct flowi4 fl4;
	struct sk_buff *skb;
	struct rtable *rt;
	int err;

	rt = xtcp_v4_route_reply(sock_net(sk), sk, &fl4, rmt, loc,
				 req->common.skc_dport,
				 htons(req->common.skc_num),
				 req->common.skc_bound_dev_if);
	if (IS_ERR(rt))
		return PTR_ERR(rt);

	skb = xtcp_make_synack(sk, req, &rt->dst);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOMEM;
	}
	xtcp_v4_csum_full(skb, loc, rmt);
	skb_dst_set(skb, &rt->dst);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTSEGS);
	/* net_xmit_eval() evaluates its argument twice */
	err = xtcp_v4_build_and_send(sock_net(sk), skb, loc, rmt,
				     inet_sk(sk)->tos, xtcp_v4_ttl(sk, &rt->dst));
	return net_xmit_eval(err);
}

/* Send a header-only reply to @skb from the netns's control socket. */
static void xtcp_v4_send_ctl(struct net *net, struct sk_buff *skb,
			     struct tcphdr *rep, unsigned int optlen,
			     const __be32 *opts)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sk_buff *nskb;
	struct flowi4 fl4;
	struct rtable *rt;
	struct tcphdr *th;

	rt = xtcp_v4_route_reply(net, NULL, &fl4, iph->saddr, iph->daddr,
				 rep->dest, rep->source, inet_iif(skb));
	if (IS_ERR(rt))
		return;
	nskb = alloc_skb(MAX_HEADER + sizeof(*rep) + optlen, GFP_ATOMIC);
	if (!nskb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(nskb, MAX_HEADER);
	th = skb_put_data(nskb, rep, sizeof(*rep));
	th->doff = (sizeof(*rep) + optlen) >> 2;
	if (optlen)
		skb_put_data(nskb, opts, optlen);
	skb_reset_transport_header(nskb);
	xtcp_v4_csum_full(nskb, iph->daddr, iph->saddr);
	skb_dst_set(nskb, &rt->dst);
	XTCP_INC_STATS(net, XTCP_MIB_OUTSEGS);
	if (rep->rst)
		XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
	xtcp_v4_build_and_send(net, nskb, iph->daddr, iph->saddr, 0,
			       xtcp_v4_ttl(NULL, &rt->dst));
}

/* The twin of tcp_v4_send_reset(): never a reset for a reset. */
void xtcp_v4_send_reset(const struct sock *sk, struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcphdr rep = {};

	if (th->rst)
		return;
	rep.dest = th->source;
	rep.source = th->dest;
	rep.rst = 1;
	if (th->ack) {
		rep.seq = th->ack_seq;
	} else {
		rep.ack = 1;
		rep.ack_seq = htonl(XTCP_SKB_CB(skb)->end_seq);
	}
	xtcp_v4_send_ctl(sk ? sock_net(sk) : dev_net(skb_dst(skb)->dev), skb,
			 &rep, 0, NULL);
}

/* The twin of tcp_v4_send_ack(), for request socks and time-wait socks. */
void xtcp_v4_send_ack(struct net *net, struct sk_buff *skb, u32 seq, u32 ack,
		      u32 win, u32 tsval, u32 tsecr, bool ts)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct tcphdr rep = {};
	__be32 opts[3];

	rep.dest = th->source;
	rep.source = th->dest;
	rep.seq = htonl(seq);
	rep.ack_seq = htonl(ack);
	rep.ack = 1;
	rep.window = htons(min(win, 65535U));
	if (ts) {
		opts[0] = htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
				(TCPOPT_TIMESTAMP << 8) | TCPOLEN_TIMESTAMP);
		opts[1] = htonl(tsval);
		opts[2] = htonl(tsecr);
	}
	xtcp_v4_send_ctl(net, skb, &rep, ts ? sizeof(opts) : 0, opts);
}

/* The twin of tcp_v4_conn_request() and tcp_conn_request(): answer a SYN
 * on a listener with a request sock and a SYN-ACK.  Returns 0 (the SYN is
 * then consumed or dropped by the caller).
 */
int xtcp_v4_conn_request(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);
	struct xtcp_options_received rx = {};
	struct net *net = sock_net(sk);
	struct xtcp_request_sock *req;
	struct sock *rsk;
	int mss;

	/* a SYN to a broadcast or multicast address is not ours to take */
	if (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))
		return 0;
	/* no SYN cookies: a full SYN queue or accept queue drops the SYN
	 * (full means more than the backlog, as 6.1 counts it)
	 */
	if (atomic_read(&xtcp_sk(sk)->syn_qlen) >
	    READ_ONCE(sk->sk_max_ack_backlog) || sk_acceptq_is_full(sk)) {
		if (sk_acceptq_is_full(sk))
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENOVERFLOWS);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENDROPS);
		return 0;
	}

	req = xtcp_reqsk_alloc(sk);
	if (!req)
		return 0;
	rsk = (struct sock *)req;

	rx.mss_clamp = XTCP_MSS_DEFAULT;
	xtcp_parse_options(skb, &rx);

	rsk->sk_rcv_saddr = iph->daddr;
	rsk->sk_daddr = iph->saddr;
	rsk->sk_num = ntohs(th->dest);
	rsk->sk_dport = th->source;
	rsk->sk_family = AF_INET;
	rsk->sk_bound_dev_if = sk->sk_bound_dev_if;
	rsk->sk_state = TCP_NEW_SYN_RECV;
	write_pnet(&rsk->sk_net, sock_net(sk));

	req->rcv_isn = tcb->seq;
	req->snt_isn = xtcp_v4_init_sequence(iph->daddr, iph->saddr,
					     th->dest, th->source);
	req->ts_off = xtcp_v4_init_ts_off(iph->daddr, iph->saddr);
	req->mss = rx.mss_clamp;
	/* an option the sysctls turned off is ignored in the SYN, as
	 * tcp_parse_options() does
	 */
	req->tstamp_ok = rx.saw_tstamp && XTCP_SYSCTL(net, timestamps);
	req->ts_recent = req->tstamp_ok ? rx.rcv_tsval : 0;
	req->sack_ok = rx.sack_ok && XTCP_SYSCTL(net, sack);
	req->wscale_ok = rx.wscale_ok && XTCP_SYSCTL(net, window_scaling);
	req->snd_wscale = rx.snd_wscale;
	mss = min_t(int, rx.mss_clamp, 65535 - 40);
	req->rcv_wnd = xtcp_select_initial_window(sk, mss, &req->rcv_wscale);
	if (!req->wscale_ok) {
		req->rcv_wscale = 0;
		req->rcv_wnd = min(req->rcv_wnd, 65535U);
	}

	/* the ehash's, the timer's and ours, before lookups can see it */
	refcount_set(&rsk->sk_refcnt, 3);
	if (!xtcp_ehash_insert(rsk, NULL)) {
		/* a duplicate of a request or connection in progress */
		refcount_set(&rsk->sk_refcnt, 1);
		xtcp_reqsk_put(req);
		return 0;
	}
	atomic_inc(&xtcp_sk(sk)->syn_qlen);
	mod_timer(&req->timer, jiffies + XTCP_TIMEOUT_INIT);

	xtcp_v4_send_synack(sk, req);
	xtcp_reqsk_put(req);
	return 0;
}

/* The twin of tcp_v4_syn_recv_sock(): clone the listener into the child,
 * route it, and let it replace @req in the ehash (the hashdance).
 * Returns the child, or NULL.
 */
struct sock *xtcp_v4_syn_recv_sock(const struct sock *sk, struct sk_buff *skb,
				   struct xtcp_request_sock *req)
{
	struct inet_sock *newinet;
	struct xtcp_sock *newxsk;
	struct flowi4 *fl4;
	struct sock *newsk;
	struct rtable *rt;

	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENOVERFLOWS);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENDROPS);
		return NULL;
	}

	newsk = xtcp_create_openreq_child(sk, req, skb);
	if (!newsk)
		return NULL;
	newinet = inet_sk(newsk);
	newxsk = xtcp_sk(newsk);

	fl4 = &newinet->cork.fl.u.ip4;
	rt = xtcp_v4_route_reply(sock_net(sk), newsk, fl4,
				 req->common.skc_daddr,
				 req->common.skc_rcv_saddr,
				 req->common.skc_dport,
				 htons(req->common.skc_num),
				 sk->sk_bound_dev_if);
	if (IS_ERR(rt))
		goto put_and_exit;
	newsk->sk_gso_type = SKB_GSO_TCPV4;
	sk_setup_caps(newsk, &rt->dst);
	inet_csk(newsk)->icsk_ext_hdr_len = 0;
	newxsk->advmss = dst_metric_advmss(&rt->dst);
	if (newxsk->user_mss && newxsk->user_mss < newxsk->advmss)
		newxsk->advmss = newxsk->user_mss;
	xtcp_sync_mss(newsk, dst_mtu(&rt->dst));

	newinet->inet_num = req->common.skc_num;
	if (!xtcp_ehash_insert(newsk, (struct sock *)req))
		goto put_and_exit;	/* another CPU took @req */
	xtcp_inherit_port(sk, newsk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PASSIVEOPENS);
	return newsk;

put_and_exit:
	newinet->inet_num = 0;
	xtcp_forced_close(newsk);
	return NULL;
}

/* The twin of tcp_v4_do_rcv(), also the sock's backlog_rcv. */
int xtcp_v4_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	/* tcp_segs_in() */
	xtcp_sk(sk)->segs_in += max_t(u16, 1, skb_shinfo(skb)->gso_segs);
	if (skb->len > __tcp_hdrlen(tcp_hdr(skb)))
		xtcp_sk(sk)->data_segs_in += max_t(u16, 1,
						   skb_shinfo(skb)->gso_segs);
	if (xtcp_rcv_state_process(sk, skb)) {
		xtcp_v4_send_reset(sk, skb);
		kfree_skb(skb);
	}
	return 0;
}

/* Fill the control block from the header: the twin of tcp_v4_fill_cb(). */
static void xtcp_v4_fill_cb(struct sk_buff *skb, const struct tcphdr *th)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(skb);

	tcb->seq = ntohl(th->seq);
	tcb->end_seq = tcb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	tcb->ack_seq = ntohl(th->ack_seq);
	tcb->tcp_flags = tcp_flag_byte(th);
	tcb->retransmitted = 0;
}

/* May @skb be merged into @tail, the backlog's last skb?  Both must
 * carry data (pure ACKs stay apart: each duplicate ACK counts), @skb
 * follow @tail exactly, with the same flags and options, and no FIN
 * before it.
 */
static bool xtcp_v4_backlog_can_merge(const struct sk_buff *tail,
				      const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *tcb = XTCP_SKB_CB(tail);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct tcphdr *thtail = tcp_hdr(tail);
	const struct tcphdr *th = tcp_hdr(skb);

	return tcb->end_seq == cb->seq && tcb->seq != tcb->end_seq &&
	       cb->seq != cb->end_seq &&
	       ip_hdr(tail)->tos == ip_hdr(skb)->tos &&
	       !((tcb->tcp_flags | cb->tcp_flags) &
		 (TCPHDR_SYN | TCPHDR_RST | TCPHDR_URG)) &&
	       !(tcb->tcp_flags & TCPHDR_FIN) &&
	       (tcb->tcp_flags & cb->tcp_flags & TCPHDR_ACK) &&
	       !((tcb->tcp_flags ^ cb->tcp_flags) & (TCPHDR_ECE | TCPHDR_CWR)) &&
	       thtail->doff == th->doff &&
	       !memcmp(thtail + 1, th + 1, th->doff * 4 - sizeof(*th));
}

/* The twin of tcp_add_backlog(): @sk's user owns it, so @skb waits in
 * the backlog, merged into the backlog's tail when it follows it (one
 * skb less for the owner, and less memory).  The limit is that of
 * Debian's 6.1: it counts the receive queues too (sk_rcvqueues_full()),
 * which may each reach sk_rcvbuf, and only the owner can collapse them.
 * Returns true when the backlog is full: the caller frees @skb.
 */
static bool xtcp_v4_add_backlog(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *tail = sk->sk_backlog.tail;
	unsigned int hdrlen = tcp_hdr(skb)->doff * 4;
	bool fragstolen;
	u64 limit;
	int delta;

	/* a listener's backlog holds segments of many peers */
	if (tail && sk->sk_state != TCP_LISTEN &&
	    xtcp_v4_backlog_can_merge(tail, skb)) {
		const struct tcphdr *th = tcp_hdr(skb);

		__skb_pull(skb, hdrlen);
		if (skb_try_coalesce(tail, skb, &fragstolen, &delta)) {
			struct xtcp_skb_cb *tcb = XTCP_SKB_CB(tail);
			struct tcphdr *thtail = tcp_hdr(tail);

			tcb->end_seq = XTCP_SKB_CB(skb)->end_seq;
			if (!before(XTCP_SKB_CB(skb)->ack_seq, tcb->ack_seq)) {
				tcb->ack_seq = XTCP_SKB_CB(skb)->ack_seq;
				thtail->window = th->window;
			}
			thtail->fin |= th->fin;
			tcb->tcp_flags |= XTCP_SKB_CB(skb)->tcp_flags;
			sk->sk_backlog.len += delta;
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_BACKLOGCOALESCE);
			kfree_skb_partial(skb, fragstolen);
			return false;
		}
		__skb_push(skb, hdrlen);
	}

	limit = ((u64)READ_ONCE(sk->sk_rcvbuf) << 1) +
		(READ_ONCE(sk->sk_sndbuf) >> 1) + 64 * 1024;
	if (sk_add_backlog(sk, skb, min_t(u64, limit, UINT_MAX))) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_BACKLOGDROP);
		return true;
	}
	return false;
}

/* Process a segment on a full sock: locked, or queued to the backlog.
 * Returns false, @skb untouched, when @sk left the established hash
 * between the lookup and the lock (close() on another CPU moved it to
 * time-wait): the caller looks the 4-tuple up again, and the segment
 * (often the peer's FIN) reaches the time-wait sock.  6.1 drops it
 * there, and the connection waits for the peer's retransmission.
 */
static bool xtcp_v4_rcv_sk(struct sock *sk, struct sk_buff *skb)
{
	if (sk_filter(sk, skb)) {
		kfree_skb(skb);
		return true;
	}
	bh_lock_sock_nested(sk);
	if (unlikely(sk->sk_state == TCP_CLOSE && sk_unhashed(sk))) {
		bh_unlock_sock(sk);
		return false;
	}
	if (!sock_owned_by_user(sk))
		xtcp_v4_do_rcv(sk, skb);
	else if (xtcp_v4_add_backlog(sk, skb))
		kfree_skb(skb);
	bh_unlock_sock(sk);
	return true;
}

/* The twin of tcp_v4_rcv(), from its prelude on: the segment is XTCP's.
 * Consumes @skb; drops @sk's reference when @refcounted.
 */
static void xtcp_v4_rcv(struct net *net, struct sk_buff *skb, struct sock *sk,
			bool refcounted)
{
	const struct iphdr *iph;
	const struct tcphdr *th;
	bool relooked = false;
	struct sock *nsk;

	/* counted as tcp_v4_rcv() counts: InSegs once a header is there,
	 * InErrs for a bad data offset or checksum only
	 */
	if (!pskb_may_pull(skb, ip_hdrlen(skb) + sizeof(struct tcphdr)))
		goto discard;
	XTCP_INC_STATS(net, XTCP_MIB_INSEGS);
	__skb_pull(skb, ip_hdrlen(skb));
	skb_reset_transport_header(skb);
	th = tcp_hdr(skb);
	if (th->doff < sizeof(struct tcphdr) / 4)
		goto bad_packet;
	if (!pskb_may_pull(skb, th->doff * 4))
		goto discard;
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo) ||
	    (!skb_csum_unnecessary(skb) && __skb_checksum_complete(skb))) {
		XTCP_INC_STATS(net, XTCP_MIB_INCSUMERRORS);
		goto bad_packet;
	}
	th = tcp_hdr(skb);
	iph = ip_hdr(skb);
	xtcp_v4_fill_cb(skb, th);
	nf_reset_ct(skb);

process:
	switch (sk->sk_state) {
	case TCP_NEW_SYN_RECV: {
		struct xtcp_request_sock *req = xtcp_rsk(sk);
		struct sock *listener = req->listener;

		sock_hold(listener);
		nsk = xtcp_check_req(listener, skb, req);
		xtcp_reqsk_put(req);
		if (!nsk) {
			kfree_skb(skb);
		} else if (xtcp_child_process(listener, nsk, skb)) {
			xtcp_v4_send_reset(listener, skb);
			kfree_skb(skb);
		}
		sock_put(listener);
		return;
	}
	case TCP_TIME_WAIT:
		switch (xtcp_timewait_state_process(sk, skb)) {
		case XTCP_TW_SYN:
			nsk = xtcp_lookup_listener(net, NULL, 0, iph->saddr,
						   th->source, iph->daddr,
						   ntohs(th->dest),
						   inet_iif(skb), inet_sdif(skb));
			if (nsk) {
				xtcp_twsk_put(sk);
				sk = nsk;
				refcounted = false;
				goto process;
			}
			break;
		case XTCP_TW_ACK: {
			struct xtcp_timewait_sock *tws = xtcp_twsk(sk);

			xtcp_v4_send_ack(net, skb, tws->snd_nxt, tws->rcv_nxt,
					 tws->rcv_wnd,
					 xtcp_ts_now() + tws->ts_off,
					 tws->ts_recent, tws->tstamp_ok);
			break;
		}
		case XTCP_TW_RST:
			xtcp_v4_send_reset(sk, skb);
			break;
		}
		xtcp_twsk_put(sk);
		refcounted = false;
		goto discard;
	}

	if (!xtcp_v4_rcv_sk(sk, skb)) {
		/* @sk went to time-wait meanwhile: once more, to find it */
		if (refcounted)
			sock_put(sk);
		refcounted = false;
		if (relooked)
			goto discard;
		relooked = true;
		sk = xtcp_lookup_established(net, iph->saddr, th->source,
					     iph->daddr, th->dest,
					     inet_iif(skb), inet_sdif(skb));
		if (!sk)
			goto discard;
		refcounted = true;
		goto process;
	}
	if (refcounted)
		sock_put(sk);
	return;

bad_packet:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
discard:
	if (refcounted)
		xtcp_sock_gen_put(sk);
	kfree_skb(skb);
}

/* Confirm the conntrack entry of a segment XTCP takes, as conntrack's
 * own LOCAL_IN hook (at NF_IP_PRI_CONNTRACK_CONFIRM, after XTCP's) would
 * have: an entry left unconfirmed dies with the skb, and the flow's
 * replies then look invalid.  Helpers and sequence adjustment, the rest
 * of nf_confirm(), are not run: no conntrack helper knows XTCP's ports.
 * nf_conntrack is reached through symbol_get(), so that XTCP does not
 * need it loaded; a skb that carries an entry means it is.
 */
static unsigned int xtcp_v4_ct_confirm(struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	int (*confirm)(struct sk_buff *skb);
	unsigned int verdict = NF_ACCEPT;

	if (!ct || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;
	confirm = symbol_get(__nf_conntrack_confirm);
	if (confirm) {
		verdict = confirm(skb);
		symbol_put(__nf_conntrack_confirm);
	}
	return verdict;
#else
	return NF_ACCEPT;
#endif
}

/* ------------------------------------------------------------------ */
/* ICMP errors: the twin of tcp_v4_err() and its helpers                */
/* ------------------------------------------------------------------ */

/* The twin of tcp_v4_mtu_reduced(): an ICMP_FRAG_NEEDED (RFC 1191) for
 * this connection.  From xtcp_v4_err(), or from xtcp_release_cb() when
 * the user owned the sock then.  Under the socket lock.
 */
void xtcp_v4_mtu_reduced(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct dst_entry *dst;
	u32 mtu;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	mtu = READ_ONCE(xtcp_sk(sk)->mtu_info);
	dst = inet_csk_update_pmtu(sk, mtu);
	if (!dst)
		return;

	/* the route refused that MTU: remember it, in case the connection
	 * does not recover
	 */
	if (mtu < dst_mtu(dst) && ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);

	mtu = dst_mtu(dst);
	if (inet->pmtudisc != IP_PMTUDISC_DONT && ip_sk_accept_pmtu(sk) &&
	    inet_csk(sk)->icsk_pmtu_cookie > mtu) {
		xtcp_sync_mss(sk, mtu);
		/* what was sent larger was dropped: resend it now rather
		 * than at the next timeout (no PMTU black hole)
		 */
		xtcp_simple_retransmit(sk);
	}
}

static void xtcp_v4_do_redirect(struct sk_buff *skb, struct sock *sk)
{
	struct dst_entry *dst = __sk_dst_check(sk, 0);

	if (dst)
		dst->ops->redirect(dst, sk, skb);
}

/* The twin of tcp_req_err(): an ICMP error about a request sock's
 * SYN-ACK.  Consumes the lookup's reference.
 */
static void xtcp_req_err(struct sock *sk, u32 seq, bool abort)
{
	struct xtcp_request_sock *req = xtcp_rsk(sk);
	struct net *net = sock_net(sk);

	if (seq != req->snt_isn) {
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOWICMPS);
	} else if (abort) {
		/* no way to tell the child that does not exist yet, and
		 * accept() must not return network errors: drop it
		 */
		xtcp_reqsk_drop(req);
		atomic_inc(&req->listener->sk_drops);
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
	}
	xtcp_reqsk_put(req);
}

/* The twin of ip_icmp_error(): queue the ICMP on the socket's error
 * queue, for recvmsg(MSG_ERRQUEUE) (xtcp_v4_recv_error()).  @payload is
 * the quoted transport header.
 */
static void xtcp_v4_icmp_error(struct sock *sk, struct sk_buff *skb, int err,
			       __be16 port, u32 info, u8 *payload)
{
	struct sock_exterr_skb *serr;

	skb = skb_clone(skb, GFP_ATOMIC);
	if (!skb)
		return;

	serr = SKB_EXT_ERR(skb);
	serr->ee.ee_errno = err;
	serr->ee.ee_origin = SO_EE_ORIGIN_ICMP;
	serr->ee.ee_type = icmp_hdr(skb)->type;
	serr->ee.ee_code = icmp_hdr(skb)->code;
	serr->ee.ee_pad = 0;
	serr->ee.ee_info = info;
	serr->ee.ee_data = 0;
	serr->addr_offset = (u8 *)&(((struct iphdr *)(icmp_hdr(skb) + 1))->daddr) -
			    skb_network_header(skb);
	serr->port = port;

	if (skb_pull(skb, payload - skb->data)) {
		if (inet_sk(sk)->recverr_rfc4884) {
			switch (icmp_hdr(skb)->type) {
			case ICMP_DEST_UNREACH:
			case ICMP_TIME_EXCEEDED:
			case ICMP_PARAMETERPROB:
				ip_icmp_error_rfc4884(skb, &serr->ee.ee_rfc4884,
						      sizeof(struct icmphdr),
						      icmp_hdr(skb)->un.reserved[1] * 4);
			}
		}
		skb_reset_transport_header(skb);
		if (!sock_queue_err_skb(sk, skb))
			return;
	}
	kfree_skb(skb);
}

/* The twin of ip_recv_error(), for recvmsg(MSG_ERRQUEUE): the error,
 * its offender address and the quoted bytes.
 */
int xtcp_v4_recv_error(struct sock *sk, struct msghdr *msg, int len,
		       int *addr_len)
{
	DECLARE_SOCKADDR(struct sockaddr_in *, sin, msg->msg_name);
	struct {
		struct sock_extended_err ee;
		struct sockaddr_in	 offender;
	} errhdr;
	struct sock_exterr_skb *serr;
	struct sk_buff *skb;
	bool offender;
	int copied, err;

	skb = sock_dequeue_err_skb(sk);
	if (!skb)
		return -EAGAIN;

	copied = skb->len;
	if (copied > len) {
		msg->msg_flags |= MSG_TRUNC;
		copied = len;
	}
	err = skb_copy_datagram_msg(skb, 0, msg, copied);
	if (unlikely(err)) {
		kfree_skb(skb);
		return err;
	}
	sock_recv_timestamp(msg, sk, skb);

	serr = SKB_EXT_ERR(skb);
	if (sin && (serr->ee.ee_origin == SO_EE_ORIGIN_ICMP ||
		    serr->ee.ee_origin == SO_EE_ORIGIN_LOCAL || serr->port)) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = *(__be32 *)(skb_network_header(skb) +
						   serr->addr_offset);
		sin->sin_port = serr->port;
		memset(&sin->sin_zero, 0, sizeof(sin->sin_zero));
		*addr_len = sizeof(*sin);
	}

	memcpy(&errhdr.ee, &serr->ee, sizeof(struct sock_extended_err));
	memset(&errhdr.offender, 0, sizeof(errhdr.offender));
	/* ipv4_datagram_support_cmsg(): ICMP errors, and timestamps whose
	 * user asked for IP_PKTINFO with them
	 */
	offender = serr->ee.ee_origin == SO_EE_ORIGIN_ICMP;
	if (!offender && serr->ee.ee_origin != SO_EE_ORIGIN_LOCAL &&
	    (READ_ONCE(sk->sk_tsflags) & SOF_TIMESTAMPING_OPT_CMSG) &&
	    PKTINFO_SKB_CB(skb)->ipi_ifindex) {
		PKTINFO_SKB_CB(skb)->ipi_spec_dst.s_addr = ip_hdr(skb)->saddr;
		offender = true;
	}
	if (offender) {
		errhdr.offender.sin_family = AF_INET;
		errhdr.offender.sin_addr.s_addr = ip_hdr(skb)->saddr;
		if (inet_sk(sk)->cmsg_flags)
			ip_cmsg_recv_offset(msg, sk, skb, 0, 0);
	}
	put_cmsg(msg, SOL_IP, IP_RECVERR, sizeof(errhdr), &errhdr);

	msg->msg_flags |= MSG_ERRQUEUE;
	consume_skb(skb);
	return copied;
}

/* The twin of tcp_v4_err(): @skb->data is at the quoted IP header,
 * followed by at least 8 bytes of the quoted TCP header; @sk is what
 * the quoted 4-tuple found, with a reference that this consumes.  @info
 * is the MTU of ICMP_FRAG_NEEDED, the gateway of ICMP_REDIRECT.
 *
 * The sock is locked as for a segment.  When the user owns it, an MTU
 * change is deferred to xtcp_release_cb() (XTCP_MTU_REDUCED_DEFERRED),
 * other errors are kept as soft errors.
 */
static void xtcp_v4_err(struct sk_buff *skb, struct sock *sk, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	struct tcphdr *th = (struct tcphdr *)(skb->data + (iph->ihl << 2));
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = sock_net(sk);
	struct xtcp_sock *xsk;
	bool owned;
	u32 seq;
	int err;

	if (sk->sk_state == TCP_TIME_WAIT) {
		xtcp_twsk_put(sk);
		return;
	}
	seq = ntohl(th->seq);
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		/* the errors that say the peer cannot be reached */
		bool abort = type == ICMP_PARAMETERPROB ||
			     type == ICMP_TIME_EXCEEDED ||
			     (type == ICMP_DEST_UNREACH &&
			      (code == ICMP_NET_UNREACH ||
			       code == ICMP_HOST_UNREACH));

		xtcp_req_err(sk, seq, abort);
		return;
	}

	bh_lock_sock(sk);
	owned = sock_owned_by_user(sk);
	if (owned && !(type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED))
		XTCP_INC_STATS(net, XTCP_MIB_LOCKDROPPEDICMPS);
	if (sk->sk_state == TCP_CLOSE)
		goto out;
	/* IP_MINTTL, checked on the quoted header as 6.1 does */
	if (unlikely(iph->ttl < READ_ONCE(inet_sk(sk)->min_ttl)))
		goto out;

	/* RFC 5927 4.1: the quoted sequence number must be one we sent */
	xsk = xtcp_sk(sk);
	if (sk->sk_state != TCP_LISTEN &&
	    !between(seq, xsk->snd_una, xsk->snd_nxt)) {
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOWICMPS);
		goto out;
	}

	switch (type) {
	case ICMP_REDIRECT:
		if (!owned)
			xtcp_v4_do_redirect(skb, sk);
		goto out;
	case ICMP_SOURCE_QUENCH:
		goto out;	/* RFC 6633: ignored */
	case ICMP_PARAMETERPROB:
		err = EPROTO;
		break;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			goto out;
		if (code == ICMP_FRAG_NEEDED) {
			if (sk->sk_state == TCP_LISTEN)
				goto out;
			WRITE_ONCE(xsk->mtu_info, info);
			if (!owned)
				xtcp_v4_mtu_reduced(sk);
			else if (!test_and_set_bit(XTCP_MTU_REDUCED_DEFERRED,
						   &xsk->deferred))
				sock_hold(sk);
			goto out;
		}
		err = icmp_err_convert[code].errno;
		break;
	case ICMP_TIME_EXCEEDED:
		err = EHOSTUNREACH;
		break;
	default:
		goto out;
	}

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		/* connect() fails with the error */
		xtcp_v4_icmp_error(sk, skb, err, th->dest, info, (u8 *)th);
		if (!owned)
			xtcp_done_with_error(sk, err);
		else
			WRITE_ONCE(sk->sk_err_soft, err);
		goto out;
	}

	/* Connected: RFC 1122 4.2.3.9 lets only some unreachables be hard
	 * errors, and routing is unreliable: keep trying until the
	 * timeout, which then reports this error, unless the user asked
	 * for errors at once with IP_RECVERR.
	 */
	if (!owned && inet_sk(sk)->recverr) {
		WRITE_ONCE(sk->sk_err, err);
		sk_error_report(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* An ICMP error about @sk (a lookup reference, consumed): the checks of
 * icmp_rcv(), icmp_unreach() and icmp_socket_deliver() that stock ICMP
 * would make before tcp_v4_err(), counted in the host's ICMP MIB as it
 * counts them (the message never reaches icmp_rcv()), then
 * xtcp_v4_err().  Consumes @skb, which is at the outer IP header.
 */
static void xtcp_v4_icmp_rcv(struct net *net, struct sk_buff *skb,
			     struct sock *sk)
{
	const struct iphdr *iph;
	struct icmphdr *icmph;
	u32 info = 0;

	nf_reset_ct(skb);
	__ICMP_INC_STATS(net, ICMP_MIB_INMSGS);
	__skb_pull(skb, ip_hdrlen(skb));
	skb_reset_transport_header(skb);
	if (skb_checksum_simple_validate(skb)) {
		__ICMP_INC_STATS(net, ICMP_MIB_CSUMERRORS);
		goto error;
	}
	if (!pskb_pull(skb, sizeof(*icmph)))
		goto error;
	icmph = icmp_hdr(skb);
	ICMPMSGIN_INC_STATS(net, icmph->type);

	if (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))
		goto error;
	if (!pskb_may_pull(skb, sizeof(struct iphdr)))
		goto error;
	iph = (const struct iphdr *)skb->data;

	switch (icmph->type) {
	case ICMP_DEST_UNREACH:
		if ((icmph->code & 15) == ICMP_FRAG_NEEDED) {
			switch (READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc)) {
			case 2:
				goto drop;
			case 0:
			case 3:	/* TCP validates the quoted tag */
				info = ntohs(icmph->un.frag.mtu);
			}
		}
		if (icmph->code > NR_ICMP_UNREACH)
			goto drop;
		break;
	case ICMP_PARAMETERPROB:
		info = ntohl(icmph->un.gateway) >> 24;
		break;
	case ICMP_TIME_EXCEEDED:
		__ICMP_INC_STATS(net, ICMP_MIB_INTIMEEXCDS);
		if (icmph->code == ICMP_EXC_FRAGTIME)
			goto drop;
		break;
	case ICMP_REDIRECT:
		info = ntohl(icmph->un.gateway);
		break;
	}
	/* RFC 1122 3.2.2: an error about a broadcast is bogus */
	if (icmph->type != ICMP_REDIRECT &&
	    !READ_ONCE(net->ipv4.sysctl_icmp_ignore_bogus_error_responses) &&
	    inet_addr_type_dev_table(net, skb->dev, iph->daddr) ==
	    RTN_BROADCAST)
		goto drop;
	if (!pskb_may_pull(skb, iph->ihl * 4 + 8))
		goto error;

	xtcp_v4_err(skb, sk, info);
	consume_skb(skb);
	return;

error:
	__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
drop:
	xtcp_sock_gen_put(sk);
	kfree_skb(skb);
}

/* The part of a quoted TCP header that RFC 792 guarantees: 8 bytes. */
struct xtcp_quoted_tcp {
	__be16	source;
	__be16	dest;
	__be32	seq;
};

/* The ICMP half of the hook.  Only the error types tcp_v4_err() acts
 * on, quoting a TCP header whose 4-tuple (reversed: it is a segment we
 * sent) is one of XTCP's socks, request socks or time-wait socks, are
 * taken; the no-match path reads three headers with
 * skb_header_pointer() and makes one RCU lookup.
 */
static unsigned int xtcp_v4_icmp_hook(struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	unsigned int off = ip_hdrlen(skb);
	const struct icmphdr *icmph;
	const struct iphdr *qiph;
	const struct xtcp_quoted_tcp *qth;
	struct xtcp_quoted_tcp _qth;
	struct icmphdr _icmph;
	struct iphdr _qiph;
	struct sock *sk;

	icmph = skb_header_pointer(skb, off, sizeof(_icmph), &_icmph);
	if (!icmph)
		return NF_ACCEPT;
	switch (icmph->type) {
	case ICMP_DEST_UNREACH:
	case ICMP_SOURCE_QUENCH:
	case ICMP_REDIRECT:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		break;
	default:
		return NF_ACCEPT;
	}
	off += sizeof(_icmph);
	qiph = skb_header_pointer(skb, off, sizeof(_qiph), &_qiph);
	if (!qiph || qiph->protocol != IPPROTO_TCP || qiph->ihl < 5)
		return NF_ACCEPT;
	qth = skb_header_pointer(skb, off + qiph->ihl * 4, sizeof(_qth), &_qth);
	if (!qth)
		return NF_ACCEPT;

	sk = xtcp_lookup_established(state->net, qiph->daddr, qth->dest,
				     qiph->saddr, qth->source, inet_iif(skb),
				     0);
	if (!sk)
		return NF_ACCEPT;
	xtcp_v4_icmp_rcv(state->net, skb, sk);
	return NF_STOLEN;
}

/* Is the segment for a connection that stock TCP has on an XTCP
 * listener's port?  The shadow socket shares a port with stock TCP's
 * SO_REUSEADDR socks that do not listen (xtcp_shadow_bind()): a
 * connection accepted before a stock listener was closed, a TIME_WAIT
 * sock.  As in __inet_lookup_skb(), the ehash comes before the listener,
 * so stock TCP keeps such a segment; but a SYN that finds only a
 * TIME_WAIT sock goes on to the listener, as tcp_v4_rcv()'s TCP_TW_SYN
 * hands it to one (the listener that would take it is XTCP's).  Under
 * RCU, on the listener path only.
 */
static bool xtcp_v4_stock_owns(struct net *net, const struct sk_buff *skb,
			       const struct iphdr *iph,
			       const struct tcphdr *th)
{
	struct sock *sk;
	bool owns;

	sk = __inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
				       iph->saddr, th->source, iph->daddr,
				       ntohs(th->dest), inet_iif(skb),
				       inet_sdif(skb));
	if (!sk)
		return false;
	owns = sk->sk_state != TCP_TIME_WAIT || !th->syn || th->ack ||
	       th->rst;
	sock_gen_put(sk);
	return owns;
}

/* The LOCAL_IN hook.  The no-match path is an RCU lookup, with no pull,
 * no allocation and no lock; nf hooks run under rcu_read_lock().
 */
static unsigned int xtcp_v4_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct tcphdr _th;
	bool refcounted = true;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	if (iph->protocol == IPPROTO_ICMP)
		return xtcp_v4_icmp_hook(skb, state);
	if (iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;

	sk = xtcp_lookup_established(state->net, iph->saddr, th->source,
				     iph->daddr, th->dest, inet_iif(skb),
				     inet_sdif(skb));
	if (!sk) {
		sk = xtcp_lookup_listener(state->net, NULL, 0, iph->saddr,
					  th->source, iph->daddr,
					  ntohs(th->dest), inet_iif(skb),
					  inet_sdif(skb));
		if (!sk || xtcp_v4_stock_owns(state->net, skb, iph, th))
			return NF_ACCEPT;
		refcounted = false;
	}
	if (xtcp_v4_ct_confirm(skb) != NF_ACCEPT) {
		/* conntrack refused the entry (a clash it could not resolve) */
		if (refcounted)
			xtcp_sock_gen_put(sk);
		return NF_DROP;
	}
	xtcp_v4_rcv(state->net, skb, sk, refcounted);
	return NF_STOLEN;
}

/* After conntrack and NAT (DNAT runs before routing, SNAT on LOCAL_IN at
 * NF_IP_PRI_NAT_SRC, helpers at NF_IP_PRI_CONNTRACK_HELPER), and before
 * conntrack's confirmation at NF_IP_PRI_CONNTRACK_CONFIRM.  ICMP errors
 * take the same priority, on purpose: NAT has then translated the quoted
 * header of an error related to a NATed connection (so it quotes the
 * addresses XTCP's sock has), and the filter table (priority 0) has
 * had its say, so a rule dropping ICMP protects XTCP as it protects TCP.
 */
#define XTCP_HOOK_PRIORITY	(NF_IP_PRI_CONNTRACK_HELPER + 1)

static const struct nf_hook_ops xtcp_v4_hook_ops = {
	.hook		= xtcp_v4_hook,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_LOCAL_IN,
	.priority	= XTCP_HOOK_PRIORITY,
};

int xtcp_v4_hooks_net_init(struct xtcp_net *xn)
{
	int err;

	err = sock_create_kern(xn->net, AF_INET, SOCK_RAW, IPPROTO_TCP,
			       &xn->ctl_sock);
	if (err)
		return err;
	/* a sender only: no copy of incoming TCP for it */
	xn->ctl_sock->sk->sk_prot->unhash(xn->ctl_sock->sk);
	inet_sk(xn->ctl_sock->sk)->pmtudisc = IP_PMTUDISC_DONT;

	err = nf_register_net_hook(xn->net, &xtcp_v4_hook_ops);
	if (err)
		goto err_release;
	return 0;

err_release:
	sock_release(xn->ctl_sock);
	return err;
}

void xtcp_v4_hooks_net_exit(struct xtcp_net *xn)
{
	nf_unregister_net_hook(xn->net, &xtcp_v4_hook_ops);
	sock_release(xn->ctl_sock);
}

const struct xtcp_af_ops xtcp_ipv4_specific = {
	.connect	= xtcp_v4_connect,
	.setsockopt	= ip_setsockopt,
	.getsockopt	= ip_getsockopt,
};
