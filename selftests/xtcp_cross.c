// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: XTCP and the kernel's own TCP never share a port, but
 * as SO_REUSEADDR lets two AF_INET sockets share one: an XTCP socket
 * with SO_REUSEADDR may bind a port that stock TCP holds only with
 * SO_REUSEADDR socks that do not listen (xtcp_bind.c's stock_* tests
 * have the TIME_WAIT and established cases).  Stock TCP never comes in
 * after XTCP.
 *
 * The fixture's two variants swap the roles: "inet_holds" has a stock
 * AF_INET socket hold the port and XTCP try it, "xtcp_holds" the reverse.
 * After the holder closes, the port may come back after a short moment
 * (XTCP gives its stock-side reservation back from a work item): the
 * tests retry for up to RETRY_MS before they fail.
 */
#include "xtcp_common.h"

#define RETRY_MS	1000
#define P		5001

#define O_RA	1
#define O_RP	2

static const char *const opt_names[] = { "-", "RA", "RP", "RA+RP" };

static int mksock(int fam, int opts)
{
	int fd = socket(fam, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (opts & O_RA)
		setint(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (opts & O_RP)
		setint(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	return fd;
}

/* bind, retrying on EADDRINUSE for up to ms; *waited gets the time. */
static int bind_retry(int fd, const char *ip, int port, int ms, long *waited)
{
	long start = now_ms();
	int r;

	for (;;) {
		r = bind4(fd, ip, port);
		if (!r || errno != EADDRINUSE || now_ms() - start >= ms)
			break;
		sleep_ms(10);
	}
	if (waited)
		*waited = now_ms() - start;
	return r;
}

/*
 * Wait until a socket of family fam can bind port: the other stack's
 * reservation of a port that was just released may take a moment to go.
 */
static int wait_free(int fam, int port)
{
	int s = socket(fam, SOCK_STREAM, 0), r;

	r = bind_retry(s, "0.0.0.0", port, RETRY_MS, NULL);
	close(s);
	return r;
}

FIXTURE(cross) {
	int hold;	/* family of the socket that holds the port */
	int other;	/* family of the one that tries it */
};

FIXTURE_VARIANT(cross) {
	bool xtcp_holds;
};

FIXTURE_VARIANT_ADD(cross, inet_holds) {
	.xtcp_holds = false,
};

FIXTURE_VARIANT_ADD(cross, xtcp_holds) {
	.xtcp_holds = true,
};

FIXTURE_SETUP(cross)
{
	int fd;

	ASSERT_EQ(0, new_netns());
	self->hold = variant->xtcp_holds ? xtcp_family() : AF_INET;
	self->other = variant->xtcp_holds ? AF_INET : xtcp_family();
	fd = socket(xtcp_family(), SOCK_STREAM, 0);
	ASSERT_LE(0, fd) TH_LOG("socket(AF_XTCP=%d): %s", xtcp_family(),
				errname(errno));
	close(fd);
}

FIXTURE_TEARDOWN(cross)
{
}

static const char *hname(int fam)
{
	return fam == AF_INET ? "INET" : "XTCP";
}

/*
 * The holder has the port (any options, wildcard or specific address,
 * listening or not); the other stack's bind gets EADDRINUSE, whatever
 * its options, but where both have SO_REUSEADDR, a stock holder does
 * not listen and XTCP binds: there XTCP's bind succeeds, as 6.1's own
 * rules let a second SO_REUSEADDR socket bind, and from then on the
 * stock holder cannot listen (XTCP can).
 */
TEST_F(cross, same_port)
{
	static const char *const addrs[] = { "0.0.0.0", "127.0.0.1" };
	int bad = 0, n = 0;

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	for (int ho = 0; ho < 4; ho++)
	for (unsigned int ha = 0; ha < ARRAY_LEN(addrs); ha++)
	for (int hl = 0; hl < 2; hl++)
	for (int oo = 0; oo < 4; oo++)
	for (unsigned int oa = 0; oa < ARRAY_LEN(addrs); oa++) {
		int h = mksock(self->hold, ho);
		int o = mksock(self->other, oo);
		long waited;
		int r;

		ASSERT_LE(0, h);
		ASSERT_LE(0, o);
		ASSERT_EQ(0, bind_retry(h, addrs[ha], P, RETRY_MS, &waited))
			TH_LOG("%s holder bind %s:%d: %s", hname(self->hold),
			       addrs[ha], P, errname(errno));
		if (hl)
			ASSERT_EQ(0, listen(h, 1));
		n++;
		r = bind4(o, addrs[oa], P);
		if (!variant->xtcp_holds && (ho & O_RA) && (oo & O_RA) && !hl) {
			if (r || listen(h, 1) != -1 || errno != EADDRINUSE ||
			    listen(o, 1)) {
				bad++;
				TH_LOG("INET holds %s:%d (%s); XTCP bind %s:%d (%s) %s, then INET listen fails and XTCP listen succeeds: %s",
				       addrs[ha], P, opt_names[ho], addrs[oa],
				       P, opt_names[oo],
				       r ? "failed" : "succeeded",
				       errname(errno));
			}
		} else if (r == 0 || errno != EADDRINUSE) {
			bad++;
			TH_LOG("%s holds %s:%d (%s%s); %s bind %s:%d (%s) gave %s, expected EADDRINUSE",
			       hname(self->hold), addrs[ha], P, opt_names[ho],
			       hl ? ", listening" : "", hname(self->other),
			       addrs[oa], P, opt_names[oo],
			       r ? errname(errno) : "success");
		} else if (!hl) {
			/* and the holder can still listen */
			EXPECT_EQ(0, listen(h, 1));
		}
		close(o);
		close(h);
	}
	EXPECT_EQ(0, bad) TH_LOG("%d of %d cases shared a port", bad, n);
}

/* Different specific addresses: still never the same port (but for
 * SO_REUSEADDR on both, a stock holder and XTCP binding, as above).
 */
TEST_F(cross, distinct_addresses)
{
	int bad = 0;

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	for (int opts = 0; opts < 4; opts++) {
		int h = mksock(self->hold, opts), o = mksock(self->other, opts);
		int r;

		ASSERT_EQ(0, bind_retry(h, "127.0.0.1", P, RETRY_MS, NULL))
			TH_LOG("holder bind: %s", errname(errno));
		r = bind4(o, "127.0.0.2", P);
		if (!variant->xtcp_holds && (opts & O_RA)) {
			if (r) {
				bad++;
				TH_LOG("INET holds 127.0.0.1:%d (%s); XTCP bind 127.0.0.2:%d: %s",
				       P, opt_names[opts], P, errname(errno));
			}
		} else if (r == 0 || errno != EADDRINUSE) {
			bad++;
			TH_LOG("%s holds 127.0.0.1:%d (%s); %s bind 127.0.0.2:%d gave %s, expected EADDRINUSE",
			       hname(self->hold), P, opt_names[opts],
			       hname(self->other), P,
			       r ? errname(errno) : "success");
		}
		close(o);
		close(h);
	}
	EXPECT_EQ(0, bad);
}

/* The port that listen() took by itself is held too. */
TEST_F(cross, autobound_listener)
{
	int h, o, p;

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	h = mksock(self->hold, 0);
	ASSERT_EQ(0, listen(h, 1));
	p = sock_port(h);
	ASSERT_TRUE(port_in_range(p));
	o = mksock(self->other, O_RA);
	EXPECT_EQ(-1, bind4(o, "0.0.0.0", p));
	EXPECT_EQ(EADDRINUSE, errno) TH_LOG("%s bind to %s's autobound port: %s",
					    hname(self->other),
					    hname(self->hold), errname(errno));
	close(o);
	/* shutdown(SHUT_RD) gives an autobound port back */
	ASSERT_EQ(0, shutdown(h, SHUT_RD));
	o = mksock(self->other, 0);
	EXPECT_EQ(0, bind_retry(o, "0.0.0.0", p, RETRY_MS, NULL))
		TH_LOG("%s bind to the port given back by shutdown: %s",
		       hname(self->other), errname(errno));
	close(o);
	close(h);
}

/* After the holder closes, the other stack gets the port. */
TEST_F(cross, port_back_after_close)
{
	static const char *const how[] = { "bound", "listening",
					   "bound with SO_REUSEADDR",
					   "autobound listener" };

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	for (int i = 0; i < 4; i++) {
		int h = mksock(self->hold, i == 2 ? O_RA : 0), o, p = P + i;
		long waited;

		if (i == 3) {
			ASSERT_EQ(0, listen(h, 1));
			p = sock_port(h);
		} else {
			ASSERT_EQ(0, bind4(h, "0.0.0.0", p));
			if (i == 1)
				ASSERT_EQ(0, listen(h, 1));
		}
		o = mksock(self->other, 0);
		EXPECT_EQ(-1, bind4(o, "0.0.0.0", p));
		ASSERT_EQ(0, close(h));
		EXPECT_EQ(0, bind_retry(o, "0.0.0.0", p, RETRY_MS, &waited))
			TH_LOG("%s bind to the port of a closed %s %s socket: %s after %ld ms",
			       hname(self->other), how[i], hname(self->hold),
			       errname(errno), waited);
		if (waited > 50)
			TH_LOG("(%s port came back after %ld ms)", how[i],
			       waited);
		EXPECT_EQ(0, listen(o, 1));
		close(o);
	}
}

/* Ports held in another network namespace don't count. */
TEST_F(cross, other_netns_not_blocked)
{
	int h, o;

	h = mksock(self->hold, 0);
	ASSERT_EQ(0, bind4(h, "0.0.0.0", P));
	ASSERT_EQ(0, listen(h, 1));
	ASSERT_EQ(0, new_netns());
	o = mksock(self->other, 0);
	EXPECT_EQ(0, bind4(o, "0.0.0.0", P)) TH_LOG("%s", errname(errno));
	EXPECT_EQ(0, listen(o, 1));
	close(o);
	o = mksock(self->hold, 0);
	EXPECT_EQ(0, bind4(o, "127.0.0.1", P + 1)) TH_LOG("%s", errname(errno));
	close(o);
	close(h);
}

/*
 * ip_local_port_range narrowed to 4 ports; the holder takes 3 of them
 * explicitly; the other stack's bind(0) (or listen()) must get the 4th.
 */
#define LO	40000
#define NPORTS	4

static void hold_all_but(struct __test_metadata *_metadata, int fam,
			 int free_idx, int opts, int *fds)
{
	for (int i = 0; i < NPORTS; i++) {
		fds[i] = -1;
		if (i == free_idx)
			continue;
		fds[i] = mksock(fam, opts);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, bind_retry(fds[i], "0.0.0.0", LO + i, RETRY_MS,
					NULL))
			TH_LOG("%s holder bind %d: %s", hname(fam), LO + i,
			       errname(errno));
	}
}

TEST_F(cross, ephemeral_skips_held_ports)
{
	int fds[NPORTS], bad = 0;

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	ASSERT_EQ(0, set_port_range(LO, LO + NPORTS - 1));
	for (int rep = 0; rep < 16; rep++) {
		int free_idx = rep % NPORTS;
		int hopts = (rep / 4) % 2 ? O_RA : 0;
		int oopts = (rep / 8) % 2 ? O_RA : 0;
		bool use_listen = rep % 3 == 2;
		int o, p;

		ASSERT_EQ(0, wait_free(self->other, LO + free_idx))
			TH_LOG("rep %d: port %d not free for %s", rep,
			       LO + free_idx, hname(self->other));
		hold_all_but(_metadata, self->hold, free_idx, hopts, fds);
		o = mksock(self->other, oopts);
		ASSERT_LE(0, o);
		if (use_listen) {
			EXPECT_EQ(0, listen(o, 1)) TH_LOG("rep %d: listen: %s",
							  rep, errname(errno));
		} else {
			EXPECT_EQ(0, bind4(o, "0.0.0.0", 0))
				TH_LOG("rep %d: bind(0): %s", rep,
				       errname(errno));
		}
		p = sock_port(o);
		if (p != LO + free_idx) {
			bad++;
			TH_LOG("rep %d: %s holds all but %d (%s); %s %s (%s) got port %d",
			       rep, hname(self->hold), LO + free_idx,
			       opt_names[hopts], hname(self->other),
			       use_listen ? "listen()" : "bind(0)",
			       opt_names[oopts], p);
		}
		close(o);
		close_all(fds, NPORTS);
	}
	EXPECT_EQ(0, bad);
}

/* All four held by the holder: bind(0) fails alike on both stacks. */
TEST_F(cross, all_ports_held)
{
	int fds[NPORTS], o, same_err, other_err;

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	ASSERT_EQ(0, set_port_range(LO, LO + NPORTS - 1));
	hold_all_but(_metadata, self->hold, -1, 0, fds);

	o = mksock(self->hold, 0);
	EXPECT_EQ(-1, bind4(o, "0.0.0.0", 0));
	same_err = errno;
	EXPECT_EQ(EADDRINUSE, same_err) TH_LOG("%s bind(0), %s holding all: %s",
					       hname(self->hold),
					       hname(self->hold),
					       errname(same_err));
	close(o);

	o = mksock(self->other, 0);
	EXPECT_EQ(-1, bind4(o, "0.0.0.0", 0))
		TH_LOG("%s bind(0) got port %d", hname(self->other),
		       sock_port(o));
	other_err = errno;
	EXPECT_EQ(same_err, other_err)
		TH_LOG("bind(0) with all ports held: %s %s, %s %s",
		       hname(self->hold), errname(same_err),
		       hname(self->other), errname(other_err));
	EXPECT_EQ(-1, listen(o, 1));
	EXPECT_EQ(EADDRINUSE, errno) TH_LOG("%s listen(): %s",
					    hname(self->other), errname(errno));
	close(o);
	o = mksock(self->other, O_RA);
	EXPECT_EQ(-1, bind4(o, "127.0.0.1", 0));
	EXPECT_EQ(EADDRINUSE, errno) TH_LOG("%s bind(127.0.0.1:0, RA): %s",
					    hname(self->other), errname(errno));
	close(o);
	close_all(fds, NPORTS);
}

/* Mixed holders: two stock, one XTCP; both stacks find the 4th port. */
TEST(ephemeral_mixed_holders)
{
	int fams[2] = { AF_INET, xtcp_family() };

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	ASSERT_EQ(0, new_netns());
	ASSERT_EQ(0, set_port_range(LO, LO + NPORTS - 1));
	for (int rep = 0; rep < 8; rep++) {
		int free_idx = rep % NPORTS, fds[NPORTS], o, k = 0;

		for (int i = 0; i < NPORTS; i++) {
			fds[i] = -1;
			if (i == free_idx)
				continue;
			fds[i] = socket(fams[(k++ + rep) % 2], SOCK_STREAM, 0);
			ASSERT_EQ(0, bind_retry(fds[i], "0.0.0.0", LO + i,
						RETRY_MS, NULL))
				TH_LOG("rep %d: bind %d: %s", rep, LO + i,
				       errname(errno));
		}
		ASSERT_EQ(0, wait_free(AF_INET, LO + free_idx));
		ASSERT_EQ(0, wait_free(xtcp_family(), LO + free_idx));
		o = socket(fams[rep % 2], SOCK_STREAM, 0);
		ASSERT_EQ(0, bind4(o, "0.0.0.0", 0))
			TH_LOG("rep %d: %s bind(0): %s", rep,
			       hname(fams[rep % 2]), errname(errno));
		EXPECT_EQ(LO + free_idx, sock_port(o))
			TH_LOG("rep %d: %s bind(0)", rep, hname(fams[rep % 2]));
		close(o);
		close_all(fds, NPORTS);
	}
}

/*
 * Stock TCP's connect() picks its local port in ip_local_port_range
 * too (__inet_hash_connect): it must skip the ports XTCP holds.
 */
TEST(inet_connect_skips_xtcp_ports)
{
	struct linger lg = { 1, 0 };
	int fds[NPORTS], l, bad = 0;

	if (xtcp_is_inet_selfcheck())
		SKIP(return, "XTCP_FAMILY=2: one stack only");
	ASSERT_EQ(0, new_netns());
	ASSERT_EQ(0, set_port_range(LO, LO + NPORTS - 1));
	l = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind4(l, "127.0.0.1", P));
	ASSERT_EQ(0, listen(l, 16));
	for (int rep = 0; rep < 8; rep++) {
		int free_idx = rep % NPORTS, c, a;

		ASSERT_EQ(0, wait_free(AF_INET, LO + free_idx))
			TH_LOG("rep %d: port %d not free for INET", rep,
			       LO + free_idx);
		hold_all_but(_metadata, xtcp_family(), free_idx,
			     rep >= 4 ? O_RA : 0, fds);
		c = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_EQ(0, connect4(c, "127.0.0.1", P))
			TH_LOG("rep %d: connect: %s", rep, errname(errno));
		if (sock_port(c) != LO + free_idx) {
			bad++;
			TH_LOG("rep %d: XTCP holds all but %d; stock connect() took port %d",
			       rep, LO + free_idx, sock_port(c));
		}
		a = accept(l, NULL, NULL);
		/* abort (RST): no TIME_WAIT is left on either side */
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
		close(a);
		close_all(fds, NPORTS);
	}
	close(l);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
