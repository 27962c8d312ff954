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
#include <net/sock.h>

/* Live objects, for leak checks: /sys/module/xtcp/parameters/objects. */
enum xtcp_obj_kind {
	XTCP_OBJ_SOCK,
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

struct xtcp_sock {
	/* inet_connection_sock must stay first: inet_sk() and the IP layer */
	struct inet_connection_sock	icsk;

	const struct xtcp_af_ops	*af_ops;

	/* The port this sock holds: owner of xtcp_bind_bucket::owners via
	 * @bind_node.  Both are protected by the bucket's chain lock.
	 */
	struct xtcp_bind_bucket		*bind_hash;
	struct hlist_node		bind_node;

	/* Listeners only. */
	struct xtcp_accept_queue	accept_queue;
	/* Children only: next on the listener's accept queue, under its
	 * xtcp_accept_queue::lock.
	 */
	struct sock			*accept_next;
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

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
 * the port, and its bind fails when stock TCP holds the port.
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

#define XTCP_BHASH_SIZE		2048
#define XTCP_LHASH_SIZE		512

/* Per network namespace state (net_generic(net, xtcp_net_id)). */
struct xtcp_net {
	struct net			*net;

	/* bind table */
	struct xtcp_bind_hashbucket	*bhash;
	struct mutex			bind_mutex;	/* creates/unlinks */
	spinlock_t			bind_gc_lock;
	struct list_head		bind_gc_list;
	struct work_struct		bind_gc_work;

	/* listening hash */
	struct xtcp_listen_hashbucket	*lhash;
};

extern unsigned int xtcp_net_id;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

/* af_xtcp.c */
extern struct proto xtcp_prot;
extern int xtcp_family;

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

/* xtcp_core.c: socket-level TCP, the twin of net/ipv4/tcp.c */
void xtcp_set_state(struct sock *sk, int state);
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
int xtcp_ioctl(struct sock *sk, int cmd, unsigned long arg);
int xtcp_set_rcvlowat(struct sock *sk, int val);
int xtcp_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int xtcp_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);
int xtcp_init_sock(struct sock *sk);
void xtcp_destroy_sock(struct sock *sk);

/* xtcp_output.c */
unsigned int xtcp_sync_mss(struct sock *sk, u32 pmtu);

/* xtcp_ipv4.c */
extern const struct xtcp_af_ops xtcp_ipv4_specific;
int xtcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);

#endif /* _NET_XTCP_H */
