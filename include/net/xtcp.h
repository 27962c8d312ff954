/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP: internal definitions shared by the files of net/xtcp/.
 *
 * Which sk_family the socks carry: AF_INET.  The socket (struct socket)
 * belongs to family AF_XTCP and has XTCP's proto_ops, but the sock is a
 * struct inet_connection_sock with sk_family AF_INET and sk_protocol
 * IPPROTO_TCP, so that the IP layer (ip_queue_xmit, routing, IP socket
 * options), SO_REUSEPORT and SO_DOMAIN work as for stock TCP.  The price
 * is that core code's sk_is_tcp() is true for XTCP socks; the few
 * SOL_SOCKET paths that then treat the sock as a tcp_sock are caught in
 * xtcp_sol_socket_setsockopt() (the socket carries SOCK_CUSTOM_SOCKOPT).
 */
#ifndef _NET_XTCP_H
#define _NET_XTCP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/netns/generic.h>
/* wire constants (TCPHDR_*, TCPOPT_*), before()/after() and struct
 * tcp_sack_block only
 */
#include <net/tcp.h>
#include <net/sock.h>

/* Live objects, for leak checks: /sys/module/xtcp/parameters/objects. */
enum xtcp_obj_kind {
	XTCP_OBJ_SOCK,
	XTCP_OBJ_REQSK,
	XTCP_OBJ_TWSK,
	XTCP_OBJ_BIND_BUCKET,
	XTCP_OBJ_MAX
};

extern atomic_long_t xtcp_objects[XTCP_OBJ_MAX];

static inline void xtcp_obj_inc(enum xtcp_obj_kind kind)
{
	atomic_long_inc(&xtcp_objects[kind]);
}

static inline void xtcp_obj_dec(enum xtcp_obj_kind kind)
{
	atomic_long_dec(&xtcp_objects[kind]);
}

struct xtcp_bind_bucket;
struct xtcp_congestion_ops;
struct ctl_table;

/*
 * XTCP's equivalent of inet_connection_sock_af_ops: the address-family
 * specific half of the connection paths.
 */
struct xtcp_af_ops {
	int	(*connect)(struct sock *sk, struct sockaddr *uaddr,
			   int addr_len);
	int	(*setsockopt)(struct sock *sk, int level, int optname,
			      sockptr_t optval, unsigned int optlen);
	int	(*getsockopt)(struct sock *sk, int level, int optname,
			      char __user *optval, int __user *optlen);
};

/*
 * The accept queue (the twin of request_sock_queue's rskq_accept_*).
 * @lock protects @head and @tail; @qlen is read locklessly.
 */
struct xtcp_accept_queue {
	spinlock_t	lock;	/* head, tail */
	struct sock	*head;
	struct sock	*tail;
	atomic_t	qlen;
};

/*
 * The connection state, the twin of struct tcp_sock.  Unless a field says
 * otherwise it is protected by the socket lock: lock_sock() in process
 * context, bh_lock_sock() in softirq when the user does not own the sock
 * (otherwise softirq queues the segment to the backlog).
 */
struct xtcp_sock {
	/* inet_connection_sock must stay first: inet_sk() and the IP layer */
	struct inet_connection_sock	icsk;

	const struct xtcp_af_ops	*af_ops;

	/* The port this sock holds: owner of xtcp_bind_bucket::owners via
	 * sk_bind_node.  Both are protected by the bucket's chain lock.
	 */
	struct xtcp_bind_bucket		*bind_hash;

	/* softirq work deferred while the user owned the sock (bits:
	 * XTCP_*_DEFERRED), run by xtcp_release_cb()
	 */
	unsigned long			deferred;

	/* TCP small queues (xtcp_small_queue_check()): XTCP_TSQ_* bits,
	 * atomic; tsq_node links the sock on a CPU's list of socks whose
	 * skbs left the host, under that CPU's irqs off, while
	 * XTCP_TSQ_QUEUED (the list holds one sk_wmem_alloc reference)
	 */
	unsigned long			tsq_flags;
	struct list_head		tsq_node;

	/* Listeners only. */
	struct xtcp_accept_queue	accept_queue;
	atomic_t			syn_qlen;	/* request socks */
	/* Children only: next on the listener's accept queue, under its
	 * xtcp_accept_queue::lock.
	 */
	struct sock			*accept_next;

	/* receive side */
	u32	rcv_nxt;	/* next sequence number expected */
	u32	copied_seq;	/* head of yet unread data */
	u32	rcv_wup;	/* rcv_nxt at the last window update sent */
	u32	rcv_wnd;	/* current receiver window */
	u32	window_clamp;	/* largest window to advertise */
	u32	rcv_isn;
	/* Data beyond rcv_nxt, keyed by sequence number and charged to
	 * sk_rmem_alloc (skb_set_owner_r()); @ooo_last_skb is the skb of
	 * the highest sequence, NULL when the tree is empty.
	 */
	struct rb_root	out_of_order_queue;
	struct sk_buff	*ooo_last_skb;
	/* What our ACKs report when sack_ok: the blocks of the out-of-order
	 * queue, most recent first (RFC 2018), and a duplicate segment
	 * (RFC 2883 D-SACK) in the next ACK while @dsack is set.
	 */
	struct tcp_sack_block	duplicate_sack[1];
	struct tcp_sack_block	selective_acks[4];
	u8	num_sacks;	/* selective_acks in use */
	u8	dsack : 1;
	/* Receive buffer autotuning (dynamic right-sizing), the twins of
	 * tcp_sock's rcv_rtt_est and rcvq_space: the receiver's RTT
	 * estimate (usecs << 3, 0: none yet), taken once a window (@seq,
	 * from @time) or from the TSecr of full segments, and what the
	 * reader took in the last RTT (@space bytes, from @seq at @time).
	 * Times are tcp_clock_us().
	 */
	struct {
		u32	rtt_us;
		u32	seq;
		u64	time;
	} rcv_rtt_est;
	struct {
		u32	space;
		u32	seq;
		u64	time;
	} rcvq_space;
	u32	rcv_rtt_last_tsecr;

	/* send side */
	u32	snd_una;	/* first byte we want an ack for */
	u32	snd_nxt;	/* next sequence we send */
	u32	snd_wl1;	/* sequence of the last window update */
	u32	snd_wnd;	/* the peer's window */
	u32	max_window;
	u32	write_seq;	/* tail of data in the write queue */
	u32	snd_isn;
	u32	snd_cwnd;	/* in segments */
	u32	snd_ssthresh;
	u32	packets_out;	/* segments sent and not acked */
	u32	lsndtime;	/* jiffies of the last data sent */
	u32	rcv_tstamp;	/* jiffies of the last acceptable ACK */
	struct sk_buff *send_head;	/* first unsent skb of sk_write_queue */

	/* segment size */
	u32	mss_cache;	/* current effective send MSS */
	u16	advmss;		/* MSS we advertise */
	u16	rx_mss;		/* MSS the peer advertised */
	u16	user_mss;	/* TCP_MAXSEG */
	u16	rcv_mss;	/* largest segment the peer sent, <= advmss */

	/* options agreed in the handshake */
	u8	snd_wscale : 4,
		rcv_wscale : 4;
	u8	tstamp_ok : 1,
		wscale_ok : 1,
		sack_ok : 1,
		nonagle : 3,		/* XTCP_NAGLE_* bits */
		passive_open : 1;	/* a child of a listener */
	u32	snd_sml;	/* end of the last small segment sent (Nagle,
				 * Minshall's variant)
				 */
	u32	ts_recent;	/* peer's last TSval */
	u32	ts_recent_stamp;	/* seconds when ts_recent was taken */
	u32	tsoffset;	/* per-flow offset of our TSval */

	/* RTT and retransmission */
	u32	srtt_us;	/* smoothed RTT << 3, in usecs */
	u32	mdev_us;	/* RTT mean deviation */
	u32	rtt_seq;	/* sequence whose ack gives the next sample */
	u32	retrans_stamp;	/* jiffies of the first retransmit */
	/* jiffies of the last ACK sent to answer an invalid segment: the
	 * per-socket rate limit of RFC 5961 and duplicate ACKs
	 * (net.xtcp.invalid_ratelimit)
	 */
	u32	last_oow_ack_time;
	u8	syn_retries;
	u32	high_seq;	/* snd_nxt when recovery or loss began */
	int	linger2;	/* TCP_LINGER2: jiffies, 0 sysctl, < 0 none */
	u32	notsent_lowat;	/* TCP_NOTSENT_LOWAT, 0: none */

	/* TCP_INFO's counters: segments sent and received (with data),
	 * retransmissions, as tcp_sock counts them
	 */
	u32	segs_out;
	u32	data_segs_out;
	u32	segs_in;
	u32	data_segs_in;
	u32	total_retrans;
	u64	bytes_retrans;

	/* keepalive (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT): 0 means
	 * the net.xtcp sysctl.  Written by setsockopt() with WRITE_ONCE()
	 * (TCP_KEEPIDLE under the socket lock, as it moves the timer), read
	 * by the keepalive timer and getsockopt() with READ_ONCE().
	 */
	u32	keepalive_time;		/* jiffies */
	u32	keepalive_intvl;	/* jiffies */
	u8	keepalive_probes;

	/* the MTU of the last ICMP_FRAG_NEEDED: written by the ICMP path
	 * under bh_lock_sock() (the user may own the sock), read by
	 * xtcp_v4_mtu_reduced(), both with *_ONCE()
	 */
	u32	mtu_info;

	/* Loss recovery, the twin of tcp_sock's scoreboard (xtcp_input.c).
	 * Counts of skbs of the retransmit queue (sk_write_queue before
	 * send_head), kept equal to the XTCPCB_* marks of its skbs:
	 * sacked_out + lost_out <= packets_out.  Without SACK, sacked_out
	 * counts duplicate ACKs (RFC 6582's emulation).
	 */
	u32	sacked_out;	/* SACKed */
	u32	lost_out;	/* marked lost */
	u32	retrans_out;	/* retransmitted, not yet acked or SACKed */
	u32	lost;		/* ever marked lost (for PRR) */
	u32	delivered;	/* ever acked or SACKed */
	u32	highest_sack;	/* end of the highest SACKed skb */
	u32	undo_marker;	/* snd_una when recovery or loss began */
	u32	prior_cwnd;	/* cwnd when recovery or loss began */
	u32	prr_delivered;	/* RFC 6937: delivered in recovery */
	u32	prr_out;	/* RFC 6937: sent in recovery */
	u32	prior_ssthresh;	/* ssthresh to restore on undo, 0: none */
	int	undo_retrans;	/* retransmits not yet proven spurious by
				 * D-SACK (-1: none made since undo_marker)
				 */
	u32	reordering;	/* DupThresh, grows with reordering seen */
	u32	snd_cwnd_cnt;	/* linear increase counter */
	u32	max_packets_out;	/* largest packets_out of the window */
	u32	cwnd_usage_seq;	/* right edge of that window */
	u8	ca_state;	/* TCP_CA_Open .. TCP_CA_Loss */
	u8	is_cwnd_limited : 1,
		ca_setsockopt : 1,	/* the user chose ca_ops */
		ca_initialized : 1;
	/* RACK (RFC 8985) and tail loss probes (xtcp_recovery.c), the
	 * twins of tcp_sock's rack, tlp_high_seq and rtt_min.  Times are
	 * xtcp_clock_us() values, as the skbs' mstamp.
	 */
	struct {
		u64	mstamp;	/* send time of the latest sent skb delivered */
		u64	reo_wnd_mstamp;	/* when reo_wnd_steps last grew
					 * (one step per round trip)
					 */
		u32	rtt_us;	/* RTT of that skb */
		u32	end_seq;	/* its end */
		u8	reo_wnd_steps;	/* reordering window, in min_rtt/4 */
		u8	reo_wnd_persist : 5,	/* recoveries to keep it */
			dsack_seen : 1,	/* a D-SACK asks for a wider window */
			advanced : 1;	/* mstamp moved: look for losses */
	} rack;
	u64	tcp_mstamp;	/* the clock of the ACK or timer at work */
	u32	reord_seen;	/* reordering events seen */
	u32	min_rtt_us;	/* smallest RTT sample of the window, 0: none */
	u32	min_rtt_stamp;	/* jiffies when it was taken */
	u32	tlp_high_seq;	/* snd_nxt at the loss probe out, 0: none */
	u8	tlp_retrans : 1;	/* that probe was a retransmission */
	/* Congestion control (xtcp_cong.c): set under the socket lock,
	 * read locklessly by getsockopt (READ_ONCE).  Its private state is
	 * icsk_ca_priv (xtcp_ca()).
	 */
	const struct xtcp_congestion_ops *ca_ops;
};

/* xtcp_sock::nonagle, as tcp_sock's TCP_NAGLE_* */
#define XTCP_NAGLE_OFF		1	/* TCP_NODELAY */
#define XTCP_NAGLE_CORK		2	/* TCP_CORK */
#define XTCP_NAGLE_PUSH		4	/* queued data goes despite the cork */

enum {
	XTCP_WRITE_TIMER_DEFERRED,
	XTCP_DELACK_TIMER_DEFERRED,
	XTCP_MTU_REDUCED_DEFERRED,
	XTCP_KEEPALIVE_TIMER_DEFERRED,
	XTCP_TSQ_DEFERRED,		/* the TSQ tasklet found it owned */
};

/* xtcp_sock::tsq_flags (TSQ_THROTTLED, TSQ_QUEUED) */
enum {
	XTCP_TSQ_THROTTLED,	/* data waits for the host's queues */
	XTCP_TSQ_QUEUED,	/* on a CPU's TSQ list */
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/*
 * A request sock: a SYN received on a listener, answered by a SYN-ACK,
 * waiting for the ACK.  The twin of tcp_request_sock.  It sits in the
 * ehash like a sock (sock_common first; skc_state TCP_NEW_SYN_RECV) and
 * is freed by SLAB_TYPESAFE_BY_RCU rules: lookups take a reference with
 * refcount_inc_not_zero() and re-check the keys.  The fields after
 * @common do not change after the request is hashed, except @num_retrans
 * and @acked (under the timer and the listener's lock).
 */
struct xtcp_request_sock {
	struct sock_common	common;
	struct sock		*listener;	/* holds a reference */
	struct timer_list	timer;		/* SYN-ACK retransmit */
	u32			snt_isn;
	u32			rcv_isn;
	u32			ts_recent;
	u32			ts_off;
	u32			rcv_wnd;
	u16			mss;		/* the peer's */
	u8			snd_wscale;
	u8			rcv_wscale;
	/* as xtcp_sock's, written by softirq without a lock (a lost
	 * update only lets one more ACK out), as 6.1 does
	 */
	u32			last_oow_ack_time;
	u8			num_retrans;
	u8			tstamp_ok : 1,
				sack_ok : 1,
				wscale_ok : 1,
				acked : 1;	/* a final ACK came, dropped */
};

static inline struct xtcp_request_sock *xtcp_rsk(const struct sock *sk)
{
	return (struct xtcp_request_sock *)sk;
}

/*
 * A TIME_WAIT (or orphaned FIN_WAIT2) connection, the twin of
 * tcp_timewait_sock: in the ehash like a sock (skc_state TCP_TIME_WAIT,
 * @substate the real one) and on its port's owner list
 * (skc_bind_node).  SLAB_TYPESAFE_BY_RCU like request socks.
 */
struct xtcp_timewait_sock {
	struct sock_common	common;
	struct xtcp_bind_bucket	*tb;		/* under its chain lock */
	struct timer_list	timer;
	u32			rcv_nxt;
	u32			snd_nxt;
	u32			rcv_wnd;
	u32			ts_recent;
	u32			ts_recent_stamp;
	u32			ts_off;
	u32			last_oow_ack_time;	/* as the request's */
	u8			rcv_wscale;
	u8			substate;
	u8			tstamp_ok : 1;
};

static inline struct xtcp_timewait_sock *xtcp_twsk(const struct sock *sk)
{
	return (struct xtcp_timewait_sock *)sk;
}

/* A chain of the established hash: full socks, request socks and
 * time-wait socks, keyed by the 4-tuple.  @lock (BH) for writers,
 * RCU and the nulls value (the chain's index) for readers.
 */
struct xtcp_ehash_bucket {
	spinlock_t		lock;	/* writers of chain */
	struct hlist_nulls_head	chain;
};

/* A chain of the bind table.  @lock is taken with BHs off. */
struct xtcp_bind_hashbucket {
	spinlock_t		lock;	/* chain, its buckets' owners */
	struct hlist_head	chain;
};

/*
 * One local port in use by XTCP in one netns: the twin of
 * inet_bind_bucket.
 *
 * @node and @owners are protected by the chain lock of the bucket's
 * xtcp_bind_hashbucket.  A bucket is created and unlinked only with
 * xtcp_net::bind_mutex held as well, so a holder of that mutex sees
 * buckets come and go only through its own hands.
 *
 * @shadow is a kernel AF_INET TCP socket bound to INADDR_ANY:@port for
 * the bucket's whole life: it keeps stock TCP from binding or picking
 * the port, and its bind fails when stock TCP holds the port (but for
 * SO_REUSEADDR socks that do not listen: see xtcp_shadow_bind()).
 */
struct xtcp_bind_bucket {
	struct net		*net;
	unsigned short		port;
	struct hlist_node	node;
	struct hlist_head	owners;
	struct socket		*shadow;
	/* what owners had at join time: inet_csk_update_fastreuse() */
	signed char		fastreuse;
	signed char		fastreuseport;
	kuid_t			fastuid;
	__be32			fast_rcv_saddr;
	/* on xtcp_net::bind_gc_list, under bind_gc_lock */
	struct list_head	gc_node;
	bool			gc_queued;
};

/* The listening hash: listeners hashed by local port.  Writers take the
 * chain's lock; lookups walk it under RCU (listeners are SOCK_RCU_FREE).
 */
struct xtcp_listen_hashbucket {
	spinlock_t		lock;	/* writers of nulls_head */
	struct hlist_nulls_head	nulls_head;
};

#define XTCP_EHASH_SIZE		16384
#define XTCP_BHASH_SIZE		2048
#define XTCP_LHASH_SIZE		512

/* MIB counters, per netns and per CPU: /proc/net/xtcp_stat.  Named as
 * Linux names its own (TcpExt and Tcp) where one exists.
 */
enum {
	XTCP_MIB_INSEGS,
	XTCP_MIB_OUTSEGS,
	XTCP_MIB_RETRANSSEGS,
	XTCP_MIB_INERRS,
	XTCP_MIB_INCSUMERRORS,
	XTCP_MIB_OUTRSTS,
	XTCP_MIB_ACTIVEOPENS,
	XTCP_MIB_PASSIVEOPENS,
	XTCP_MIB_ATTEMPTFAILS,
	XTCP_MIB_ESTABRESETS,
	XTCP_MIB_CHALLENGEACKS,
	XTCP_MIB_LISTENDROPS,
	XTCP_MIB_LISTENOVERFLOWS,
	XTCP_MIB_TIMEOUTS,
	XTCP_MIB_FASTRETRANS,
	XTCP_MIB_PAWSDROPS,
	XTCP_MIB_OFODROPS,
	XTCP_MIB_ACKSKIPPEDSYNRECV,
	XTCP_MIB_ACKSKIPPEDPAWS,
	XTCP_MIB_ACKSKIPPEDSEQ,
	XTCP_MIB_ACKSKIPPEDTIMEWAIT,
	XTCP_MIB_ACKSKIPPEDCHALLENGE,
	XTCP_MIB_DEFERACCEPTDROP,
	XTCP_MIB_ABORTONLINGER,
	XTCP_MIB_ABORTONDATA,
	/* the receive side (TcpExt names) */
	XTCP_MIB_OFOQUEUE,
	XTCP_MIB_OFOMERGE,
	XTCP_MIB_OFOPRUNED,
	XTCP_MIB_RCVPRUNED,
	XTCP_MIB_PRUNECALLED,
	XTCP_MIB_RCVCOLLAPSED,
	XTCP_MIB_RCVCOALESCE,
	XTCP_MIB_RCVQDROP,
	XTCP_MIB_ZEROWINDOWDROP,
	XTCP_MIB_DELAYEDACKLOST,
	XTCP_MIB_DSACKOLDSENT,
	XTCP_MIB_DSACKOFOSENT,
	XTCP_MIB_BACKLOGDROP,
	XTCP_MIB_BACKLOGCOALESCE,
	XTCP_MIB_OUTOFWINDOWICMPS,
	XTCP_MIB_LOCKDROPPEDICMPS,
	XTCP_MIB_ABORTONTIMEOUT,
	XTCP_MIB_ABORTONMEMORY,
	XTCP_MIB_KEEPALIVE,
	XTCP_MIB_SACKRECOVERY,
	XTCP_MIB_RENORECOVERY,
	XTCP_MIB_SACKDISCARD,
	XTCP_MIB_DSACKRECV,
	XTCP_MIB_DSACKOFORECV,
	XTCP_MIB_LOSTRETRANSMIT,
	XTCP_MIB_SACKRENEGING,
	XTCP_MIB_SLOWSTARTRETRANS,
	XTCP_MIB_SACKREORDER,
	XTCP_MIB_DSACKUNDO,
	XTCP_MIB_FULLUNDO,
	XTCP_MIB_LOSSUNDO,
	/* protocol memory (net.xtcp.mem) */
	XTCP_MIB_MEMORYPRESSURES,
	XTCP_MIB_MEMORYPRESSURESCHRONO,
	XTCP_MIB_LOSSPROBES,
	XTCP_MIB_LOSSPROBERECOVERY,
	__XTCP_MIB_MAX
};

struct xtcp_mib {
	unsigned long	mibs[__XTCP_MIB_MAX];
};

/* XTCP's own sysctls, /proc/sys/net/xtcp/, one set per netns.  Seeded
 * from the defaults of their net.ipv4.tcp_* twins; read with READ_ONCE()
 * (written by proc handlers at any time).  Times are in jiffies.
 */
struct xtcp_sysctl {
	int	syn_retries;
	int	synack_retries;
	int	retries1;
	int	retries2;
	int	orphan_retries;
	int	fin_timeout;
	int	keepalive_time;
	int	keepalive_intvl;
	int	keepalive_probes;
	int	invalid_ratelimit;
	u8	abort_on_overflow;
	u8	sack;
	u8	timestamps;
	u8	window_scaling;
	u8	dsack;
	u8	moderate_rcvbuf;
	u8	recovery;	/* TCP_RACK_* bits */
	u8	early_retrans;	/* 3, 4: tail loss probes */
	/* the algorithm new sockets take (net.xtcp.congestion_control):
	 * never NULL, never unregistered while the module is loaded
	 */
	const struct xtcp_congestion_ops *congestion_control;
};

/* Per network namespace state (net_generic(net, xtcp_net_id)). */
struct xtcp_net {
	struct net			*net;

	/* keys the bind and listening hashes, so that the chains a port
	 * falls in cannot be foreseen; set once at netns init
	 */
	u32				hash_rnd;

	/* bind table */
	struct xtcp_bind_hashbucket	*bhash;
	struct mutex			bind_mutex;	/* creates/unlinks */
	spinlock_t			bind_gc_lock;
	struct list_head		bind_gc_list;
	struct work_struct		bind_gc_work;

	/* listening hash */
	struct xtcp_listen_hashbucket	*lhash;

	/* established hash */
	struct xtcp_ehash_bucket	*ehash;

	/* per-CPU counters, written with this_cpu_inc() */
	struct xtcp_mib __percpu	*mib;

	/* a kernel raw socket that sends ACKs and RSTs for request socks,
	 * time-wait socks and segments that match no sock
	 */
	struct socket			*ctl_sock;

	struct xtcp_sysctl		sysctl;
	struct ctl_table_header		*sysctl_header;
};

extern unsigned int xtcp_net_id;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

/* The value of sysctl net.xtcp.@name in @net. */
#define XTCP_SYSCTL(net, name)	READ_ONCE(xtcp_pernet(net)->sysctl.name)

#define XTCP_INC_STATS(net, field) \
	this_cpu_inc(xtcp_pernet(net)->mib->mibs[field])
#define XTCP_ADD_STATS(net, field, val) \
	this_cpu_add(xtcp_pernet(net)->mib->mibs[field], val)

/* af_xtcp.c */
extern struct proto xtcp_prot;
extern int xtcp_family;

/* Protocol memory, the twins of tcp_memory_allocated, tcp_sockets_allocated,
 * tcp_memory_pressure and sysctl_tcp_mem, global as 6.1 keeps them:
 * xtcp_prot's accounting (sk_mem_schedule() and friends) in pages, the
 * limits net.xtcp.mem (min, pressure, max; in init_net only, seeded from
 * net.ipv4.tcp_mem at load), and since when (jiffies, 0: not) the
 * protocol is under memory pressure.
 */
extern long xtcp_sysctl_mem[3];
extern struct percpu_counter xtcp_sockets_allocated;
long xtcp_memory_allocated_sum(void);

static inline bool xtcp_under_memory_pressure(const struct sock *sk)
{
	return sk_under_memory_pressure(sk);
}

/* The twin of tcp_out_of_memory(): the protocol is over its hard limit
 * and this sock holds more than the least send buffer.
 */
static inline bool xtcp_out_of_memory(const struct sock *sk)
{
	return sk->sk_wmem_queued > SOCK_MIN_SNDBUF &&
	       sk_memory_allocated(sk) > sk_prot_mem_limits(sk, 2);
}

void xtcp_forced_mem_schedule(struct sock *sk, int size, int kind);

/* Every change of sk_wmem_queued goes through here, so that the write
 * queue's skbs are charged to the protocol's memory (sk_forward_alloc,
 * forced when need be, as sk_forced_mem_schedule() does) while they are
 * queued, and uncharged when they go: the twin of 6.1's pairs
 * sk_wmem_queued_add() + sk_mem_charge() and sk_wmem_free_skb().  A
 * caller that may wait for memory checks sk_wmem_schedule() first.
 * Under the socket lock.
 */
static inline void xtcp_wmem_queued_add(struct sock *sk, int val)
{
	sk_wmem_queued_add(sk, val);
	if (val > 0) {
		xtcp_forced_mem_schedule(sk, val, SK_MEM_SEND);
		sk_mem_charge(sk, val);
	} else {
		sk_mem_uncharge(sk, -val);
	}
}

/* A plain sk_wmem_queued_add() would unbalance the accounting. */
#pragma GCC poison sk_wmem_queued_add

/* ctrl.c */
int xtcp_pernet_register(void);
void xtcp_pernet_unregister(void);

/* xtcp_hashtables.c */
int xtcp_hashtables_net_init(struct xtcp_net *xn);
void xtcp_hashtables_net_exit(struct xtcp_net *xn);
int xtcp_hashtables_init(void);
void xtcp_hashtables_exit(void);
int xtcp_inet_csk_get_port(struct sock *sk, unsigned short snum);
void xtcp_inet_put_port(struct sock *sk);
int xtcp_inet_hash(struct sock *sk);
void xtcp_inet_unhash(struct sock *sk);
bool xtcp_ehash_insert(struct sock *sk, struct sock *osk);
bool xtcp_ehash_remove(struct sock *sk);
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif, int sdif);
struct sock *xtcp_lookup_listener(struct net *net, struct sk_buff *skb,
				  int doff, __be32 saddr, __be16 sport,
				  __be32 daddr, unsigned short hnum,
				  int dif, int sdif);
int xtcp_inet_hash_connect(struct sock *sk);
void xtcp_inherit_port(const struct sock *sk, struct sock *child);
void xtcp_twsk_bind_hash(struct sock *tw, struct sock *sk);
void xtcp_twsk_bind_unhash(struct sock *tw);

/* xtcp_core.c: socket-level TCP, the twin of net/ipv4/tcp.c */
void xtcp_set_state(struct sock *sk, int state);
void xtcp_inet_csk_destroy_sock(struct sock *sk);
void xtcp_write_queue_purge(struct sock *sk);
int xtcp_inet_csk_listen_start(struct sock *sk);
struct sock *xtcp_inet_csk_accept(struct sock *sk, int flags, int *err,
				  bool kern);
void xtcp_close(struct sock *sk, long timeout);
int xtcp_disconnect(struct sock *sk, int flags);
void xtcp_shutdown(struct sock *sk, int how);
__poll_t xtcp_poll(struct file *file, struct socket *sock,
		   struct poll_table_struct *wait);
int xtcp_sendmsg(struct sock *sk, struct msghdr *msg, size_t size);
int xtcp_recvmsg(struct sock *sk, struct msghdr *msg, size_t len,
		 int flags, int *addr_len);
int xtcp_read_sock(struct sock *sk, read_descriptor_t *desc,
		   sk_read_actor_t recv_actor);
ssize_t xtcp_splice_read(struct socket *sock, loff_t *ppos,
			 struct pipe_inode_info *pipe, size_t len,
			 unsigned int flags);
int xtcp_ioctl(struct sock *sk, int cmd, unsigned long arg);
int xtcp_set_rcvlowat(struct sock *sk, int val);
bool xtcp_stream_memory_free(const struct sock *sk, int wake);
void xtcp_get_info(struct sock *sk, struct tcp_info *info);
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int xtcp_init_sock(struct sock *sk);
void xtcp_destroy_sock(struct sock *sk);
bool xtcp_check_oom(struct sock *sk, int shift);

/* The control block of XTCP's skbs (the twin of tcp_skb_cb).  On output
 * the IP layer's IPCB overlays it, so transmit clears it in the clone.
 */
struct xtcp_skb_cb {
	u32	seq;		/* first sequence number */
	u32	end_seq;	/* seq + SYN + FIN + data length */
	u32	ack_seq;	/* input: the segment's ack */
	u32	when;		/* output: jiffies when (re)sent */
	u8	tcp_flags;	/* TCPHDR_* */
	u8	retransmitted;	/* ever retransmitted (Karn) */
	u8	sacked;		/* output: XTCPCB_* scoreboard marks */
	u32	rexmit_nxt;	/* output: snd_nxt when last retransmitted */
	/* output: the segments a sent skb counts for in packets_out and
	 * the scoreboard, 0 while unsent (xtcp_skb_pcount()); and the
	 * segment size it was cut into when sent.  The queue's skbs are
	 * under the socket lock.
	 */
	u16	pcount;
	u16	mss;
	u64	mstamp;		/* output: xtcp_clock_us() when (re)sent */
};

/* The scoreboard's marks of a sent skb (the twins of TCPCB_*). */
#define XTCPCB_SACKED_ACKED	0x01	/* the peer SACKed all of it */
#define XTCPCB_SACKED_RETRANS	0x02	/* retransmitted, counted in
					 * retrans_out
					 */
#define XTCPCB_LOST		0x04	/* counted in lost_out */

#define XTCP_SKB_CB(skb)	((struct xtcp_skb_cb *)&((skb)->cb[0]))

/* The twin of tcp_skb_pcount(): the segments @skb counts for (sent). */
static inline u32 xtcp_skb_pcount(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->pcount;
}

/* Options seen in a segment: the twin of tcp_options_received. */
struct xtcp_options_received {
	u32	rcv_tsval;
	u32	rcv_tsecr;
	u16	mss_clamp;
	u8	snd_wscale;
	u8	saw_tstamp : 1,
		tstamp_ok : 1,
		sack_ok : 1,
		wscale_ok : 1;
	u8	sack_off;	/* offset of a SACK option from the TCP
				 * header, 0 when none
				 */
};

#define XTCP_TIMEWAIT_LEN	(60 * HZ)
#define XTCP_RTO_MIN		(HZ / 5)
#define XTCP_RTO_MAX		(120 * HZ)
#define XTCP_TIMEOUT_INIT	(1 * HZ)
#define XTCP_DELACK_MAX		(HZ / 5)
#define XTCP_DELACK_MIN		(HZ / 25)
#define XTCP_RESOURCE_PROBE_INTERVAL	(HZ / 2)
#define XTCP_TIMEOUT_MIN	2U	/* jiffies */
/* recoveries a D-SACK-widened RACK reordering window lasts */
#define XTCP_RACK_RECOVERY_THRESH	16
#define XTCP_INIT_CWND		10
#define XTCP_MSS_DEFAULT	536
#define XTCP_MAX_WSCALE		14

static inline u32 xtcp_ts_now(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}

/* The twin of tcp_win_from_space() at tcp_adv_win_scale 1: half of the
 * buffer is window, the other half pays for skb overhead.
 */
static inline int xtcp_win_from_space(int space)
{
	return space - (space >> 1);
}

/* The clock of RACK and of RTT samples: the twin of tcp_clock_us(), in
 * step with xtcp_ts_now() (the same clock in milliseconds).
 */
static inline u64 xtcp_clock_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

static inline u32 xtcp_receive_window(const struct xtcp_sock *xsk)
{
	s32 win = xsk->rcv_wup + xsk->rcv_wnd - xsk->rcv_nxt;

	return win < 0 ? 0 : win;
}

/* The twin of tcp_fin_time(): how long an orphan waits in FIN_WAIT2,
 * never less than 3.5 RTOs.
 */
static inline int xtcp_fin_time(const struct sock *sk)
{
	int fin_timeout = xtcp_sk(sk)->linger2 ? :
			  XTCP_SYSCTL(sock_net(sk), fin_timeout);
	const int rto = inet_csk(sk)->icsk_rto;

	if (fin_timeout < (rto << 2) - (rto >> 1))
		fin_timeout = (rto << 2) - (rto >> 1);
	return fin_timeout;
}

/* The twins of keepalive_time_when(), keepalive_intvl_when() and
 * keepalive_probes(): the socket's TCP_KEEP* value, or the sysctl.
 */
static inline u32 xtcp_keepalive_time_when(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->keepalive_time) ? :
	       XTCP_SYSCTL(sock_net(sk), keepalive_time);
}

static inline u32 xtcp_keepalive_intvl_when(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->keepalive_intvl) ? :
	       XTCP_SYSCTL(sock_net(sk), keepalive_intvl);
}

static inline int xtcp_keepalive_probes(const struct sock *sk)
{
	return READ_ONCE(xtcp_sk(sk)->keepalive_probes) ? :
	       XTCP_SYSCTL(sock_net(sk), keepalive_probes);
}

/* Pipe (RFC 6675) and left-out counts: the twins of
 * tcp_packets_in_flight() and tcp_left_out().
 */
static inline u32 xtcp_left_out(const struct xtcp_sock *xsk)
{
	return xsk->sacked_out + xsk->lost_out;
}

static inline u32 xtcp_packets_in_flight(const struct xtcp_sock *xsk)
{
	return xsk->packets_out - xtcp_left_out(xsk) + xsk->retrans_out;
}

/* The retransmit queue: sk_write_queue's sent skbs, before send_head
 * (the twins of tcp_rtx_queue_head() and skb_rb_next()).
 */
static inline struct sk_buff *xtcp_rtx_head(const struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	return skb == xtcp_sk(sk)->send_head ? NULL : skb;
}

static inline struct sk_buff *xtcp_rtx_next(const struct sock *sk,
					    struct sk_buff *skb)
{
	if (skb_queue_is_last(&sk->sk_write_queue, skb))
		return NULL;
	return skb->next == xtcp_sk(sk)->send_head ? NULL : skb->next;
}

/* The twin of tcp_bound_to_half_wnd(): a segment (and the write queue's
 * skbs) at most half the largest window the peer offered, once that is
 * past TCP_MSS_DESIRED, so that a small window still takes two.
 */
static inline int xtcp_bound_to_half_wnd(const struct xtcp_sock *xsk,
					 int pktsize)
{
	int cutoff = xsk->max_window;

	if (cutoff > TCP_MSS_DESIRED)
		cutoff >>= 1;
	if (cutoff && pktsize > cutoff)
		return max_t(int, cutoff, 68 - (int)sizeof(struct tcphdr) -
				  (xsk->tstamp_ok ? TCPOLEN_TSTAMP_ALIGNED : 0));
	return pktsize;
}

static inline bool xtcp_in_cwnd_reduction(const struct xtcp_sock *xsk)
{
	return (TCPF_CA_CWR | TCPF_CA_Recovery) & (1 << xsk->ca_state);
}

static inline bool xtcp_in_slow_start(const struct xtcp_sock *xsk)
{
	return xsk->snd_cwnd < xsk->snd_ssthresh;
}

/* xtcp_cong.c: congestion control, the twin of tcp_cong.c's
 * tcp_congestion_ops.  An algorithm fills ssthresh, cong_avoid and
 * undo_cwnd (the rest is optional) and registers at module init; its
 * per-socket state lives in icsk_ca_priv (xtcp_ca(), at most
 * ICSK_CA_PRIV_SIZE bytes, zeroed before init).  Every hook runs under
 * the socket lock.  The list is RCU (readers) and a spinlock (writers).
 */
#define XTCP_CA_NAME_MAX	TCP_CA_NAME_MAX
#define XTCP_CA_BUF_MAX		TCP_CA_BUF_MAX

struct xtcp_congestion_ops {
	/* the new ssthresh after a loss (cwnd not yet reduced) */
	u32	(*ssthresh)(struct sock *sk);
	/* grow cwnd: @acked segments newly acked or SACKed */
	void	(*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	/* cwnd after a spurious loss is undone */
	u32	(*undo_cwnd)(struct sock *sk);
	void	(*init)(struct sock *sk);		/* optional */
	void	(*set_state)(struct sock *sk, u8 new_state);	/* optional */
	void	(*cwnd_event)(struct sock *sk, enum tcp_ca_event ev);
	/* @pkts acked by an ACK, @rtt_us its RTT sample or -1 */
	void	(*pkts_acked)(struct sock *sk, u32 pkts, long rtt_us);
	char	name[XTCP_CA_NAME_MAX];
	struct list_head	list;
};

static inline void *xtcp_ca(const struct sock *sk)
{
	return (void *)inet_csk(sk)->icsk_ca_priv;
}

int xtcp_cong_init(void);
void xtcp_cong_exit(void);
const struct xtcp_congestion_ops *xtcp_ca_find(const char *name);
const struct xtcp_congestion_ops *xtcp_ca_builtin_default(void);
int xtcp_register_congestion_control(struct xtcp_congestion_ops *ca);
void xtcp_unregister_congestion_control(struct xtcp_congestion_ops *ca);
void xtcp_assign_congestion_control(struct sock *sk);
void xtcp_init_congestion_control(struct sock *sk);
void xtcp_ca_openreq_child(struct sock *sk);
int xtcp_set_congestion_control(struct sock *sk, const char *name);
void xtcp_set_ca_state(struct sock *sk, u8 ca_state);
void xtcp_ca_event(struct sock *sk, enum tcp_ca_event event);
u32 xtcp_slow_start(struct xtcp_sock *xsk, u32 acked);
void xtcp_cong_avoid_ai(struct xtcp_sock *xsk, u32 w, u32 acked);
bool xtcp_is_cwnd_limited(const struct sock *sk);
int xtcp_proc_congestion_control(struct ctl_table *ctl, int write,
				 void *buffer, size_t *lenp, loff_t *ppos);
int xtcp_proc_available_congestion_control(struct ctl_table *ctl, int write,
					   void *buffer, size_t *lenp,
					   loff_t *ppos);

/* xtcp_output.c */
unsigned int xtcp_sync_mss(struct sock *sk, u32 pmtu);
unsigned int xtcp_current_mss(struct sock *sk);
int xtcp_write_wakeup(struct sock *sk, int mib);
void xtcp_simple_retransmit(struct sock *sk);
int xtcp_transmit_skb(struct sock *sk, struct sk_buff *skb, bool clone_it);
int xtcp_connect(struct sock *sk);
struct sk_buff *xtcp_stream_alloc_skb(struct sock *sk, int size, gfp_t gfp);
void xtcp_write_xmit(struct sock *sk);
void xtcp_wfree(struct sk_buff *skb);
void xtcp_tsq_write(struct sock *sk);
void xtcp_tsq_init(void);
void xtcp_tsq_exit(void);
void __xtcp_write_xmit(struct sock *sk, int nonagle);
void xtcp_push(struct sock *sk, int flags, int nonagle);
void xtcp_push_pending_frames(struct sock *sk);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_fin(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk, gfp_t priority);
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
int xtcp_fragment(struct sock *sk, struct sk_buff *skb, int len);
void xtcp_skb_set_pcount(struct sock *sk, struct sk_buff *skb, u16 pcount);
u32 xtcp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len);
void xtcp_xmit_retransmit_queue(struct sock *sk);
struct sk_buff *xtcp_make_synack(const struct sock *sk,
				 const struct xtcp_request_sock *req,
				 struct dst_entry *dst);
u32 xtcp_select_initial_window(const struct sock *sk, int mss,
			       u8 *rcv_wscale);

/* xtcp_input.c */
void xtcp_parse_options(const struct sk_buff *skb,
			struct xtcp_options_received *opt_rx);
int xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb);
void xtcp_reset(struct sock *sk);
void xtcp_done(struct sock *sk);
void xtcp_done_with_error(struct sock *sk, int err);
void xtcp_init_buffer_space(struct sock *sk);
void xtcp_rcv_space_adjust(struct sock *sk);
void xtcp_rtt_estimator(struct sock *sk, long mrtt_us);
bool xtcp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			   int mib_idx, u32 *last_oow_ack_time);
void xtcp_ofo_init(struct sock *sk);
void xtcp_ofo_purge(struct sock *sk);
void xtcp_enter_loss(struct sock *sk);
void xtcp_clear_sender_state(struct sock *sk);
void xtcp_enter_recovery(struct sock *sk);
void xtcp_cwnd_reduction(struct sock *sk, int newly_acked_sacked,
			 int newly_lost, int flag);
void xtcp_init_cwnd_reduction(struct sock *sk);
void xtcp_end_cwnd_reduction(struct sock *sk);
void xtcp_try_keep_open(struct sock *sk);
void xtcp_mark_skb_lost(struct sock *sk, struct sk_buff *skb);

/* xtcp_minisocks.c */
int xtcp_minisocks_init(void);
void xtcp_minisocks_exit(void);
struct xtcp_request_sock *xtcp_reqsk_alloc(struct sock *listener);
void xtcp_reqsk_put(struct xtcp_request_sock *req);
void xtcp_reqsk_drop(struct xtcp_request_sock *req);
struct sock *xtcp_check_req(struct sock *sk, struct sk_buff *skb,
			    struct xtcp_request_sock *req);
struct sock *xtcp_create_openreq_child(const struct sock *sk,
				       const struct xtcp_request_sock *req,
				       const struct sk_buff *skb);
int xtcp_child_process(struct sock *parent, struct sock *child,
		       struct sk_buff *skb);
void xtcp_forced_close(struct sock *child);
void xtcp_time_wait(struct sock *sk, int state, int timeo);
enum xtcp_tw_status {
	XTCP_TW_SUCCESS,	/* consumed or dropped */
	XTCP_TW_ACK,		/* answer with an ACK */
	XTCP_TW_RST,		/* answer with a reset */
	XTCP_TW_SYN,		/* a new connection may reuse the 4-tuple */
};

int xtcp_timewait_state_process(struct sock *tw, struct sk_buff *skb);
void xtcp_twsk_put(struct sock *tw);
void xtcp_sock_gen_put(struct sock *sk);
void xtcp_purge_net(struct xtcp_net *xn);
bool xtcp_inet_csk_reqsk_queue_add(struct sock *sk, struct sock *child);

/* xtcp_proc.c */
int xtcp_proc_net_init(struct net *net);
void xtcp_proc_net_exit(struct net *net);
void xtcp_mib_net_exit(struct net *net);

/* xtcp_recovery.c: RACK-TLP (RFC 8985), the twin of tcp_recovery.c and
 * of the loss probe half of tcp_output.c.  Everything under the socket
 * lock.
 */
bool xtcp_is_rack(const struct sock *sk);
void xtcp_rack_advance(struct xtcp_sock *xsk, bool retrans, u32 end_seq,
		       u64 xmit_time);
bool xtcp_rack_mark_lost(struct sock *sk);
void xtcp_rack_reo_timeout(struct sock *sk);
void xtcp_rack_update_reo_wnd(struct sock *sk);
s32 xtcp_rack_skb_timeout(const struct xtcp_sock *xsk,
			  const struct sk_buff *skb, u32 reo_wnd);
void xtcp_update_rtt_min(struct xtcp_sock *xsk, u32 rtt_us);
void xtcp_reset_xmit_timer(struct sock *sk, int what, unsigned long when);
void xtcp_rearm_rto(struct sock *sk);
bool xtcp_schedule_loss_probe(struct sock *sk, bool advancing_rto);
void xtcp_send_loss_probe(struct sock *sk);
void xtcp_event_data_sent(struct sock *sk);
void xtcp_rack_init(struct xtcp_sock *xsk);

/* xtcp_timer.c */
void xtcp_init_xmit_timers(struct sock *sk);
void xtcp_clear_xmit_timers(struct sock *sk);
void xtcp_retransmit_timer_arm(struct sock *sk);
void xtcp_delack_timer_arm(struct sock *sk);
void xtcp_delack_timer_clear(struct sock *sk);
void xtcp_release_cb(struct sock *sk);
void xtcp_set_keepalive(struct sock *sk, int val);
int xtcp_set_keepidle_locked(struct sock *sk, int val);
void xtcp_orphan_count_inc(void);
void xtcp_orphan_count_dec(void);
int xtcp_orphan_count_sum(void);
bool xtcp_too_many_orphans(int shift);

/* xtcp_ipv4.c */
extern const struct xtcp_af_ops xtcp_ipv4_specific;
int xtcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);
int xtcp_v4_do_rcv(struct sock *sk, struct sk_buff *skb);
int xtcp_v4_conn_request(struct sock *sk, struct sk_buff *skb);
struct sock *xtcp_v4_syn_recv_sock(const struct sock *sk, struct sk_buff *skb,
				   struct xtcp_request_sock *req);
int xtcp_v4_send_synack(const struct sock *sk, struct xtcp_request_sock *req);
void xtcp_v4_send_reset(const struct sock *sk, struct sk_buff *skb);
void xtcp_v4_send_ack(struct net *net, struct sk_buff *skb, u32 seq, u32 ack,
		      u32 win, u32 tsval, u32 tsecr, bool ts);
void xtcp_v4_mtu_reduced(struct sock *sk);
int xtcp_v4_recv_error(struct sock *sk, struct msghdr *msg, int len,
		       int *addr_len);
int xtcp_v4_hooks_net_init(struct xtcp_net *xn);
void xtcp_v4_hooks_net_exit(struct xtcp_net *xn);

#endif /* _NET_XTCP_H */
