/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the XTCP connection tests (xtcp_conn*.c), on top of
 * xtcp_common.h's traces and comparisons.
 *
 * Each test runs its scenario on AF_INET first and checks the AF_INET
 * trace against known Linux 6.1 results (so the test itself is checked on
 * every run).  Then, if XTCP's connect() still returns EOPNOTSUPP (probed
 * in a fresh netns), the test SKIPs: "connection path not implemented
 * yet".  Otherwise it runs the scenario on XTCP and compares the traces
 * step by step; any difference fails.
 *
 * Socket states come from /proc/net/tcp (AF_INET sockets) and
 * /proc/net/xtcp (XTCP sockets) through xtcp_conn_proc.h, recorded as
 * "state ..." steps.  While /proc/net/xtcp does not exist, an XTCP run
 * records ST_NOPROC there; the comparison then takes the AF_INET state
 * for those steps, checks everything else, and SKIPs with the reason if
 * all else matched.
 *
 * XTCP_CONN_DUMP=1 in the environment logs both traces of every test.
 *
 * To pause a handshake or a close at a given state, the scenarios drop
 * chosen segments with an nftables rule on lo's ingress hook (netdev
 * family, before IP and before any protocol handler), in their own netns.
 */
#ifndef XTCP_CONN_LIB_H
#define XTCP_CONN_LIB_H

#include "xtcp_common.h"
#include "xtcp_conn_proc.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#define ST_NOPROC	(-100)	/* no /proc file for this family yet */

#define CONN_PORT	5001	/* the server's port */
#define CONN_PORT2	5002
#define CONN_PORT3	5003

/* arg bits of the interop scenarios: which side is stock AF_INET TCP */
#define CLIENT_STOCK	0x100
#define SERVER_STOCK	0x200

#define POLL_ALL	(POLLIN | POLLOUT | POLLPRI | POLLRDHUP)

/* ------------------------------------------------------------------ */
/* Is XTCP's connection path there?                                    */
/* ------------------------------------------------------------------ */

/*
 * connect() of an XTCP socket to a closed port of 127.0.0.1 in a fresh
 * netns: 0 when XTCP tries to connect (ECONNREFUSED, EINPROGRESS or
 * success), else the errno (EOPNOTSUPP: not implemented yet).
 */
static inline int conn_probe(void)
{
	static int cached = -1;
	int *res, status, e;
	pid_t pid;

	if (cached >= 0)
		return cached;
	if (xtcp_family() == AF_INET)
		return cached = 0;
	res = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return errno;
	*res = EIO;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int fd;

		if (new_netns())
			_exit(1);
		fd = socket(xtcp_family(), SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			*res = errno;
			_exit(0);
		}
		if (connect4(fd, "127.0.0.1", 9) == 0 || errno == EINPROGRESS ||
		    errno == ECONNREFUSED)
			*res = 0;
		else
			*res = errno;
		close(fd);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	e = *res;
	munmap(res, sizeof(int));
	return cached = e;
}

/*
 * In a test body, after the AF_INET run and its checks: stop when they
 * failed, SKIP when XTCP has no connection path yet.
 */
#define CONN_REQUIRE_XTCP() do {					\
	int __e;							\
	if (!_metadata->passed)						\
		return;							\
	__e = conn_probe();						\
	if (__e == EOPNOTSUPP)						\
		SKIP(return, "connection path not implemented yet "	\
		     "(XTCP connect() gives EOPNOTSUPP; AF_INET run passed)"); \
} while (0)

/* ------------------------------------------------------------------ */
/* nftables: drop chosen segments on lo                                */
/* ------------------------------------------------------------------ */

static inline bool nft_available(void)
{
	return access("/usr/sbin/nft", X_OK) == 0 ||
	       access("/sbin/nft", X_OK) == 0 || access("/usr/bin/nft", X_OK) == 0;
}

/* Run one nft command (a single argument); its exit status. */
static inline int nft(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int nft(const char *fmt, ...)
{
	char cmd[400], line[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "nft '%s'", cmd);
	fflush(stdout);
	fflush(stderr);
	st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The table of the calling process's netns; 0 on success. */
static inline int nft_setup(void)
{
	if (nft("add table netdev xtcpconn"))
		return -1;
	return nft("add chain netdev xtcpconn in { type filter hook ingress device lo priority -500; }");
}

/* Drop what matches, e.g. "tcp sport 5001 tcp flags & (syn|ack) == syn|ack" */
static inline int nft_drop(const char *match)
{
	return nft("add rule netdev xtcpconn in %s drop", match);
}

static inline int nft_flush(void)
{
	return nft("flush chain netdev xtcpconn in");
}

/*
 * Replace every rule by one dropping what matches, in one transaction: a
 * retransmission must not slip through between the two.
 */
static inline int nft_replace(const char *match)
{
	return nft("flush chain netdev xtcpconn in; add rule netdev xtcpconn in %s drop",
		   match);
}

/* Recorded, so that a failing nft shows in the trace (and in both runs). */
#define T_NFT_SETUP(t)		T_RET(t, nft_setup(), "nft setup")
#define T_NFT_DROP(t, m)	T_RET(t, nft_drop(m), "nft drop %s", m)
#define T_NFT_FLUSH(t)		T_RET(t, nft_flush(), "nft flush")
#define T_NFT_REPLACE(t, m)	T_RET(t, nft_replace(m), "nft only drop %s", m)

/* ------------------------------------------------------------------ */
/* States                                                              */
/* ------------------------------------------------------------------ */

/* One end of a connection as /proc shows it. */
struct ep {
	int fam;			/* the family of the socket */
	struct sockaddr_in l, r;	/* local and remote address */
};

static inline struct sockaddr_in name_of(int fd, bool peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	if (peer)
		getpeername(fd, (struct sockaddr *)&a, &len);
	else
		getsockname(fd, (struct sockaddr *)&a, &len);
	return a;
}

static inline struct ep ep_of(int fd, int fam)
{
	struct ep e = { .fam = fam };

	e.l = name_of(fd, false);
	e.r = name_of(fd, true);
	return e;
}

/* The reverse direction: the peer's view of a connection. */
static inline struct ep ep_rev(const struct ep *e, int fam)
{
	struct ep r = { .fam = fam, .l = e->r, .r = e->l };

	return r;
}

static inline int ep_state(const struct ep *e)
{
	int st = proc_state(proc_path(e->fam), &e->l, &e->r);

	if (st == -ENOENT && e->fam != AF_INET)
		return ST_NOPROC;
	return st;
}

/*
 * Wait up to max_ms for the state of e to become want, then record it
 * (step "state LABEL").  Without /proc/net/xtcp, sleep nop_ms instead
 * (to let the same things happen) and record ST_NOPROC.
 */
static inline int t_state_w(struct trace *t, const struct ep *e, int want,
			    int max_ms, int nop_ms, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static inline int t_state_w(struct trace *t, const struct ep *e, int want,
			    int max_ms, int nop_ms, const char *fmt, ...)
{
	char label[STEP_WHAT];
	long end = now_ms() + max_ms;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(label, sizeof(label), fmt, ap);
	va_end(ap);
	for (;;) {
		st = ep_state(e);
		if (st == ST_NOPROC) {
			sleep_ms(nop_ms);
			break;
		}
		if (st == want || now_ms() >= end)
			break;
		sleep_ms(10);
	}
	t_add(t, 0, 0, 0, st, "state %s", label);
	return st;
}

/* A state reached at once (or within one loopback round trip) */
#define T_STATE(t, e, want, ...) t_state_w(t, e, want, 2000, 300, __VA_ARGS__)
/* A state that needs a retransmission (RTO, SYN or SYN-ACK timer) */
#define T_STATE_SLOW(t, e, want, ...) \
	t_state_w(t, e, want, 12000, 4000, __VA_ARGS__)

/* Count of the family's /proc entries on port (either end), state st. */
static inline void t_count(struct trace *t, int fam, int lport, int rport,
			   int st, const char *label)
{
	int n = proc_count(proc_path(fam), lport, rport, st);

	if (n == -ENOENT && fam != AF_INET)
		n = ST_NOPROC;
	t_add(t, 0, 0, 0, n, "state count %s", label);
}

/* Entries left in the /proc files of fam (and AF_INET's) but TIME_WAIT. */
static inline int leftover(int fam, int *noproc)
{
	int n = 0, k, all;

	for (int i = 0; i < 2; i++) {
		const char *p = proc_path(i ? fam : AF_INET);

		if (i && fam == AF_INET)
			break;
		all = proc_count(p, 0, 0, 0);
		if (all == -ENOENT && i) {
			*noproc = 1;
			continue;
		}
		k = proc_count(p, 0, 0, ST_TIME_WAIT);
		n += all - k;
	}
	return n;
}

/* Record the number of entries left that are not TIME_WAIT (wait 3 s). */
static inline void t_leftover(struct trace *t, int fam)
{
	long end = now_ms() + 3000;
	int n, noproc = 0;

	while ((n = leftover(fam, &noproc)) > 0 && now_ms() < end)
		sleep_ms(20);
	t_add(t, 0, 0, 0, n, "state leftover entries (not TIME_WAIT)");
	if (noproc)
		t_add(t, 0, 0, 0, ST_NOPROC, "state leftover (no /proc/net/xtcp)");
	else
		t_add(t, 0, 0, 0, 0, "state leftover (no /proc/net/xtcp)");
}

/* ------------------------------------------------------------------ */
/* poll                                                                */
/* ------------------------------------------------------------------ */

/*
 * Wait up to ms for any of wait_ev (0: do not wait), then record the
 * revents of a poll for everything.
 */
static inline void t_poll(struct trace *t, int fd, int wait_ev, int ms,
			  const char *label)
{
	struct pollfd p = { .fd = fd, .events = wait_ev };

	if (wait_ev)
		poll(&p, 1, ms);
	p.events = POLL_ALL;
	p.revents = 0;
	errno = 0;
	T_RETVAL(t, poll(&p, 1, 0), p.revents, "poll revents %s", label);
}

/* ------------------------------------------------------------------ */
/* Data                                                                */
/* ------------------------------------------------------------------ */

/* The test data: a fixed pseudo-random stream (xorshift64*), by offset. */
static inline void fill_data(uint8_t *p, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len; i += 8) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545f4914f6cdd1dULL;
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* FNV-1a 64 (used where only a digest of the data travels) */
static inline uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT	0xcbf29ce484222325ULL

/* up to 8 bytes of buf as a number, to record what was received */
static inline long bytes_val(const void *buf, long n)
{
	long v = 0;

	if (n > 8)
		n = 8;
	for (long i = 0; i < n; i++)
		v = v << 8 | ((const uint8_t *)buf)[i];
	return v;
}

/* wait until fd has n bytes to read (FIONREAD), at most 2 s */
static inline void wait_inq(int fd, int n)
{
	long end = now_ms() + 2000;
	int v = -1;

	while (now_ms() < end) {
		if (ioctl(fd, FIONREAD, &v) == 0 && v >= n)
			return;
		sleep_ms(5);
	}
}

static inline void set_timeouts(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline void block_sigpipe(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* ------------------------------------------------------------------ */
/* A connection                                                        */
/* ------------------------------------------------------------------ */

struct conn {
	int l, c, s;		/* listener, client, accepted */
	int cf, sf;		/* client's and server's family */
	struct ep ce, se;	/* client's and server's end */
};

static inline int role_cf(int fam, long arg)
{
	return arg & CLIENT_STOCK ? AF_INET : fam;
}

static inline int role_sf(int fam, long arg)
{
	return arg & SERVER_STOCK ? AF_INET : fam;
}

/*
 * listener (sf) on 127.0.0.1:port, client (cf) connects, accept.
 * Every call is recorded.  0 when connected.
 */
static inline int t_connect_pair(struct trace *t, struct conn *k, int cf,
				 int sf, int port)
{
	k->cf = cf;
	k->sf = sf;
	k->c = k->s = -1;
	k->l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_CLOEXEC, 0), "listener socket");
	if (k->l < 0)
		return -1;
	set_timeouts(k->l, 5000);
	T_RET(t, bind4(k->l, "127.0.0.1", port), "listener bind");
	T_RET(t, listen(k->l, 16), "listen");
	k->c = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "client socket");
	if (k->c < 0)
		return -1;
	set_timeouts(k->c, 5000);
	if (T_RET(t, connect4(k->c, "127.0.0.1", port), "connect") < 0)
		return -1;
	k->s = T_FD(t, accept4(k->l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (k->s < 0)
		return -1;
	set_timeouts(k->s, 5000);
	k->ce = ep_of(k->c, cf);
	k->se = ep_of(k->s, sf);
	return 0;
}

static inline void conn_close(struct conn *k)
{
	int *fds[] = { &k->c, &k->s, &k->l };

	for (unsigned int i = 0; i < ARRAY_LEN(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

/* ------------------------------------------------------------------ */
/* Echo: the client sends data, the server sends it back               */
/* ------------------------------------------------------------------ */

/*
 * scen_echo's arg: the stock bits, and in its low byte the size in MiB
 * (0: ECHO_BYTES).
 */
#define ECHO_BYTES	(1 << 20)
#define ECHO_SEED	0x5eed

struct echo_server {
	int l;
	long bytes;
	uint64_t hash;
	int err;		/* errno of a failed call, or 0 */
	int eof;		/* recv returned 0 */
};

static inline void *echo_server_fn(void *arg)
{
	struct echo_server *es = arg;
	uint8_t *buf = malloc(65536);
	struct pollfd p = { .fd = es->l, .events = POLLIN };
	int s;

	es->hash = FNV_INIT;
	poll(&p, 1, 10000);
	s = accept4(es->l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0 || !buf) {
		es->err = s < 0 ? errno : ENOMEM;
		goto out;
	}
	set_timeouts(s, 20000);
	for (;;) {
		ssize_t r = recv(s, buf, 65536, 0), off = 0;

		if (r < 0) {
			es->err = errno;
			break;
		}
		if (r == 0) {
			es->eof = 1;
			break;
		}
		es->bytes += r;
		es->hash = fnv1a(es->hash, buf, r);
		while (off < r) {
			ssize_t w = send(s, buf + off, r - off, MSG_NOSIGNAL);

			if (w < 0) {
				es->err = errno;
				goto done;
			}
			off += w;
		}
	}
done:
	close(s);
out:
	free(buf);
	return NULL;
}

/*
 * Send len bytes of data while reading the echo into back; then
 * shutdown(SHUT_WR) and read until EOF.  Once mark bytes are sent (mark
 * >= 0), call at(arg) once.  Returns bytes received, or -errno
 * (-ETIMEDOUT when nothing moves for 20 s).
 */
static inline long echo_pump_at(int fd, const uint8_t *data, long len,
				uint8_t *back, long cap, long *sent, long mark,
				void (*at)(void *), void *arg)
{
	long got = 0;
	bool shut = false;

	*sent = 0;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (mark >= 0 && *sent >= mark) {
			at(arg);
			mark = -1;
		}
		if (*sent == len && !shut) {
			if (shutdown(fd, SHUT_WR))
				return -errno;
			shut = true;
		}
		if (*sent < len)
			p.events |= POLLOUT;
		r = poll(&p, 1, 20000);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0)
			return -errno;
		if (p.revents & POLLOUT) {
			long n = len - *sent > 65536 ? 65536 : len - *sent;

			r = send(fd, data + *sent, n, MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN)
				return -errno;
			if (r > 0)
				*sent += r;
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			r = recv(fd, back + got, cap - got > 65536 ? 65536 : cap - got, 0);
			if (r < 0 && errno != EAGAIN)
				return -errno;
			if (r == 0)
				return got;
			if (r > 0)
				got += r;
			if (got == cap)	/* more than was sent: stop */
				return got;
		}
	}
}

static inline long echo_pump(int fd, const uint8_t *data, long len,
			     uint8_t *back, long cap, long *sent)
{
	return echo_pump_at(fd, data, len, back, cap, sent, -1, NULL, NULL);
}

static inline void scen_echo(struct trace *t, int fam, long arg)
{
	int cf = role_cf(fam, arg), sf = role_sf(fam, arg);
	long len = arg & 0xff ? (long)(arg & 0xff) << 20 : ECHO_BYTES;
	struct echo_server es = { .l = -1 };
	uint8_t *data = malloc(len), *back = malloc(len + 65536);
	pthread_t th;
	long got, sent, diff = -1;
	int c;

	if (!data || !back) {
		T_VAL(t, -1, "malloc");
		return;
	}
	fill_data(data, len, ECHO_SEED);
	es.l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_CLOEXEC, 0), "listener socket");
	T_RET(t, bind4(es.l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(es.l, 4), "listen");
	c = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "client socket");
	set_timeouts(c, 10000);
	pthread_create(&th, NULL, echo_server_fn, &es);
	if (T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect") < 0) {
		shutdown(es.l, SHUT_RDWR);	/* wakes the server's accept */
		pthread_join(th, NULL);
		goto out;
	}
	got = echo_pump(c, data, len, back, len + 65536, &sent);
	T_VAL(t, got < 0 ? got : 0, "client: -errno of the transfer");
	T_VAL(t, sent, "client: bytes sent");
	T_VAL(t, got, "client: bytes echoed back");
	if (got > 0)
		for (long i = 0; i < (got < len ? got : len); i++)
			if (back[i] != data[i]) {
				diff = i;
				break;
			}
	T_VAL(t, diff, "client: first differing byte (-1: none)");
	pthread_join(th, NULL);
	T_VAL(t, es.err, "server: errno");
	T_VAL(t, es.bytes, "server: bytes received");
	T_VAL(t, es.hash == fnv1a(FNV_INIT, data, len), "server: data exact (FNV-1a)");
	T_VAL(t, es.eof, "server: saw EOF");
out:
	close(c);
	close(es.l);
	t_leftover(t, fam);
	free(data);
	free(back);
}

/* Known AF_INET results of scen_echo (in a test body) */
#define CHECK_ECHO(len) ({						\
	EXPECT_STEP_OK(ti, "connect");					\
	EXPECT_STEP_VAL(ti, "client: -errno of the transfer", 0);	\
	EXPECT_STEP_VAL(ti, "client: bytes sent", len);			\
	EXPECT_STEP_VAL(ti, "client: bytes echoed back", len);		\
	EXPECT_STEP_VAL(ti, "client: first differing byte (-1: none)", -1); \
	EXPECT_STEP_VAL(ti, "server: errno", 0);			\
	EXPECT_STEP_VAL(ti, "server: data exact (FNV-1a)", 1);		\
	EXPECT_STEP_VAL(ti, "server: saw EOF", 1);			\
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);	\
})

/* ------------------------------------------------------------------ */
/* Comparing                                                           */
/* ------------------------------------------------------------------ */

/*
 * Where the XTCP run had no /proc/net/xtcp, take AF_INET's state.
 * Returns how many state steps were taken over.
 */
static inline int conn_fix_noproc(const struct trace *ti, struct trace *tx)
{
	int n = ti->n < tx->n ? ti->n : tx->n, k = 0;

	for (int i = 0; i < n; i++) {
		struct step *sx = &tx->s[i];

		if (sx->val == ST_NOPROC && !strncmp(sx->what, "state ", 6) &&
		    !strcmp(sx->what, ti->s[i].what)) {
			sx->val = ti->s[i].val;
			k++;
		}
	}
	return k;
}

/* Objects counts of the module ("sock=0 bind_bucket=0"): all zero? */
static inline bool xtcp_objects_zero(char *buf, size_t len)
{
	FILE *f = fopen("/sys/module/xtcp/parameters/objects", "re");
	char *p;

	buf[0] = 0;
	if (!f)
		return true;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	for (p = buf; (p = strchr(p, '=')); p++)
		if (strtol(p + 1, NULL, 10) != 0)
			return false;
	return true;
}

/*
 * After the XTCP run (its netns is gone with its child): every XTCP
 * object must go away, within 10 s (netns cleanup is asynchronous).
 */
static inline bool xtcp_objects_settle(char *buf, size_t len)
{
	long end = now_ms() + 10000;

	if (xtcp_family() == AF_INET)
		return true;
	while (!xtcp_objects_zero(buf, len)) {
		if (now_ms() > end)
			return false;
		sleep_ms(50);
	}
	return true;
}

/*
 * Compare the AF_INET trace ti with the XTCP trace tx: fail on any
 * difference, check that no XTCP object is left, SKIP when the states
 * could not be read.
 */
#define CONN_COMPARE(ti, tx) do {					\
	char __why[256], __obj[128];					\
	int __np = conn_fix_noproc(ti, tx);				\
	int __c = trace_cmp(_metadata, ti, tx, CMP_FIRST, __why,	\
			    sizeof(__why));				\
	ASSERT_EQ(CMP_SAME, __c) TH_LOG("AF_INET and AF_XTCP differ");	\
	ASSERT_TRUE(xtcp_objects_settle(__obj, sizeof(__obj)))		\
		TH_LOG("XTCP objects left 10 s after the test: %s", __obj); \
	if (__np)							\
		SKIP(return, "%s missing: %d state assertions skipped "	\
		     "(all other steps matched AF_INET)", PROC_NET_XTCP, __np); \
} while (0)

/*
 * The usual test: AF_INET run, its known values (CHECKS, a statement
 * using ti), SKIP if XTCP cannot connect yet, XTCP run, comparison.
 */
#define CONN_RUN(fn, arg, CHECKS) do {					\
	struct trace *ti = run_scenario(fn, AF_INET, arg, 0);		\
	struct trace *tx;						\
	if (!status_ok(ti->status)) {					\
		TH_LOG("AF_INET scenario ended abnormally: status 0x%x", \
		       ti->status);					\
		dump_trace(_metadata, ti, ti->n > 8 ? ti->n - 8 : 0, ti->n); \
		ASSERT_TRUE(0);						\
	}								\
	CHECKS;								\
	if (!_metadata->passed || getenv("XTCP_CONN_DUMP"))		\
		dump_trace(_metadata, ti, 0, ti->n);			\
	CONN_REQUIRE_XTCP();						\
	tx = run_scenario(fn, xtcp_family(), arg, 0);			\
	if (getenv("XTCP_CONN_DUMP"))					\
		dump_trace(_metadata, tx, 0, tx->n);			\
	CONN_COMPARE(ti, tx);						\
} while (0)

/* A known state in the AF_INET trace */
#define EXPECT_STATE(t, label, st) \
	EXPECT_TRUE(t_check(_metadata, t, "state " label, 0, 0, true, st))

/* Fixture-less tests with their own timeout (TEST() has 30 s) */
FIXTURE(conn) {};
FIXTURE_SETUP(conn) {}
FIXTURE_TEARDOWN(conn) {}

/* struct tcp_info as 6.1's uapi has it (glibc's stops at total_retrans) */
struct tcp_info_61 {
	uint8_t tcpi_state, tcpi_ca_state, tcpi_retransmits, tcpi_probes;
	uint8_t tcpi_backoff, tcpi_options;
	uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	uint8_t tcpi_flags;
	uint32_t tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;
	uint32_t tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent, tcpi_last_ack_sent, tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh, tcpi_snd_cwnd, tcpi_advmss;
	uint32_t tcpi_reordering, tcpi_rcv_rtt, tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
	uint64_t tcpi_pacing_rate, tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked, tcpi_bytes_received;
	uint32_t tcpi_segs_out, tcpi_segs_in;
	uint32_t tcpi_notsent_bytes, tcpi_min_rtt;
	uint32_t tcpi_data_segs_in, tcpi_data_segs_out;
	uint64_t tcpi_delivery_rate, tcpi_busy_time, tcpi_rwnd_limited;
	uint64_t tcpi_sndbuf_limited;
	uint32_t tcpi_delivered, tcpi_delivered_ce;
	uint64_t tcpi_bytes_sent, tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack;
	uint32_t tcpi_snd_wnd;
};

#endif /* XTCP_CONN_LIB_H */
