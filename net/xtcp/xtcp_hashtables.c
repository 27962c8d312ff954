// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP's own tables: the bind (port) table and the listening hash, one
 * of each per network namespace.  The twin of inet_hashtables.c and of
 * the port half of inet_connection_sock.c.
 *
 * Locking, in the order taken:
 *   xtcp_net::bind_mutex       creates and unlinks bind buckets (may sleep)
 *   xtcp_bind_hashbucket::lock a chain and its buckets' owner lists (BH)
 *   xtcp_net::bind_gc_lock     the list of buckets that became empty
 * Under bind_mutex, xtcp_shadow_unshare() takes one of stock TCP's bhash
 * chain locks (BH), and no lock of XTCP's inside it.
 * The listening hash has one lock per chain (BH); lookups use RCU.
 */

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/net.h>
#include <linux/in.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/sock_reuseport.h>
#include <net/xtcp.h>

static struct kmem_cache *xtcp_bind_bucket_cachep;

/* The bind and listening hashes are keyed by port (and the netns's
 * secret, against chains made long on purpose).
 */
static u32 xtcp_port_hash(const struct xtcp_net *xn, unsigned short port)
{
	return jhash_1word(port, xn->hash_rnd);
}

static struct xtcp_bind_hashbucket *xtcp_bhash_head(struct xtcp_net *xn,
						    unsigned short port)
{
	return &xn->bhash[xtcp_port_hash(xn, port) & (XTCP_BHASH_SIZE - 1)];
}

/* Caller holds the chain lock. */
static struct xtcp_bind_bucket *
xtcp_bind_bucket_find(struct xtcp_bind_hashbucket *head, unsigned short port)
{
	struct xtcp_bind_bucket *tb;

	hlist_for_each_entry(tb, &head->chain, node)
		if (tb->port == port)
			return tb;
	return NULL;
}

/* The shadow has joined stock TCP's bucket for its port with
 * SO_REUSEADDR: take it back, so that stock TCP's conflict checks see
 * a socket that shares the port with nobody.  They read sk_reuse under
 * the port's bhash chain lock, so the change is made under it; the
 * shadow is our own socket, and stock TCP's bucket is left as it is
 * (XTCP never writes stock TCP's tables).  So the full conflict check
 * of a stock bind(), and above all of a stock listen(), fails with
 * EADDRINUSE; only a bucket whose fastreuse its earlier owners left
 * set (a client's SO_REUSEADDR bind that never listened) still lets a
 * stock SO_REUSEADDR bind that does not listen skip the check.
 */
static void xtcp_shadow_unshare(struct sock *sk)
{
	struct inet_hashinfo *hinfo = tcp_or_dccp_get_hashinfo(sk);
	struct inet_bind_hashbucket *head;

	head = &hinfo->bhash[inet_bhashfn(sock_net(sk), inet_sk(sk)->inet_num,
					  hinfo->bhash_size)];
	spin_lock_bh(&head->lock);
	sk->sk_reuse = SK_NO_REUSE;
	spin_unlock_bh(&head->lock);
}

/* Take the port from stock TCP: bind a kernel AF_INET TCP socket to
 * INADDR_ANY:port.  Fails with -EADDRINUSE when stock TCP holds the
 * port.  Process context; sleeps.
 *
 * @reuse: the XTCP socket that creates the bucket has SO_REUSEADDR and
 * stock TCP would let it share the port (an explicit port, or the
 * relaxed pass of the ephemeral search).  When stock TCP holds the
 * port, the shadow then binds with SO_REUSEADDR too, exactly as a stock
 * SO_REUSEADDR bind would: it
 * joins a port that stock TCP holds only with SO_REUSEADDR socks that
 * do not listen (a server's TIME_WAIT socks above all), and still fails
 * on a stock listener or on a sock without SO_REUSEADDR.  Right after
 * the bind xtcp_shadow_unshare() takes SO_REUSEADDR back, so that stock
 * TCP cannot come in after XTCP: a stock bind(), and above all a stock
 * listen(), whose inet_csk_listen_start() makes the full conflict
 * check, still fail with EADDRINUSE.
 *
 * The shadow never has SO_REUSEPORT: with it, the conflict check would
 * let the shadow share the port with a live stock SO_REUSEPORT listener
 * of the same user (sk_reuseport_match() even skips the check), and the
 * two stacks would then split one port.
 */
static int xtcp_shadow_bind(struct net *net, unsigned short port,
			    bool reuse, struct socket **res)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct socket *sock;
	int err;

	err = sock_create_kern(net, AF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	/* The caller passed XTCP's own CAP_NET_BIND_SERVICE check.  First
	 * without SO_REUSEADDR: a bucket the shadow makes then remembers
	 * (fastreuse) an owner that shares with nobody.
	 */
	err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (err == -EADDRINUSE && reuse) {
		/* unbound still, and seen by nobody: no lock needed */
		sock->sk->sk_reuse = SK_CAN_REUSE;
		err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
		if (!err)
			xtcp_shadow_unshare(sock->sk);
	}
	if (err)
		goto err_release;
	*res = sock;
	return 0;

err_release:
	sock_release(sock);
	return err;
}

/* Create the bucket for @port and its shadow socket, and link it;
 * @reuse: see xtcp_shadow_bind().  Caller holds bind_mutex and has seen
 * no bucket for @port.
 */
static struct xtcp_bind_bucket *
xtcp_bind_bucket_create(struct xtcp_net *xn, unsigned short port,
			bool reuse, int *err)
{
	struct xtcp_bind_hashbucket *head = xtcp_bhash_head(xn, port);
	struct xtcp_bind_bucket *tb;

	lockdep_assert_held(&xn->bind_mutex);

	tb = kmem_cache_zalloc(xtcp_bind_bucket_cachep, GFP_KERNEL);
	if (!tb) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = xtcp_shadow_bind(xn->net, port, reuse, &tb->shadow);
	if (*err)
		goto err_free;

	tb->net = xn->net;
	tb->port = port;
	INIT_HLIST_HEAD(&tb->owners);
	INIT_LIST_HEAD(&tb->gc_node);
	xtcp_obj_inc(XTCP_OBJ_BIND_BUCKET);

	spin_lock_bh(&head->lock);
	hlist_add_head(&tb->node, &head->chain);
	spin_unlock_bh(&head->lock);
	return tb;

err_free:
	kmem_cache_free(xtcp_bind_bucket_cachep, tb);
	return NULL;
}

static void xtcp_bind_bucket_destroy(struct xtcp_bind_bucket *tb)
{
	sock_release(tb->shadow);
	kmem_cache_free(xtcp_bind_bucket_cachep, tb);
	xtcp_obj_dec(XTCP_OBJ_BIND_BUCKET);
}

/* A bucket whose last owner left stays linked, so that the port can be
 * taken again at once, until the GC work unlinks it and releases its
 * shadow socket (which sleeps, so it cannot happen where owners leave:
 * that may be softirq).
 */
static void xtcp_bind_gc(struct xtcp_net *xn)
{
	struct xtcp_bind_bucket *tb, *tmp;
	LIST_HEAD(victims);
	LIST_HEAD(batch);

	mutex_lock(&xn->bind_mutex);
	spin_lock_bh(&xn->bind_gc_lock);
	list_splice_init(&xn->bind_gc_list, &batch);
	spin_unlock_bh(&xn->bind_gc_lock);

	list_for_each_entry_safe(tb, tmp, &batch, gc_node) {
		struct xtcp_bind_hashbucket *head = xtcp_bhash_head(xn,
								    tb->port);

		spin_lock_bh(&head->lock);
		spin_lock(&xn->bind_gc_lock);
		list_del_init(&tb->gc_node);
		tb->gc_queued = false;
		spin_unlock(&xn->bind_gc_lock);
		if (hlist_empty(&tb->owners)) {
			hlist_del(&tb->node);
			list_add(&tb->gc_node, &victims);
		}
		spin_unlock_bh(&head->lock);
	}
	/* still under the mutex: a bind that finds no bucket must find the
	 * port free in stock TCP too, so the shadow goes before the mutex
	 */
	list_for_each_entry_safe(tb, tmp, &victims, gc_node)
		xtcp_bind_bucket_destroy(tb);
	mutex_unlock(&xn->bind_mutex);
}

static void xtcp_bind_gc_work(struct work_struct *work)
{
	xtcp_bind_gc(container_of(work, struct xtcp_net, bind_gc_work));
}

/* Caller holds the chain lock of @tb. */
static void xtcp_bind_bucket_maybe_gc(struct xtcp_net *xn,
				      struct xtcp_bind_bucket *tb)
{
	if (!hlist_empty(&tb->owners))
		return;
	spin_lock(&xn->bind_gc_lock);
	if (!tb->gc_queued) {
		tb->gc_queued = true;
		list_add_tail(&tb->gc_node, &xn->bind_gc_list);
	}
	spin_unlock(&xn->bind_gc_lock);
	queue_work(system_wq, &xn->bind_gc_work);
}

/* Caller holds the chain lock of @tb: the twin of inet_bind_hash(). */
static void xtcp_inet_bind_hash(struct sock *sk, struct xtcp_bind_bucket *tb,
				unsigned short port)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	inet_sk(sk)->inet_num = port;
	sk_add_bind_node(sk, &tb->owners);
	xsk->bind_hash = tb;
}

static bool xtcp_rcv_saddr_equal(const struct sock *sk,
				 const struct sock *sk2)
{
	__be32 a = sk->sk_rcv_saddr, b = sk2->sk_rcv_saddr;

	return a == b || !a || !b;
}

/* May @sk share the port with @sk2?  The rules of 6.1's
 * inet_bind_conflict(): SO_REUSEADDR on both and @sk2 not listening, or
 * SO_REUSEPORT on both with the same owner, lets them share.  @relax is
 * true for an explicit port, false for the ephemeral search, where a
 * port shared only by SO_REUSEADDR is not taken.
 */
static bool xtcp_bind_conflict_one(const struct sock *sk,
				   const struct sock *sk2, kuid_t uid,
				   bool relax, bool reuseport_cb_ok,
				   bool reuseport_ok)
{
	int dev2 = READ_ONCE(sk2->sk_bound_dev_if);
	bool same_uid;

	if (sk == sk2)
		return false;
	if (sk->sk_bound_dev_if && dev2 && sk->sk_bound_dev_if != dev2)
		return false;
	if (!xtcp_rcv_saddr_equal(sk, sk2))
		return false;

	/* a time-wait sock has no sk_uid: it matches any owner */
	same_uid = sk2->sk_state == TCP_TIME_WAIT ||
		   uid_eq(uid, sock_i_uid((struct sock *)sk2));

	if (sk->sk_reuse && sk2->sk_reuse && sk2->sk_state != TCP_LISTEN)
		return !relax ||
		       (!reuseport_ok && sk->sk_reuseport &&
			sk2->sk_reuseport && reuseport_cb_ok && same_uid);

	return !reuseport_ok || !sk->sk_reuseport || !sk2->sk_reuseport ||
	       !reuseport_cb_ok || !same_uid;
}

/* The twin of inet_csk_bind_conflict(); caller holds @tb's chain lock. */
static bool xtcp_inet_csk_bind_conflict(const struct sock *sk,
					const struct xtcp_bind_bucket *tb,
					bool relax, bool reuseport_ok)
{
	kuid_t uid = sock_i_uid((struct sock *)sk);
	struct sock_reuseport *reuseport_cb;
	bool reuseport_cb_ok;
	struct sock *sk2;

	rcu_read_lock();
	reuseport_cb = rcu_dereference(sk->sk_reuseport_cb);
	reuseport_cb_ok = !reuseport_cb ||
			  READ_ONCE(reuseport_cb->num_closed_socks);
	rcu_read_unlock();

	sk_for_each_bound(sk2, &tb->owners)
		if (xtcp_bind_conflict_one(sk, sk2, uid, relax,
					   reuseport_cb_ok, reuseport_ok))
			return true;
	return false;
}

/* The twin of sk_reuseport_match(): may @sk skip the conflict check
 * because every owner of @tb was SO_REUSEPORT of the same user?
 */
static bool xtcp_sk_reuseport_match(const struct xtcp_bind_bucket *tb,
				    struct sock *sk)
{
	if (tb->fastreuseport <= 0 || !sk->sk_reuseport ||
	    rcu_access_pointer(sk->sk_reuseport_cb) ||
	    !uid_eq(tb->fastuid, sock_i_uid(sk)))
		return false;
	if (tb->fastreuseport == FASTREUSEPORT_ANY)
		return true;
	return !tb->fast_rcv_saddr || tb->fast_rcv_saddr == sk->sk_rcv_saddr;
}

/* The twin of inet_csk_update_fastreuse(): what the bucket remembers of
 * its owners' SO_REUSEADDR and SO_REUSEPORT at the time they joined.
 * Caller holds @tb's chain lock.
 */
static void xtcp_inet_csk_update_fastreuse(struct xtcp_bind_bucket *tb,
					   struct sock *sk)
{
	bool reuse = sk->sk_reuse && sk->sk_state != TCP_LISTEN;
	bool empty = hlist_empty(&tb->owners);

	if (empty)
		tb->fastreuse = reuse;
	else if (!reuse)
		tb->fastreuse = 0;

	if (!sk->sk_reuseport) {
		tb->fastreuseport = 0;
		return;
	}
	if (empty || !xtcp_sk_reuseport_match(tb, sk)) {
		tb->fastreuseport = empty ? FASTREUSEPORT_ANY :
					    FASTREUSEPORT_STRICT;
		tb->fastuid = sock_i_uid(sk);
		tb->fast_rcv_saddr = sk->sk_rcv_saddr;
	}
}

/* Is @port taken for @sk?  An explicit port skips the check where the
 * bucket's fast-reuse memory allows it, as inet_csk_get_port() does; the
 * ephemeral search always checks.  Caller holds @tb's chain lock.
 */
static bool xtcp_port_conflict(struct sock *sk,
			       const struct xtcp_bind_bucket *tb,
			       bool search, bool relax)
{
	bool reuse = sk->sk_reuse && sk->sk_state != TCP_LISTEN;

	if (search)
		return xtcp_inet_csk_bind_conflict(sk, tb, relax, false);
	if (!hlist_empty(&tb->owners) &&
	    (sk->sk_reuse == SK_FORCE_REUSE ||
	     (tb->fastreuse > 0 && reuse) ||
	     xtcp_sk_reuseport_match(tb, sk)))
		return false;
	return xtcp_inet_csk_bind_conflict(sk, tb, true, true);
}

/* Try @port for @sk: join the existing bucket when there is no conflict,
 * or create one (which takes the port from stock TCP).  @search: part of
 * the ephemeral search, @relax: its second, relaxed pass.  Caller holds
 * bind_mutex.  Returns 0 or a negative errno.
 */
static int xtcp_try_port(struct xtcp_net *xn, struct sock *sk,
			 unsigned short port, bool search, bool relax)
{
	struct xtcp_bind_hashbucket *head = xtcp_bhash_head(xn, port);
	struct xtcp_bind_bucket *tb;
	bool reuse;
	int err = 0;

	spin_lock_bh(&head->lock);
	tb = xtcp_bind_bucket_find(head, port);
	if (tb) {
		if (xtcp_port_conflict(sk, tb, search, relax))
			err = -EADDRINUSE;
		else
			goto success;
		spin_unlock_bh(&head->lock);
		return err;
	}
	spin_unlock_bh(&head->lock);

	/* No XTCP owner: the bucket's creation asks stock TCP, as a bind of
	 * @sk there would: with SO_REUSEADDR for an explicit port and for
	 * the relaxed pass of the search; the first pass of the search
	 * takes no port that is shared only through SO_REUSEADDR.
	 */
	reuse = sk->sk_reuse && (!search || relax);
	tb = xtcp_bind_bucket_create(xn, port, reuse, &err);
	if (!tb)
		return err;
	spin_lock_bh(&head->lock);
success:
	xtcp_inet_csk_update_fastreuse(tb, sk);
	if (!xtcp_sk(sk)->bind_hash)
		xtcp_inet_bind_hash(sk, tb, port);
	spin_unlock_bh(&head->lock);
	return 0;
}

/* The ephemeral search of inet_csk_find_open_port(): a random start in
 * ip_local_port_range, odd ports first (connect() favours even ones),
 * the lower half first for SO_REUSEADDR sockets, reserved ports skipped.
 */
static int xtcp_inet_csk_find_open_port(struct xtcp_net *xn, struct sock *sk)
{
	int low, high, remaining, offset, port, i, attempt_half, err;
	bool relax = false;

ports_exhausted:
	attempt_half = sk->sk_reuse == SK_CAN_REUSE ? 1 : 0;
other_half_scan:
	inet_sk_get_local_port_range(sk, &low, &high);
	high++;
	if (high - low < 4)
		attempt_half = 0;
	if (attempt_half) {
		int half = low + (((high - low) >> 2) << 1);

		if (attempt_half == 1)
			high = half;
		else
			low = half;
	}
	remaining = high - low;
	if (likely(remaining > 1))
		remaining &= ~1U;
	offset = get_random_u32_below(remaining) | 1U;

other_parity_scan:
	port = low + offset;
	for (i = 0; i < remaining; i += 2, port += 2) {
		if (unlikely(port >= high))
			port -= remaining;
		if (inet_is_local_reserved_port(xn->net, port))
			continue;
		err = xtcp_try_port(xn, sk, port, true, relax);
		if (!err)
			return 0;
		if (err != -EADDRINUSE)
			return err;
		cond_resched();
	}
	offset--;
	if (!(offset & 1))
		goto other_parity_scan;
	if (attempt_half == 1) {
		attempt_half = 2;
		goto other_half_scan;
	}
	if (READ_ONCE(xn->net->ipv4.sysctl_ip_autobind_reuse) && !relax) {
		/* still a chance to connect to different destinations */
		relax = true;
		goto ports_exhausted;
	}
	return -EADDRINUSE;
}

/* The twin of inet_csk_get_port(): take @snum (or an ephemeral port when
 * 0) for @sk.  Called again at listen() for a bound socket, when it
 * re-checks the conflicts in its own bucket.  Process context, @sk
 * locked.
 */
int xtcp_inet_csk_get_port(struct sock *sk, unsigned short snum)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int err;

	mutex_lock(&xn->bind_mutex);
	if (snum)
		err = xtcp_try_port(xn, sk, snum, false, false);
	else
		err = xtcp_inet_csk_find_open_port(xn, sk);
	mutex_unlock(&xn->bind_mutex);
	return err;
}

/* The twin of inet_put_port(): @sk gives its port back.  Any context. */
void xtcp_inet_put_port(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_bind_hashbucket *head;
	struct xtcp_bind_bucket *tb;

	head = xtcp_bhash_head(xn, inet_sk(sk)->inet_num);
	spin_lock_bh(&head->lock);
	tb = xsk->bind_hash;
	if (tb) {
		__sk_del_bind_node(sk);
		xsk->bind_hash = NULL;
		inet_sk(sk)->inet_num = 0;
		xtcp_bind_bucket_maybe_gc(xn, tb);
	}
	spin_unlock_bh(&head->lock);
}

static struct xtcp_listen_hashbucket *xtcp_lhash_head(struct xtcp_net *xn,
						      unsigned short port)
{
	return &xn->lhash[xtcp_port_hash(xn, port) & (XTCP_LHASH_SIZE - 1)];
}

/* The twin of inet_hash()/__inet_hash() for listeners: link @sk into the
 * listening hash, and into its SO_REUSEPORT group when it has one.
 */
int xtcp_inet_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_listen_hashbucket *ilb;
	struct sock *sk2;
	int err = 0;

	if (sk->sk_state != TCP_LISTEN)
		return 0;

	ilb = xtcp_lhash_head(xn, inet_sk(sk)->inet_num);
	spin_lock_bh(&ilb->lock);
	if (sk->sk_reuseport) {
		struct hlist_nulls_node *node;

		sk_nulls_for_each(sk2, node, &ilb->nulls_head) {
			if (sk2 != sk && sk2->sk_reuseport &&
			    inet_sk(sk2)->inet_num == inet_sk(sk)->inet_num &&
			    sk2->sk_bound_dev_if == sk->sk_bound_dev_if &&
			    sk2->sk_rcv_saddr == sk->sk_rcv_saddr &&
			    uid_eq(sock_i_uid(sk2), sock_i_uid(sk))) {
				err = reuseport_add_sock(sk, sk2,
							 !sk->sk_rcv_saddr);
				goto add;
			}
		}
		err = reuseport_alloc(sk, !sk->sk_rcv_saddr);
	}
add:
	if (!err) {
		sock_set_flag(sk, SOCK_RCU_FREE);
		__sk_nulls_add_node_rcu(sk, &ilb->nulls_head);
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, 1);
	}
	spin_unlock_bh(&ilb->lock);
	return err;
}

/* The twin of inet_unhash(): out of the listening hash or the ehash. */
void xtcp_inet_unhash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_listen_hashbucket *ilb;

	if (sk_unhashed(sk))
		return;
	if (sk->sk_state != TCP_LISTEN) {
		xtcp_ehash_remove(sk);
		return;
	}

	ilb = xtcp_lhash_head(xn, inet_sk(sk)->inet_num);
	spin_lock_bh(&ilb->lock);
	if (rcu_access_pointer(sk->sk_reuseport_cb))
		reuseport_stop_listen_sock(sk);
	if (__sk_nulls_del_node_init_rcu(sk))
		sock_prot_inuse_add(sock_net(sk), sk->sk_prot, -1);
	spin_unlock_bh(&ilb->lock);
}

/* Hand the listener's port to a new child: the twin of
 * __inet_inherit_port().  Softirq; the listener's bucket is live, since
 * the listener owns it.
 */
void xtcp_inherit_port(const struct sock *sk, struct sock *child)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	unsigned short port = inet_sk(sk)->inet_num;
	struct xtcp_bind_hashbucket *head = xtcp_bhash_head(xn, port);

	spin_lock(&head->lock);
	xtcp_inet_bind_hash(child, xtcp_sk(sk)->bind_hash, port);
	spin_unlock(&head->lock);
}

/* A time-wait sock takes over @sk's place among its port's owners. */
void xtcp_twsk_bind_hash(struct sock *tw, struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_bind_hashbucket *head;
	struct xtcp_bind_bucket *tb;

	head = xtcp_bhash_head(xn, inet_sk(sk)->inet_num);
	spin_lock_bh(&head->lock);
	tb = xtcp_sk(sk)->bind_hash;
	xtcp_twsk(tw)->tb = tb;
	sk_add_bind_node(tw, &tb->owners);
	spin_unlock_bh(&head->lock);
}

void xtcp_twsk_bind_unhash(struct sock *tw)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(tw));
	struct xtcp_timewait_sock *tws = xtcp_twsk(tw);
	struct xtcp_bind_hashbucket *head;

	head = xtcp_bhash_head(xn, tw->sk_num);
	spin_lock_bh(&head->lock);
	if (tws->tb) {
		__sk_del_bind_node(tw);
		xtcp_bind_bucket_maybe_gc(xn, tws->tb);
		tws->tb = NULL;
	}
	spin_unlock_bh(&head->lock);
}

static siphash_key_t xtcp_ehash_secret __read_mostly;

/* Keyed, so that a peer cannot aim its flows at one chain. */
static u32 xtcp_ehashfn(const struct net *net, __be32 laddr, u16 lport,
			__be32 faddr, __be16 fport)
{
	net_get_random_once(&xtcp_ehash_secret, sizeof(xtcp_ehash_secret));
	return siphash_3u32((__force u32)laddr, (__force u32)faddr,
			    ((u32)lport << 16) | (__force u32)fport,
			    &xtcp_ehash_secret) + net_hash_mix(net);
}

static struct xtcp_ehash_bucket *xtcp_ehash_head(struct xtcp_net *xn,
						 u32 hash)
{
	return &xn->ehash[hash & (XTCP_EHASH_SIZE - 1)];
}

static u32 xtcp_sk_ehashfn(const struct sock *sk)
{
	return xtcp_ehashfn(sock_net(sk), sk->sk_rcv_saddr, sk->sk_num,
			    sk->sk_daddr, sk->sk_dport);
}

/* The twin of inet_ehash_insert(): hash @sk (a sock, request sock or
 * time-wait sock) by its 4-tuple; when @osk is given, @sk replaces it
 * (the hashdance of a child for its request sock, of a time-wait sock
 * for its sock), and fails when @osk was already gone.  Without @osk,
 * fails when the 4-tuple is taken.
 */
bool xtcp_ehash_insert(struct sock *sk, struct sock *osk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_ehash_bucket *head;
	struct hlist_nulls_node *node;
	struct sock *sk2;
	bool ok = true;

	sk->sk_hash = xtcp_sk_ehashfn(sk);
	head = xtcp_ehash_head(xn, sk->sk_hash);

	spin_lock_bh(&head->lock);
	if (osk) {
		ok = __sk_nulls_del_node_init_rcu(osk);
	} else {
		sk_nulls_for_each(sk2, node, &head->chain) {
			if (sk2->sk_hash == sk->sk_hash &&
			    net_eq(sock_net(sk2), sock_net(sk)) &&
			    sk2->sk_portpair == sk->sk_portpair &&
			    sk2->sk_addrpair == sk->sk_addrpair &&
			    sk2->sk_bound_dev_if == sk->sk_bound_dev_if) {
				ok = false;
				break;
			}
		}
	}
	if (ok)
		__sk_nulls_add_node_rcu(sk, &head->chain);
	spin_unlock_bh(&head->lock);
	return ok;
}

/* Returns whether @sk was hashed (and is not any more). */
bool xtcp_ehash_remove(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct xtcp_ehash_bucket *head = xtcp_ehash_head(xn, sk->sk_hash);
	bool done;

	spin_lock_bh(&head->lock);
	done = __sk_nulls_del_node_init_rcu(sk);
	spin_unlock_bh(&head->lock);
	return done;
}

static bool xtcp_ehash_match(const struct sock *sk, const struct net *net,
			     __be32 saddr, __be32 daddr, __portpair ports,
			     int dif, int sdif)
{
	return net_eq(sock_net(sk), net) && sk->sk_portpair == ports &&
	       sk->sk_daddr == saddr && sk->sk_rcv_saddr == daddr &&
	       (!sk->sk_bound_dev_if || sk->sk_bound_dev_if == dif ||
		sk->sk_bound_dev_if == sdif);
}

/* The twin of __inet_lookup_established(): under RCU, returns the sock,
 * request sock or time-wait sock of this 4-tuple with a reference held,
 * or NULL.  @saddr/@sport are the segment's source (the remote end).
 */
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif, int sdif)
{
	const __portpair ports = INET_COMBINED_PORTS(sport, ntohs(dport));
	struct xtcp_net *xn = xtcp_pernet(net);
	struct hlist_nulls_node *node;
	struct xtcp_ehash_bucket *head;
	struct sock *sk;
	u32 hash, slot;

	hash = xtcp_ehashfn(net, daddr, ntohs(dport), saddr, sport);
	slot = hash & (XTCP_EHASH_SIZE - 1);
	head = &xn->ehash[slot];
begin:
	sk_nulls_for_each_rcu(sk, node, &head->chain) {
		if (sk->sk_hash != hash ||
		    !xtcp_ehash_match(sk, net, saddr, daddr, ports, dif,
				      sdif))
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt)))
			goto out;
		/* the slab is SLAB_TYPESAFE_BY_RCU: check it is still ours */
		if (unlikely(!xtcp_ehash_match(sk, net, saddr, daddr, ports,
					       dif, sdif))) {
			xtcp_sock_gen_put(sk);
			goto begin;
		}
		return sk;
	}
	/* moved to another chain while we walked: walk again */
	if (get_nulls_value(node) != slot)
		goto begin;
out:
	return NULL;
}

static int xtcp_listener_score(const struct sock *sk, struct net *net,
			       __be32 daddr, unsigned short hnum, int dif,
			       int sdif)
{
	int score = 1;

	if (!net_eq(sock_net(sk), net) || sk->sk_num != hnum)
		return -1;
	if (sk->sk_rcv_saddr) {
		if (sk->sk_rcv_saddr != daddr)
			return -1;
		score++;
	}
	if (sk->sk_bound_dev_if) {
		if (sk->sk_bound_dev_if != dif && sk->sk_bound_dev_if != sdif)
			return -1;
		score++;
	}
	return score;
}

/* The twin of __inet_lookup_listener(): the best listener for the
 * segment, exact address before wildcard, bound device before any;
 * SO_REUSEPORT groups pick one member by the flow's hash.  Under RCU;
 * no reference is taken (listeners are SOCK_RCU_FREE).
 */
struct sock *xtcp_lookup_listener(struct net *net, struct sk_buff *skb,
				  int doff, __be32 saddr, __be16 sport,
				  __be32 daddr, unsigned short hnum,
				  int dif, int sdif)
{
	struct xtcp_listen_hashbucket *ilb;
	struct sock *sk, *result = NULL;
	struct hlist_nulls_node *node;
	int score, hiscore = 0;

	ilb = xtcp_lhash_head(xtcp_pernet(net), hnum);
	sk_nulls_for_each_rcu(sk, node, &ilb->nulls_head) {
		score = xtcp_listener_score(sk, net, daddr, hnum, dif, sdif);
		if (score <= hiscore)
			continue;
		if (sk->sk_reuseport) {
			struct sock *rsk;
			u32 phash;

			phash = xtcp_ehashfn(net, daddr, hnum, saddr, sport);
			rsk = reuseport_select_sock(sk, phash, skb, doff);
			if (rsk)
				return rsk;
		}
		result = sk;
		hiscore = score;
	}
	return result;
}

/* RFC 6056 algorithm 4, as 6.1's __inet_hash_connect() has it: a keyed
 * hash of the destination picks where the search starts, and a small
 * table of perturbations, indexed by the same hash, moves that start on
 * after each success, so that successive connections to one destination
 * take successive ports and another destination's start is unrelated.
 * Updated locklessly: a lost update only costs a longer search.
 */
#define XTCP_PERTURB_SHIFT	8
static u32 xtcp_table_perturb[1 << XTCP_PERTURB_SHIFT];
static siphash_key_t xtcp_port_secret __read_mostly;

static u32 xtcp_port_offset(const struct sock *sk)
{
	net_get_random_once(&xtcp_port_secret, sizeof(xtcp_port_secret));
	return siphash_3u32((__force u32)sk->sk_rcv_saddr,
			    (__force u32)sk->sk_daddr,
			    (__force u32)sk->sk_dport, &xtcp_port_secret);
}

/* Can connecting @sk use @port?  Caller holds bind_mutex.  A bucket made
 * by bind() is never shared with a connection (its fastreuse says how
 * its owners bound); one made by connect() is, to any other 4-tuple: the
 * ehash insertion, nested in the chain lock as in 6.1, checks that no
 * sock, request sock or time-wait sock holds this one.  Joins or creates
 * the bucket and hashes @sk on success.
 */
static int xtcp_hash_connect_port(struct xtcp_net *xn, struct sock *sk,
				  unsigned short port)
{
	struct xtcp_bind_hashbucket *head = xtcp_bhash_head(xn, port);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_bind_bucket *tb;
	int err;

	spin_lock_bh(&head->lock);
	tb = xtcp_bind_bucket_find(head, port);
	if (tb) {
		err = -EADDRINUSE;
		if (tb->fastreuse >= 0 || tb->fastreuseport >= 0)
			goto unlock;
		inet->inet_num = port;
		inet->inet_sport = htons(port);
		if (!xtcp_ehash_insert(sk, NULL)) {
			inet->inet_num = 0;
			inet->inet_sport = 0;
			goto unlock;
		}
		xtcp_inet_bind_hash(sk, tb, port);
		err = 0;
unlock:
		spin_unlock_bh(&head->lock);
		return err;
	}
	spin_unlock_bh(&head->lock);

	/* a new bucket: its creation asks stock TCP for the port, without
	 * SO_REUSEADDR, as __inet_hash_connect() takes no port that a bind
	 * holds: a port stock TCP uses in any way is skipped
	 */
	tb = xtcp_bind_bucket_create(xn, port, false, &err);
	if (!tb)
		return err;
	spin_lock_bh(&head->lock);
	tb->fastreuse = -1;
	tb->fastreuseport = -1;
	xtcp_inet_bind_hash(sk, tb, port);
	spin_unlock_bh(&head->lock);
	inet->inet_sport = htons(port);
	if (!xtcp_ehash_insert(sk, NULL)) {
		xtcp_inet_put_port(sk);
		inet->inet_sport = 0;
		return -EADDRINUSE;
	}
	return 0;
}

/* The twin of __inet_hash_connect(): give a connecting socket its local
 * port (unless bound) and hash it by its 4-tuple.  As in 6.1, an
 * ephemeral port is shared by connections to different destinations;
 * even ports first (bind() prefers odd ones).  A 4-tuple held by a
 * time-wait sock is not reused (6.1 reuses it under tcp_tw_reuse).
 */
int xtcp_inet_hash_connect(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int low, high, remaining, i, port, err;
	u32 port_offset, offset, index;

	if (inet_sk(sk)->inet_num)
		return xtcp_ehash_insert(sk, NULL) ? 0 : -EADDRNOTAVAIL;

	inet_sk_get_local_port_range(sk, &low, &high);
	high++;
	remaining = high - low;
	if (likely(remaining > 1))
		remaining &= ~1U;
	port_offset = xtcp_port_offset(sk);
	index = port_offset & (ARRAY_SIZE(xtcp_table_perturb) - 1);
	offset = READ_ONCE(xtcp_table_perturb[index]) + (port_offset >> 16);
	offset %= remaining;
	offset &= ~1U;

	mutex_lock(&xn->bind_mutex);
other_parity_scan:
	port = low + offset;
	for (i = 0; i < remaining; i += 2, port += 2) {
		if (unlikely(port >= high))
			port -= remaining;
		if (inet_is_local_reserved_port(xn->net, port))
			continue;
		err = xtcp_hash_connect_port(xn, sk, port);
		if (!err) {
			WRITE_ONCE(xtcp_table_perturb[index],
				   READ_ONCE(xtcp_table_perturb[index]) + i + 2);
			goto out;
		}
		if (err != -EADDRINUSE)
			goto out;
		cond_resched();
	}
	offset++;
	if ((offset & 1) && remaining > 1)
		goto other_parity_scan;
	err = -EADDRNOTAVAIL;
out:
	mutex_unlock(&xn->bind_mutex);
	return err;
}

int xtcp_hashtables_net_init(struct xtcp_net *xn)
{
	int i;

	xn->hash_rnd = get_random_u32();
	xn->bhash = kvcalloc(XTCP_BHASH_SIZE, sizeof(*xn->bhash), GFP_KERNEL);
	if (!xn->bhash)
		goto err;
	for (i = 0; i < XTCP_BHASH_SIZE; i++) {
		spin_lock_init(&xn->bhash[i].lock);
		INIT_HLIST_HEAD(&xn->bhash[i].chain);
	}
	mutex_init(&xn->bind_mutex);
	spin_lock_init(&xn->bind_gc_lock);
	INIT_LIST_HEAD(&xn->bind_gc_list);
	INIT_WORK(&xn->bind_gc_work, xtcp_bind_gc_work);

	xn->lhash = kvcalloc(XTCP_LHASH_SIZE, sizeof(*xn->lhash), GFP_KERNEL);
	if (!xn->lhash)
		goto err_free_bhash;
	for (i = 0; i < XTCP_LHASH_SIZE; i++) {
		spin_lock_init(&xn->lhash[i].lock);
		INIT_HLIST_NULLS_HEAD(&xn->lhash[i].nulls_head, i);
	}

	xn->ehash = kvcalloc(XTCP_EHASH_SIZE, sizeof(*xn->ehash), GFP_KERNEL);
	if (!xn->ehash)
		goto err_free_lhash;
	for (i = 0; i < XTCP_EHASH_SIZE; i++) {
		spin_lock_init(&xn->ehash[i].lock);
		INIT_HLIST_NULLS_HEAD(&xn->ehash[i].chain, i);
	}
	return 0;

err_free_lhash:
	kvfree(xn->lhash);
err_free_bhash:
	kvfree(xn->bhash);
err:
	return -ENOMEM;
}

/* The netns is going away, so no XTCP socket is left in it (each holds a
 * reference on it): only buckets waiting for the GC can remain.
 */
void xtcp_hashtables_net_exit(struct xtcp_net *xn)
{
	int i;

	cancel_work_sync(&xn->bind_gc_work);
	xtcp_bind_gc(xn);
	for (i = 0; i < XTCP_BHASH_SIZE; i++)
		WARN_ON_ONCE(!hlist_empty(&xn->bhash[i].chain));
	for (i = 0; i < XTCP_LHASH_SIZE; i++)
		WARN_ON_ONCE(!hlist_nulls_empty(&xn->lhash[i].nulls_head));
	for (i = 0; i < XTCP_EHASH_SIZE; i++)
		WARN_ON_ONCE(!hlist_nulls_empty(&xn->ehash[i].chain));
	kvfree(xn->ehash);
	kvfree(xn->lhash);
	kvfree(xn->bhash);
}

int xtcp_hashtables_init(void)
{
	xtcp_bind_bucket_cachep = kmem_cache_create("xtcp_bind_bucket",
						    sizeof(struct xtcp_bind_bucket),
						    0, SLAB_HWCACHE_ALIGN, NULL);
	return xtcp_bind_bucket_cachep ? 0 : -ENOMEM;
}

void xtcp_hashtables_exit(void)
{
	kmem_cache_destroy(xtcp_bind_bucket_cachep);
}
