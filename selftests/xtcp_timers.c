// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: timers and failure on a dead peer, keepalive and
 * TCP_USER_TIMEOUT, compared with AF_INET.  Each scenario runs on lo in a
 * fresh netns (xtcp_conn_lib.h).  A peer "dies" when it sets IP_TOS
 * 0x28 (DSCP 10), which an nftables rule on lo's ingress, installed
 * before the connection, drops: at once, without an nft process to start
 * at that moment (which takes up to a second under TCG).  The sysctls are
 * set for the family under test: net.ipv4.tcp_<name> for AF_INET,
 * net.xtcp.<name> for XTCP.
 *
 *   sockopts         SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL,
 *                    TCP_KEEPCNT, TCP_USER_TIMEOUT: defaults, bounds and
 *                    errnos, short option lengths, the sysctl defaults,
 *                    inheritance by accept(), the keepalive timer as
 *                    /proc shows it (armed, moved, stopped)
 *   dead_peer        retries2=3, the peer goes silent mid-transfer: send()
 *                    fails with ETIMEDOUT, TCPAbortOnTimeout counts it
 *   syn_retries      syn_retries=1, SYNs to a port are dropped: connect()
 *                    fails with ETIMEDOUT
 *   keepalive_dead   SO_KEEPALIVE idle 1 s, interval 1 s, 2 probes, the
 *                    peer goes silent: recv() fails with ETIMEDOUT, the
 *                    peer gets a reset, 2 probes counted
 *   keepalive_alive  the same with a live peer: still connected, probes
 *                    sent and answered
 *   user_timeout     TCP_USER_TIMEOUT 1500 ms, the peer goes silent:
 *                    send() fails with ETIMEDOUT after about 1.5 s
 *
 * How long a failure takes depends on the VM's timing: it is recorded
 * without being compared, then checked against a window in both runs,
 * and XTCP's against AF_INET's.
 */
#include "xtcp_conn_lib.h"
#include "xtcp_mib.h"
#include "xtcp_timing.h"

#include <limits.h>

#define DEAD_PORT	5009	/* SYNs to it are dropped */

#define T_SYSCTL(t, fam, name, val) \
	T_RET(t, tcp_sysctl(fam, name, val), "sysctl %s=%s", name, val)

/*
 * The timer of a connection as /proc shows it ("tr": 0 none, 1
 * retransmit, 2 keepalive, 4 zero window probe), and in *secs when it
 * fires, rounded to seconds; -1 when there is no such entry.
 */
static int proc_timer(int fam, const struct ep *e, long *secs)
{
	unsigned int la, lp, ra, rp, st, txq, rxq, tr;
	unsigned long when;
	char line[512];
	int ret = -1;
	FILE *f;

	*secs = -1;
	f = fopen(proc_path(fam), "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %x:%x %x:%x %x %x:%x %x:%lx", &la, &lp,
			   &ra, &rp, &st, &txq, &rxq, &tr, &when) != 9)
			continue;
		if (la != e->l.sin_addr.s_addr || lp != ntohs(e->l.sin_port) ||
		    ra != e->r.sin_addr.s_addr || rp != ntohs(e->r.sin_port))
			continue;
		ret = tr;
		*secs = tr ? (long)(when + 50) / 100 : 0;	/* USER_HZ */
		break;
	}
	fclose(f);
	return ret;
}

static void t_timer(struct trace *t, int fam, const struct ep *e,
		    const char *label)
{
	long secs;
	int tr = proc_timer(fam, e, &secs);

	T_VAL(t, tr, "%s: timer in /proc (2: keepalive)", label);
	T_VAL(t, secs, "%s: timer fires in (s)", label);
}

/* Only which timer: when it fires is too close to a second boundary. */
static void t_timer_kind(struct trace *t, int fam, const struct ep *e,
			 const char *label)
{
	long secs;

	T_VAL(t, proc_timer(fam, e, &secs), "%s: timer in /proc (2: keepalive)",
	      label);
}

#define SILENT_TOS	0x28
#define SILENT_RULE	"ip dscp 0x0a"

/* The connection of the scenarios, with long send/recv timeouts; the
 * rule that drops what a silenced end sends.
 */
static int up(struct trace *t, struct conn *k, int fam)
{
	T_NFT_SETUP(t);
	T_NFT_DROP(t, SILENT_RULE);
	if (t_connect_pair(t, k, fam, fam, CONN_PORT))
		return -1;
	set_timeouts(k->c, 20000);
	set_timeouts(k->s, 20000);
	return 0;
}

/* From now on, nothing that @fd sends arrives. */
static void silence(struct trace *t, int fd, const char *who)
{
	T_RET(t, setint(fd, IPPROTO_IP, IP_TOS, SILENT_TOS),
	      "%s goes silent (IP_TOS)", who);
}

/* One byte each way. */
static void ping(struct trace *t, struct conn *k, const char *tag)
{
	char b = 'x';

	T_RET(t, send(k->c, &b, 1, MSG_NOSIGNAL), "%s: client sends 1", tag);
	T_RET(t, recv(k->s, &b, 1, 0), "%s: server receives", tag);
	T_RET(t, send(k->s, &b, 1, MSG_NOSIGNAL), "%s: server sends 1", tag);
	T_RET(t, recv(k->c, &b, 1, 0), "%s: client receives", tag);
}

/* Blocking sends until one fails: its errno, and how long it took. */
static void send_until_error(struct trace *t, int fd, const char *tag)
{
	static char buf[16384];
	long start = now_ms();
	ssize_t r;
	int e;

	do {
		r = send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
	} while (r >= 0 && now_ms() - start < 30000);
	e = r < 0 ? errno : 0;
	t_add(t, 0, r < 0 ? -1 : 0, e, 0, "%s: send until it fails", tag);
	T_MS(t, now_ms() - start, "%s: ms until send failed", tag);
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

struct kopt {
	const char *name;
	int opt;
	int vals[8];
	int n;
};

#define KOPT(o, ...) { #o, o, { __VA_ARGS__ }, \
	sizeof((int[]){ __VA_ARGS__ }) / sizeof(int) }

static const struct kopt kopts[] = {
	KOPT(TCP_KEEPIDLE, 0, 1, 2, 32767, 32768, -1, INT_MAX, 600),
	KOPT(TCP_KEEPINTVL, 0, 1, 32767, 32768, -1, 30),
	KOPT(TCP_KEEPCNT, 0, 1, 127, 128, -1, 5),
	KOPT(TCP_USER_TIMEOUT, -1, 0, 1, INT_MAX, 1500),
};

static void t_getall(struct trace *t, int fd, const char *tag)
{
	char what[64];

	snprintf(what, sizeof(what), "%s SO_KEEPALIVE", tag);
	t_getint(t, fd, SOL_SOCKET, SO_KEEPALIVE, what);
	for (unsigned int i = 0; i < ARRAY_LEN(kopts); i++) {
		snprintf(what, sizeof(what), "%s %s", tag, kopts[i].name);
		t_getint(t, fd, SOL_TCP, kopts[i].opt, what);
	}
}

static void scen_sockopts(struct trace *t, int fam, long arg)
{
	struct conn k = { .l = -1, .c = -1, .s = -1 };
	unsigned char raw[8];
	int one = 1, v = 7;
	socklen_t l;
	int fd, r;

	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket");
	t_getall(t, fd, "default");

	/* bounds: each value set, then read back */
	for (unsigned int i = 0; i < ARRAY_LEN(kopts); i++)
		for (int j = 0; j < kopts[i].n; j++) {
			t_setint(t, fd, SOL_TCP, kopts[i].opt, kopts[i].vals[j],
				 kopts[i].name);
			t_getint(t, fd, SOL_TCP, kopts[i].opt, kopts[i].name);
		}

	/* short and odd lengths */
	for (unsigned int i = 0; i < ARRAY_LEN(kopts); i++) {
		errno = 0;
		r = setsockopt(fd, SOL_TCP, kopts[i].opt, &v, 2);
		t_add(t, 0, r, r < 0 ? errno : 0, 0, "setsockopt %s len=2",
		      kopts[i].name);
		errno = 0;
		r = setsockopt(fd, SOL_TCP, kopts[i].opt, NULL, 4);
		t_add(t, 0, r, r < 0 ? errno : 0, 0, "setsockopt %s val=NULL",
		      kopts[i].name);
		for (int len = -1; len <= 8; len += 3) {
			memset(raw, 0xa5, sizeof(raw));
			l = len;
			errno = 0;
			r = getsockopt(fd, SOL_TCP, kopts[i].opt, raw, &l);
			t_add(t, 0, r, r < 0 ? errno : 0,
			      r < 0 ? 0 : (long)l << 32 | raw[0] << 8 | raw[4],
			      "getsockopt %s len=%d: len, bytes", kopts[i].name,
			      len);
		}
	}
	close(fd);

	/* the sysctls give a new socket its defaults */
	T_SYSCTL(t, fam, "keepalive_time", "600");
	T_SYSCTL(t, fam, "keepalive_intvl", "30");
	T_SYSCTL(t, fam, "keepalive_probes", "5");
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "socket after sysctls");
	t_getall(t, fd, "sysctl default");
	close(fd);

	/* a listener's options go to the sockets it accepts; its
	 * keepalive timer is armed as the connection is made
	 */
	k.l = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		   "listener socket");
	T_RET(t, setsockopt(k.l, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
	      "listener SO_KEEPALIVE=1");
	t_setint(t, k.l, SOL_TCP, TCP_KEEPIDLE, 77, "listener TCP_KEEPIDLE");
	t_setint(t, k.l, SOL_TCP, TCP_KEEPCNT, 3, "listener TCP_KEEPCNT");
	t_setint(t, k.l, SOL_TCP, TCP_USER_TIMEOUT, 4000,
		 "listener TCP_USER_TIMEOUT");
	T_RET(t, bind4(k.l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(k.l, 4), "listen");
	k.c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		   "client socket");
	if (T_RET(t, connect4(k.c, "127.0.0.1", CONN_PORT), "connect") < 0)
		goto out;
	k.s = T_FD(t, accept4(k.l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (k.s < 0)
		goto out;
	k.ce = ep_of(k.c, fam);
	k.se = ep_of(k.s, fam);
	t_getall(t, k.s, "accepted");
	t_timer(t, fam, &k.se, "accepted");
	{
		struct ep le = { .fam = fam, .l = name_of(k.l, false) };

		t_timer(t, fam, &le, "listener");
	}

	/* SO_KEEPALIVE on a connection arms the timer (sysctl idle time),
	 * TCP_KEEPIDLE moves it, SO_KEEPALIVE=0 stops it
	 */
	t_timer(t, fam, &k.ce, "client before SO_KEEPALIVE");
	T_RET(t, setsockopt(k.c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
	      "client SO_KEEPALIVE=1");
	t_timer(t, fam, &k.ce, "client SO_KEEPALIVE=1");
	t_setint(t, k.c, SOL_TCP, TCP_KEEPIDLE, 100, "client TCP_KEEPIDLE");
	t_timer(t, fam, &k.ce, "client TCP_KEEPIDLE=100");
	t_setint(t, k.c, SOL_TCP, TCP_KEEPINTVL, 50, "client TCP_KEEPINTVL");
	t_timer(t, fam, &k.ce, "client TCP_KEEPINTVL=50");
	one = 0;
	T_RET(t, setsockopt(k.c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)),
	      "client SO_KEEPALIVE=0");
	t_timer(t, fam, &k.ce, "client SO_KEEPALIVE=0");
	t_getall(t, k.c, "client");
	t_setint(t, k.c, SOL_TCP, TCP_KEEPIDLE, 200, "client TCP_KEEPIDLE");
	t_timer(t, fam, &k.ce, "client TCP_KEEPIDLE=200 without keepalive");
out:
	conn_close(&k);
	t_leftover(t, fam);
}

TEST(sockopts)
{
	CONN_RUN(scen_sockopts, 0, ({
		EXPECT_TRUE(t_check(_metadata, ti,
				    "getsockopt default TCP_KEEPIDLE (val*1000+len)",
				    0, 0, true, 7200 * 1000 + 4));
		EXPECT_TRUE(t_check(_metadata, ti,
				    "getsockopt default TCP_KEEPCNT (val*1000+len)",
				    0, 0, true, 9 * 1000 + 4));
		EXPECT_STEP_ERR(ti, "setsockopt TCP_KEEPIDLE=32768", EINVAL);
		EXPECT_STEP_ERR(ti, "setsockopt TCP_KEEPCNT=128", EINVAL);
		EXPECT_STEP_ERR(ti, "setsockopt TCP_USER_TIMEOUT=-1", EINVAL);
		EXPECT_STEP_ERR(ti, "setsockopt TCP_KEEPIDLE len=2", EINVAL);
		EXPECT_TRUE(t_check(_metadata, ti,
				    "getsockopt sysctl default TCP_KEEPIDLE (val*1000+len)",
				    0, 0, true, 600 * 1000 + 4));
		EXPECT_TRUE(t_check(_metadata, ti,
				    "getsockopt accepted TCP_KEEPIDLE (val*1000+len)",
				    0, 0, true, 77 * 1000 + 4));
		EXPECT_STEP_VAL(ti, "accepted: timer in /proc (2: keepalive)", 2);
		EXPECT_STEP_VAL(ti, "accepted: timer fires in (s)", 77);
		EXPECT_STEP_VAL(ti, "client SO_KEEPALIVE=1: timer fires in (s)",
				600);
		EXPECT_STEP_VAL(ti, "client TCP_KEEPIDLE=100: timer fires in (s)",
				100);
		EXPECT_STEP_VAL(ti, "client SO_KEEPALIVE=0: timer in /proc (2: keepalive)",
				0);
	}));
}

/* ------------------------------------------------------------------ */
/* Failure on a dead peer                                              */
/* ------------------------------------------------------------------ */

static void scen_dead_peer(struct trace *t, int fam, long arg)
{
	long a0, t0;
	struct conn k;

	block_sigpipe();
	T_SYSCTL(t, fam, "retries2", "3");
	if (up(t, &k, fam))
		goto out;
	ping(t, &k, "before");
	a0 = tcp_mib(fam, "TCPAbortOnTimeout");
	t0 = tcp_mib(fam, "TCPTimeouts");
	silence(t, k.s, "server");
	send_until_error(t, k.c, "client");
	T_STATE(t, &k.ce, ST_NONE, "client after the timeout");
	T_VAL(t, getint(k.c, SOL_SOCKET, SO_ERROR), "client SO_ERROR after");
	T_RET(t, send(k.c, "x", 1, MSG_NOSIGNAL), "client send after");
	T_VAL(t, tcp_mib(fam, "TCPAbortOnTimeout") - a0,
	      "TCPAbortOnTimeout delta");
	T_MS(t, tcp_mib(fam, "TCPTimeouts") - t0, "TCPTimeouts delta (logged)");
out:
	conn_close(&k);
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, dead_peer, 90)
{
	TIMED_RUN(scen_dead_peer, 0, ({
		EXPECT_STEP_ERR(ti, "client: send until it fails", ETIMEDOUT);
		EXPECT_STATE(ti, "client after the timeout", ST_NONE);
		EXPECT_STEP_ERR(ti, "client send after", EPIPE);
		EXPECT_STEP_VAL(ti, "TCPAbortOnTimeout delta", 1);
		check_ms(_metadata, ti, "client: ms until send failed",
			 2500, 9000);
	}), ({
		check_ms(_metadata, tx, "client: ms until send failed",
			 2500, 9000);
		check_ms_close(_metadata, ti, tx,
			       "client: ms until send failed", 1500);
		TH_LOG("TCPTimeouts: INET %ld, XTCP %ld",
		       t_find(ti, "TCPTimeouts delta (logged)")->val,
		       t_find(tx, "TCPTimeouts delta (logged)")->val);
	}));
}

static void scen_syn_retries(struct trace *t, int fam, long arg)
{
	long a0, f0, start;
	int c;

	T_SYSCTL(t, fam, "syn_retries", "1");
	T_NFT_SETUP(t);
	T_NFT_DROP(t, "tcp dport 5009");
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
	a0 = tcp_mib(fam, "TCPAbortOnTimeout");
	f0 = tcp_mib(fam, "AttemptFails");
	start = now_ms();
	T_RET(t, connect4(c, "127.0.0.1", DEAD_PORT),
	      "connect to a port that drops SYNs");
	T_MS(t, now_ms() - start, "ms until connect failed");
	T_VAL(t, getint(c, SOL_SOCKET, SO_ERROR), "SO_ERROR after");
	T_VAL(t, tcp_mib(fam, "TCPAbortOnTimeout") - a0,
	      "TCPAbortOnTimeout delta");
	T_VAL(t, tcp_mib(fam, "AttemptFails") - f0, "AttemptFails delta");
	T_NFT_FLUSH(t);
	close(c);
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, syn_retries, 90)
{
	TIMED_RUN(scen_syn_retries, 0, ({
		EXPECT_STEP_ERR(ti, "connect to a port that drops SYNs",
				ETIMEDOUT);
		EXPECT_STEP_VAL(ti, "TCPAbortOnTimeout delta", 1);
		EXPECT_STEP_VAL(ti, "AttemptFails delta", 1);
		check_ms(_metadata, ti, "ms until connect failed", 2500, 9000);
	}), ({
		check_ms(_metadata, tx, "ms until connect failed", 2500, 9000);
		check_ms_close(_metadata, ti, tx, "ms until connect failed",
			       1500);
	}));
}

#define KA_DEAD		1

static void scen_keepalive(struct trace *t, int fam, long arg)
{
	long k0, a0, start;
	struct conn k;
	char b;

	block_sigpipe();
	if (up(t, &k, fam))
		goto out;
	t_setint(t, k.c, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
	t_setint(t, k.c, SOL_TCP, TCP_KEEPIDLE, 1, "TCP_KEEPIDLE");
	t_setint(t, k.c, SOL_TCP, TCP_KEEPINTVL, 1, "TCP_KEEPINTVL");
	t_setint(t, k.c, SOL_TCP, TCP_KEEPCNT, 2, "TCP_KEEPCNT");
	t_timer_kind(t, fam, &k.ce, "client");
	k0 = tcp_mib(fam, "TCPKeepAlive");
	a0 = tcp_mib(fam, "TCPAbortOnTimeout");
	if (arg & KA_DEAD) {
		silence(t, k.s, "server");
		start = now_ms();
		T_RET(t, recv(k.c, &b, 1, 0), "client recv on the idle connection");
		T_MS(t, now_ms() - start, "ms until recv failed");
		T_RET(t, recv(k.s, &b, 1, 0), "server recv (the client's reset)");
		T_STATE(t, &k.ce, ST_NONE, "client after keepalive gave up");
		T_VAL(t, tcp_mib(fam, "TCPAbortOnTimeout") - a0,
		      "TCPAbortOnTimeout delta");
		T_VAL(t, tcp_mib(fam, "TCPKeepAlive") - k0,
		      "keepalive probes sent");
	} else {
		sleep_ms(3500);
		T_STATE(t, &k.ce, ST_ESTABLISHED, "client after 3.5 s idle");
		T_VAL(t, tcp_mib(fam, "TCPKeepAlive") - k0 >= 2,
		      "keepalive probes sent >= 2");
		T_VAL(t, tcp_mib(fam, "TCPAbortOnTimeout") - a0,
		      "TCPAbortOnTimeout delta");
		t_timer_kind(t, fam, &k.ce, "client after 3.5 s idle");
		ping(t, &k, "after idle");
	}
out:
	conn_close(&k);
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, keepalive_dead, 90)
{
	TIMED_RUN(scen_keepalive, KA_DEAD, ({
		EXPECT_STEP_VAL(ti, "client: timer in /proc (2: keepalive)", 2);
		EXPECT_STEP_ERR(ti, "client recv on the idle connection",
				ETIMEDOUT);
		EXPECT_STEP_ERR(ti, "server recv (the client's reset)",
				ECONNRESET);
		EXPECT_STEP_VAL(ti, "TCPAbortOnTimeout delta", 1);
		EXPECT_STEP_VAL(ti, "keepalive probes sent", 2);
		check_ms(_metadata, ti, "ms until recv failed", 2500, 9000);
	}), ({
		check_ms(_metadata, tx, "ms until recv failed", 2500, 9000);
		check_ms_close(_metadata, ti, tx, "ms until recv failed", 1500);
	}));
}

TEST_F_TIMEOUT(conn, keepalive_alive, 90)
{
	CONN_RUN(scen_keepalive, 0, ({
		EXPECT_STATE(ti, "client after 3.5 s idle", ST_ESTABLISHED);
		EXPECT_STEP_VAL(ti, "keepalive probes sent >= 2", 1);
		EXPECT_STEP_VAL(ti, "TCPAbortOnTimeout delta", 0);
		EXPECT_STEP_RET(ti, "after idle: client receives", 1);
	}));
}

static void scen_user_timeout(struct trace *t, int fam, long arg)
{
	struct conn k;
	long a0;

	block_sigpipe();
	if (up(t, &k, fam))
		goto out;
	t_setint(t, k.c, SOL_TCP, TCP_USER_TIMEOUT, 1500, "TCP_USER_TIMEOUT");
	ping(t, &k, "before");
	a0 = tcp_mib(fam, "TCPAbortOnTimeout");
	silence(t, k.s, "server");
	send_until_error(t, k.c, "client");
	T_STATE(t, &k.ce, ST_NONE, "client after the timeout");
	T_VAL(t, tcp_mib(fam, "TCPAbortOnTimeout") - a0,
	      "TCPAbortOnTimeout delta");
out:
	conn_close(&k);
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, user_timeout, 90)
{
	TIMED_RUN(scen_user_timeout, 0, ({
		EXPECT_STEP_ERR(ti, "client: send until it fails", ETIMEDOUT);
		EXPECT_STEP_VAL(ti, "TCPAbortOnTimeout delta", 1);
		check_ms(_metadata, ti, "client: ms until send failed",
			 1200, 4500);
	}), ({
		check_ms(_metadata, tx, "client: ms until send failed",
			 1200, 4500);
		check_ms_close(_metadata, ti, tx,
			       "client: ms until send failed", 1000);
	}));
}

TEST_HARNESS_MAIN
