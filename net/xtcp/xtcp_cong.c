// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP congestion control: the twin of net/ipv4/tcp_cong.c (the list of
 * algorithms, the per-socket choice, Reno) and of net/ipv4/tcp_cubic.c
 * (CUBIC, RFC 9438).
 *
 * Algorithms are struct xtcp_congestion_ops compiled into xtcp.ko and
 * registered by xtcp_cong_init() before any netns or socket exists;
 * they are unregistered at module exit, after every socket is gone, so
 * a socket's or a netns's pointer to one needs no reference.  The list
 * is read under RCU and written under xtcp_cong_list_lock.
 *
 * Loss recovery (xtcp_input.c) calls ssthresh when it cuts the window and
 * cong_avoid when an ACK may grow it; cwnd is in segments (skbs).
 */

#include <linux/math64.h>
#include <linux/sysctl.h>
#include <net/tcp_states.h>
#include <net/xtcp.h>

static DEFINE_SPINLOCK(xtcp_cong_list_lock);
static LIST_HEAD(xtcp_cong_list);

/* Upper bound of cwnd, in segments. */
#define XTCP_CWND_CLAMP	65535U

/* The twin of tcp_ca_find(); under RCU or xtcp_cong_list_lock. */
static struct xtcp_congestion_ops *__xtcp_ca_find(const char *name)
{
	struct xtcp_congestion_ops *e;

	list_for_each_entry_rcu(e, &xtcp_cong_list, list,
				lockdep_is_held(&xtcp_cong_list_lock)) {
		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

/* The algorithm called @name, or NULL.  Registered algorithms live as
 * long as the module, so the pointer stays good after the RCU section.
 */
const struct xtcp_congestion_ops *xtcp_ca_find(const char *name)
{
	const struct xtcp_congestion_ops *ca;

	rcu_read_lock();
	ca = __xtcp_ca_find(name);
	rcu_read_unlock();
	return ca;
}

/* The twin of tcp_register_congestion_control(). */
int xtcp_register_congestion_control(struct xtcp_congestion_ops *ca)
{
	int ret = 0;

	if (!ca->ssthresh || !ca->undo_cwnd || !ca->cong_avoid) {
		pr_err("xtcp: %s does not implement the required ops\n",
		       ca->name);
		return -EINVAL;
	}
	spin_lock(&xtcp_cong_list_lock);
	if (__xtcp_ca_find(ca->name))
		ret = -EEXIST;
	else
		list_add_tail_rcu(&ca->list, &xtcp_cong_list);
	spin_unlock(&xtcp_cong_list_lock);
	return ret;
}

void xtcp_unregister_congestion_control(struct xtcp_congestion_ops *ca)
{
	spin_lock(&xtcp_cong_list_lock);
	list_del_rcu(&ca->list);
	spin_unlock(&xtcp_cong_list_lock);
	synchronize_rcu();
}

/* A new socket takes its netns's default: tcp_assign_congestion_control. */
void xtcp_assign_congestion_control(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	xsk->ca_ops = XTCP_SYSCTL(sock_net(sk), congestion_control);
	xsk->ca_setsockopt = 0;
	xtcp_clear_sender_state(sk);
}

/* The twin of tcp_init_congestion_control(): the connection is
 * established (or the algorithm changed on an established one).
 */
void xtcp_init_congestion_control(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xsk->ca_ops->init)
		xsk->ca_ops->init(sk);
	xsk->ca_initialized = 1;
}

/* The twin of tcp_ca_openreq_child(): a child keeps the algorithm its
 * listener was given by setsockopt(), else takes the netns's default;
 * either way its state starts afresh.
 */
void xtcp_ca_openreq_child(struct sock *sk)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xsk->ca_setsockopt)
		xsk->ca_ops = XTCP_SYSCTL(sock_net(sk), congestion_control);
	xtcp_clear_sender_state(sk);
}

/* The twin of tcp_set_congestion_control(), under the socket lock:
 * ENOENT for a name no algorithm has.
 */
int xtcp_set_congestion_control(struct sock *sk, const char *name)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	const struct xtcp_congestion_ops *ca = xtcp_ca_find(name);

	if (!ca)
		return -ENOENT;
	xsk->ca_setsockopt = 1;
	if (ca == xsk->ca_ops)
		return 0;
	/* tcp_reinit_congestion_control() */
	WRITE_ONCE(xsk->ca_ops, ca);
	xsk->ca_initialized = 0;
	memset(xtcp_ca(sk), 0, ICSK_CA_PRIV_SIZE);
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		xtcp_init_congestion_control(sk);
	return 0;
}

void xtcp_set_ca_state(struct sock *sk, u8 ca_state)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xsk->ca_ops->set_state)
		xsk->ca_ops->set_state(sk, ca_state);
	xsk->ca_state = ca_state;
}

void xtcp_ca_event(struct sock *sk, enum tcp_ca_event event)
{
	const struct xtcp_congestion_ops *ca = xtcp_sk(sk)->ca_ops;

	if (ca->cwnd_event)
		ca->cwnd_event(sk, event);
}

/* The twin of tcp_slow_start(): grow by what was acked, up to ssthresh;
 * returns what is left over for congestion avoidance.
 */
u32 xtcp_slow_start(struct xtcp_sock *xsk, u32 acked)
{
	u32 cwnd = min(xsk->snd_cwnd + acked, xsk->snd_ssthresh);

	acked -= cwnd - xsk->snd_cwnd;
	xsk->snd_cwnd = min(cwnd, XTCP_CWND_CLAMP);
	return acked;
}

/* The twin of tcp_cong_avoid_ai(): one segment more every @w acked. */
void xtcp_cong_avoid_ai(struct xtcp_sock *xsk, u32 w, u32 acked)
{
	if (xsk->snd_cwnd_cnt >= w) {
		xsk->snd_cwnd_cnt = 0;
		xsk->snd_cwnd++;
	}
	xsk->snd_cwnd_cnt += acked;
	if (xsk->snd_cwnd_cnt >= w) {
		u32 delta = xsk->snd_cwnd_cnt / w;

		xsk->snd_cwnd_cnt -= delta * w;
		xsk->snd_cwnd += delta;
	}
	xsk->snd_cwnd = min(xsk->snd_cwnd, XTCP_CWND_CLAMP);
}

/* The twin of tcp_is_cwnd_limited() (RFC 7661): cwnd grows only while
 * the sender uses it, or in slow start up to twice what was in flight.
 */
bool xtcp_is_cwnd_limited(const struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);

	if (xsk->is_cwnd_limited)
		return true;
	if (xtcp_in_slow_start(xsk))
		return xsk->snd_cwnd < 2 * xsk->max_packets_out;
	return false;
}

/* ------------------------------------------------------------------ */
/* Reno (RFC 5681), the twin of tcp_reno_*(). */

static u32 xtcp_reno_ssthresh(struct sock *sk)
{
	return max(xtcp_sk(sk)->snd_cwnd >> 1, 2U);
}

static void xtcp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);

	if (!xtcp_is_cwnd_limited(sk))
		return;
	if (xtcp_in_slow_start(xsk)) {
		acked = xtcp_slow_start(xsk, acked);
		if (!acked)
			return;
	}
	xtcp_cong_avoid_ai(xsk, xsk->snd_cwnd, acked);
}

static u32 xtcp_reno_undo_cwnd(struct sock *sk)
{
	const struct xtcp_sock *xsk = xtcp_sk(sk);

	return max(xsk->snd_cwnd, xsk->prior_cwnd);
}

static struct xtcp_congestion_ops xtcp_reno = {
	.ssthresh	= xtcp_reno_ssthresh,
	.cong_avoid	= xtcp_reno_cong_avoid,
	.undo_cwnd	= xtcp_reno_undo_cwnd,
	.name		= "reno",
};

/* ------------------------------------------------------------------ */
/* CUBIC (RFC 9438): after a reduction, cwnd follows
 *	W_cubic(t) = C * (t - K)^3 + W_max,  K = cbrt((W_max - cwnd) / C)
 * (t and K in seconds from the start of the epoch), concave up to the
 * old maximum W_max, then convex; never slower than the Reno-friendly
 * estimate W_est.  beta 0.7, C 0.4, fast convergence on; no HyStart
 * (slow start ends at the first loss).  Integer arithmetic: times in
 * ms, and C * t^3 = t_ms^3 / 2.5e9.
 */

#define XTCP_CUBIC_BETA		717	/* 0.7 in 1/1024 */
#define XTCP_CUBIC_BETA_SCALE	1024
#define XTCP_CUBIC_C_DIV	2500000000ULL	/* 1e9 ms^3/s^3 / C */
#define XTCP_CUBIC_T_MAX	BIT(21)		/* ms: t^3 fits u64 */

struct xtcp_cubic {
	u32	cnt;		/* ACKed segments per segment of growth */
	u32	w_max;		/* cwnd before the last reduction */
	u32	last_cwnd;	/* cwnd when cnt was computed */
	u32	last_time;	/* jiffies of that */
	u32	origin;		/* the plateau of this epoch */
	u32	k_ms;		/* K */
	u32	epoch_start;	/* jiffies; 0: no epoch yet */
	u32	ack_cnt;	/* segments acked towards W_est */
	u32	w_est;		/* Reno-friendly estimate (RFC 9438 4.3) */
	u32	delay_min_us;	/* smallest RTT seen */
};

/* Integer cube root: the largest r with r^3 <= x. */
static u32 xtcp_cbrt(u64 x)
{
	u32 lo = 0, hi = 2642246;	/* (2642246)^3 > 2^64 - 1 */

	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;

		if ((u64)mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void xtcp_cubic_reset(struct xtcp_cubic *ca)
{
	u32 delay_min_us = ca->delay_min_us;

	memset(ca, 0, sizeof(*ca));
	ca->delay_min_us = delay_min_us;
}

static void xtcp_cubic_init(struct sock *sk)
{
	BUILD_BUG_ON(sizeof(struct xtcp_cubic) > ICSK_CA_PRIV_SIZE);
	memset(xtcp_ca(sk), 0, sizeof(struct xtcp_cubic));
}

/* Compute ca->cnt, the ACKs per segment of growth, for @cwnd: the
 * twin of bictcp_update().
 */
static void xtcp_cubic_update(struct xtcp_cubic *ca, u32 cwnd, u32 acked)
{
	u32 now = jiffies, target, est_acks;
	u64 t_ms, offs, delta;

	ca->ack_cnt += acked;
	if (ca->last_cwnd == cwnd && (s32)(now - ca->last_time) <= HZ / 32)
		return;
	ca->last_cwnd = cwnd;
	ca->last_time = now;

	if (!ca->epoch_start) {
		/* a new epoch: where is the plateau, and when */
		ca->epoch_start = now ? : 1;
		ca->ack_cnt = acked;
		ca->w_est = cwnd;
		if (ca->w_max <= cwnd) {
			ca->k_ms = 0;
			ca->origin = cwnd;
		} else {
			ca->k_ms = xtcp_cbrt((u64)(ca->w_max - cwnd) *
					     XTCP_CUBIC_C_DIV);
			ca->origin = ca->w_max;
		}
	}

	/* W_cubic one RTT ahead (RFC 9438 4.2) */
	t_ms = jiffies_to_msecs(now - ca->epoch_start) +
	       ca->delay_min_us / USEC_PER_MSEC;
	offs = t_ms > ca->k_ms ? t_ms - ca->k_ms : ca->k_ms - t_ms;
	offs = min_t(u64, offs, XTCP_CUBIC_T_MAX);
	delta = div64_u64(offs * offs * offs, XTCP_CUBIC_C_DIV);
	if (t_ms < ca->k_ms)
		target = delta < ca->origin ? ca->origin - (u32)delta : 1;
	else
		target = ca->origin + (u32)min_t(u64, delta, XTCP_CWND_CLAMP);

	if (target > cwnd)
		ca->cnt = cwnd / (target - cwnd);
	else
		ca->cnt = 100 * cwnd;	/* plateau: almost no growth */
	/* no W_max yet: grow at least as Reno's slow start would allow */
	if (!ca->w_max && ca->cnt > 20)
		ca->cnt = 20;

	/* Reno-friendly region (RFC 9438 4.3): W_est grows by alpha_cubic
	 * = 3 (1 - beta) / (1 + beta) = 9/17 per window, by 1 above W_max
	 */
	est_acks = ca->w_est >= ca->w_max ? cwnd : cwnd * 17 / 9;
	while (est_acks && ca->ack_cnt >= est_acks) {
		ca->ack_cnt -= est_acks;
		ca->w_est++;
	}
	if (ca->w_est > cwnd) {
		u32 max_cnt = cwnd / (ca->w_est - cwnd);

		if (ca->cnt > max_cnt)
			ca->cnt = max_cnt;
	}
	/* at most 1.5 cwnd per RTT */
	ca->cnt = max(ca->cnt, 2U);
}

static void xtcp_cubic_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct xtcp_sock *xsk = xtcp_sk(sk);
	struct xtcp_cubic *ca = xtcp_ca(sk);

	if (!xtcp_is_cwnd_limited(sk))
		return;
	if (xtcp_in_slow_start(xsk)) {
		acked = xtcp_slow_start(xsk, acked);
		if (!acked)
			return;
	}
	xtcp_cubic_update(ca, xsk->snd_cwnd, acked);
	xtcp_cong_avoid_ai(xsk, ca->cnt, acked);
}

/* A loss: remember W_max (less with fast convergence, RFC 9438 4.7)
 * and cut to beta * cwnd.
 */
static u32 xtcp_cubic_ssthresh(struct sock *sk)
{
	u32 cwnd = xtcp_sk(sk)->snd_cwnd;
	struct xtcp_cubic *ca = xtcp_ca(sk);

	ca->epoch_start = 0;
	if (cwnd < ca->w_max)
		ca->w_max = cwnd * (XTCP_CUBIC_BETA_SCALE + XTCP_CUBIC_BETA) /
			    (2 * XTCP_CUBIC_BETA_SCALE);
	else
		ca->w_max = cwnd;
	return max(cwnd * XTCP_CUBIC_BETA / XTCP_CUBIC_BETA_SCALE, 2U);
}

static void xtcp_cubic_set_state(struct sock *sk, u8 new_state)
{
	/* after a timeout, start from scratch (RFC 9438 4.8) */
	if (new_state == TCP_CA_Loss)
		xtcp_cubic_reset(xtcp_ca(sk));
}

static void xtcp_cubic_cwnd_event(struct sock *sk, enum tcp_ca_event event)
{
	struct xtcp_cubic *ca = xtcp_ca(sk);
	u32 now = jiffies;
	s32 idle;

	if (event != CA_EVENT_TX_START || !ca->epoch_start)
		return;
	/* the sender was idle (application limited): the curve waits */
	idle = now - xtcp_sk(sk)->lsndtime;
	if (idle > 0) {
		ca->epoch_start += idle;
		if (after(ca->epoch_start, now))
			ca->epoch_start = now;
	}
}

static void xtcp_cubic_pkts_acked(struct sock *sk, u32 pkts, long rtt_us)
{
	struct xtcp_cubic *ca = xtcp_ca(sk);

	if (rtt_us < 0)
		return;
	/* samples right after a reduction carry the recovery's queue */
	if (ca->epoch_start && (s32)(jiffies - ca->epoch_start) < HZ)
		return;
	if (!rtt_us)
		rtt_us = 1;
	if (!ca->delay_min_us || ca->delay_min_us > rtt_us)
		ca->delay_min_us = rtt_us;
}

static struct xtcp_congestion_ops xtcp_cubic = {
	.init		= xtcp_cubic_init,
	.ssthresh	= xtcp_cubic_ssthresh,
	.cong_avoid	= xtcp_cubic_cong_avoid,
	.undo_cwnd	= xtcp_reno_undo_cwnd,
	.set_state	= xtcp_cubic_set_state,
	.cwnd_event	= xtcp_cubic_cwnd_event,
	.pkts_acked	= xtcp_cubic_pkts_acked,
	.name		= "cubic",
};

/* The default of a netns that has none to inherit. */
const struct xtcp_congestion_ops *xtcp_ca_builtin_default(void)
{
	return &xtcp_cubic;
}

/* ------------------------------------------------------------------ */
/* net.xtcp.congestion_control and available_congestion_control: the
 * twins of proc_tcp_congestion_control() and
 * proc_tcp_available_congestion_control().  @ctl->data points at the
 * netns's xtcp_sysctl::congestion_control.
 */
int xtcp_proc_congestion_control(struct ctl_table *ctl, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
{
	const struct xtcp_congestion_ops **def = ctl->data;
	const struct xtcp_congestion_ops *ca;
	char val[XTCP_CA_NAME_MAX];
	struct ctl_table tbl = {
		.data	= val,
		.maxlen	= sizeof(val),
	};
	int ret;

	strscpy(val, READ_ONCE(*def)->name, sizeof(val));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	ca = xtcp_ca_find(val);
	if (!ca)
		return -ENOENT;
	WRITE_ONCE(*def, ca);
	return 0;
}

int xtcp_proc_available_congestion_control(struct ctl_table *ctl, int write,
					   void *buffer, size_t *lenp,
					   loff_t *ppos)
{
	struct ctl_table tbl = { .maxlen = XTCP_CA_BUF_MAX };
	struct xtcp_congestion_ops *ca;
	size_t offs = 0;
	char *buf;
	int ret;

	buf = kmalloc(XTCP_CA_BUF_MAX, GFP_USER);
	if (!buf)
		return -ENOMEM;
	*buf = 0;
	rcu_read_lock();
	list_for_each_entry_rcu(ca, &xtcp_cong_list, list) {
		offs += snprintf(buf + offs, XTCP_CA_BUF_MAX - offs, "%s%s",
				 offs ? " " : "", ca->name);
		if (WARN_ON_ONCE(offs >= XTCP_CA_BUF_MAX))
			break;
	}
	rcu_read_unlock();
	tbl.data = buf;
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	kfree(buf);
	return ret;
}

int xtcp_cong_init(void)
{
	int err;

	err = xtcp_register_congestion_control(&xtcp_reno);
	if (err)
		return err;
	err = xtcp_register_congestion_control(&xtcp_cubic);
	if (err)
		goto err_unregister_reno;
	return 0;

err_unregister_reno:
	xtcp_unregister_congestion_control(&xtcp_reno);
	return err;
}

void xtcp_cong_exit(void)
{
	xtcp_unregister_congestion_control(&xtcp_cubic);
	xtcp_unregister_congestion_control(&xtcp_reno);
}
