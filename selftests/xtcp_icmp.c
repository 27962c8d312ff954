// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: ICMP errors about connections, and a sender's own link
 * going down, over veth between network namespaces, compared with
 * AF_INET (both ends of the connection are of the family under test).
 *
 *   pmtu_router      A (client) 10.0.1.1 -- R (router) -- 10.0.2.2 B
 *                    (server): a 2 MiB echo; after 512 KiB the router's
 *                    routes get MTU 1280, so it answers larger segments
 *                    with ICMP "fragmentation needed" in both directions.
 *                    The transfer completes byte-exact and both ends'
 *                    IP_MTU becomes 1280.  A stack that ignored the ICMP
 *                    would stall (a PMTU black hole).
 *   established      A 10.0.0.1 -- B 10.0.0.2: ICMPs crafted in B (a raw
 *                    socket) about the client's connection, quoting its
 *                    real sequence numbers (read by a packet socket in A):
 *                    fragmentation needed in the window lowers IP_MTU; out
 *                    of the window (RFC 5927) it is ignored and counted
 *                    (OutOfWindowIcmps); a bad checksum is counted (Icmp
 *                    InCsumErrors); host unreachable is a soft error
 *                    (SO_ERROR, once), a hard one with IP_RECVERR, as are
 *                    time exceeded, parameter problem and port
 *                    unreachable; data still flows, at the lower MSS
 *   request          an ICMP quoting a request sock's SYN-ACK drops the
 *                    request (ListenDrops); quoting another sequence
 *                    number, it is ignored (OutOfWindowIcmps)
 *   connect_unreach  nftables in B rejects SYNs with ICMP host, port, net
 *                    and protocol unreachable and admin prohibited (netem
 *                    delays them 100 ms): connect() fails at once with
 *                    AF_INET's errno; the ICMP waits on the error queue
 *                    (MSG_ERRQUEUE, with its offender)
 *   link_down        retries2=3, the client's own link goes down during a
 *                    transfer: send() fails with AF_INET's errno
 *                    (ETIMEDOUT), after about as long
 *
 * The namespaces are made by unshare() and entered with setns() around
 * the ip and nft commands and the sockets that live there.  TCP counters
 * come from /proc/net/netstat for AF_INET, /proc/net/xtcp_stat for XTCP;
 * ICMP counters from /proc/net/snmp in both runs (XTCP counts the ICMP
 * errors it takes in the host's ICMP MIB, as icmp_rcv() would have).
 */
#include "xtcp_conn_lib.h"
#include "xtcp_mib.h"
#include "xtcp_timing.h"

#include <linux/errqueue.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netpacket/packet.h>

#ifndef IP_MTU
#define IP_MTU		14
#endif

#define A_ADDR		"10.0.0.1"
#define B_ADDR		"10.0.0.2"
#define RA_ADDR		"10.0.1.1"	/* router topology: the client */
#define RB_ADDR		"10.0.2.2"	/* the server */
#define SETTLE_MS	250		/* for an ICMP to arrive */

/* ICMP types and codes (RFC 792) */
#define T_UNREACH	3
#define T_TIME_EXCEEDED	11
#define T_PARAMPROB	12
#define C_HOST		1
#define C_PORT		3
#define C_FRAG		4

/* ------------------------------------------------------------------ */
/* Namespaces                                                          */
/* ------------------------------------------------------------------ */

struct nets {
	int a, b, r;	/* a: the scenario's own netns (the client's) */
	int rc;		/* status of a command run mid-transfer */
};

#define NETS_INIT	{ .a = -1, .b = -1, .r = -1, .rc = -1 }

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A new netns with lo up; the caller stays where it is. */
static int ns_new(void)
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = -1;

	if (self < 0)
		return -1;
	if (!unshare(CLONE_NEWNET) && !lo_up())
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(self, CLONE_NEWNET)) {
		fprintf(stderr, "# setns back: %s\n", strerror(errno));
		abort();
	}
	close(self);
	return fd;
}

static void ns_enter(const struct nets *n, int ns)
{
	if (setns(ns, CLONE_NEWNET)) {
		fprintf(stderr, "# setns: %s\n", strerror(errno));
		abort();
	}
}

/* A shell command in netns ns (the calling thread goes back to A). */
static int sh_in(const struct nets *n, int ns, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int sh_in(const struct nets *n, int ns, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ns_enter(n, ns);
	r = sh("%s", cmd);
	ns_enter(n, n->a);
	return r;
}

static int sock_in(const struct nets *n, int ns, int fam, int type, int proto)
{
	int fd, e;

	ns_enter(n, ns);
	fd = socket(fam, type, proto);
	e = errno;
	ns_enter(n, n->a);
	errno = e;
	return fd;
}

/* A TCP counter of netns ns */
static long mib_in(const struct nets *n, int ns, int fam, const char *name)
{
	long v;

	ns_enter(n, ns);
	v = tcp_mib(fam, name);
	ns_enter(n, n->a);
	return v;
}

static void nets_close(struct nets *n)
{
	if (n->b >= 0)
		close(n->b);
	if (n->r >= 0)
		close(n->r);
	if (n->a >= 0)
		close(n->a);
}

/* A (va 10.0.0.1/24) -- B (vb 10.0.0.2/24) */
static int setup2(struct trace *t, struct nets *n)
{
	int r = -1;

	n->r = -1;
	n->a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	n->b = ns_new();
	if (n->a >= 0 && n->b >= 0)
		r = sh("ip link add va type veth peer name vb netns /proc/%d/fd/%d && "
		       "ip addr add " A_ADDR "/24 dev va && ip link set va up",
		       (int)getpid(), n->b) ||
		    sh_in(n, n->b, "ip addr add " B_ADDR "/24 dev vb && "
			  "ip link set vb up") ? -1 : 0;
	return T_RET(t, r, "setup: A and B over veth");
}

/* A (va 10.0.1.1) -- (ra 10.0.1.2) R (rb 10.0.2.1) -- (vb 10.0.2.2) B */
static int setup3(struct trace *t, struct nets *n)
{
	int r = -1;

	n->a = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	n->r = ns_new();
	n->b = ns_new();
	if (n->a >= 0 && n->r >= 0 && n->b >= 0)
		r = sh("ip link add va type veth peer name ra netns /proc/%d/fd/%d && "
		       "ip addr add " RA_ADDR "/24 dev va && ip link set va up && "
		       "ip route add default via 10.0.1.2",
		       (int)getpid(), n->r) ||
		    sh_in(n, n->r,
			  "ip link add rb type veth peer name vb netns /proc/%d/fd/%d && "
			  "ip addr add 10.0.1.2/24 dev ra && "
			  "ip addr add 10.0.2.1/24 dev rb && "
			  "ip link set ra up && ip link set rb up && "
			  "echo 1 > /proc/sys/net/ipv4/ip_forward",
			  (int)getpid(), n->b) ||
		    sh_in(n, n->b, "ip addr add " RB_ADDR "/24 dev vb && "
			  "ip link set vb up && ip route add default via 10.0.2.1") ?
		    -1 : 0;
	return T_RET(t, r, "setup: A -- router -- B over veth");
}

/* ------------------------------------------------------------------ */
/* Crafting ICMPs, capturing segments                                  */
/* ------------------------------------------------------------------ */

static uint16_t csum(const uint8_t *p, int len)
{
	uint32_t sum = 0;

	for (int i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

struct quote {
	const char *src, *dst;	/* of the quoted segment */
	int sport, dport;
	uint32_t seq;
};

/*
 * An ICMP error to @to from raw ICMP socket @raw: @rest is the second
 * word of the header (the MTU of "fragmentation needed", the pointer of
 * "parameter problem" << 24), then the quoted IP header and 8 bytes of
 * TCP header.
 */
static int send_icmp(int raw, const char *to, int type, int code,
		     uint32_t rest, const struct quote *q, bool bad_csum)
{
	struct sockaddr_in dst = sa4(to, 0);
	uint8_t p[8 + 20 + 8] = { 0 };
	uint8_t *qi = p + 8, *qt = p + 28;
	struct in_addr a;
	uint16_t sum;

	p[0] = type;
	p[1] = code;
	put32(p + 4, rest);
	qi[0] = 0x45;
	put16(qi + 2, 1500);
	put16(qi + 6, 0x4000);	/* DF */
	qi[8] = 64;
	qi[9] = IPPROTO_TCP;
	inet_pton(AF_INET, q->src, &a);
	memcpy(qi + 12, &a, 4);
	inet_pton(AF_INET, q->dst, &a);
	memcpy(qi + 16, &a, 4);
	put16(qi + 10, csum(qi, 20));
	put16(qt, q->sport);
	put16(qt + 2, q->dport);
	put32(qt + 4, q->seq);
	sum = csum(p, sizeof(p));
	put16(p + 2, bad_csum ? sum ^ 0x5a5a : sum);
	if (sendto(raw, p, sizeof(p), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) != sizeof(p))
		return -1;
	sleep_ms(SETTLE_MS);
	return 0;
}

/*
 * A packet socket on interface @ifname of the calling thread's netns.
 * ETH_P_ALL: only such taps see outgoing packets, and incoming ones
 * before the ingress hook (where A's nft rule may drop them).
 */
static int packet_sock(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex(ifname),
	};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(ETH_P_ALL));

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Wait up to @ms for a TCP segment sport -> dport whose flags masked by
 * @fmask are @fval and that carries @plen bytes (-1: any); its sequence
 * number in *seq.  0 when seen.
 */
static int capture(int ps, int sport, int dport, int fmask, int fval,
		   int plen, uint32_t *seq, int ms)
{
	long end = now_ms() + ms;
	uint8_t b[2048];

	for (;;) {
		struct pollfd p = { .fd = ps, .events = POLLIN };
		long left = end - now_ms();
		const uint8_t *th;
		int ihl, doff;
		ssize_t n;

		if (left <= 0)
			return -1;
		poll(&p, 1, left);
		n = recv(ps, b, sizeof(b), 0);
		if (n < 40 || (b[0] >> 4) != 4 || b[9] != IPPROTO_TCP)
			continue;
		ihl = (b[0] & 15) * 4;
		th = b + ihl;
		doff = (th[12] >> 4) * 4;
		if (get16(th) != sport || get16(th + 2) != dport ||
		    (th[13] & fmask) != fval ||
		    (plen >= 0 && get16(b + 2) - ihl - doff != plen))
			continue;
		*seq = get32(th + 4);
		return 0;
	}
}

static void drain(int fd)
{
	char b[2048];

	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

/* ------------------------------------------------------------------ */
/* pmtu_router                                                         */
/* ------------------------------------------------------------------ */

#define PMTU_BYTES	(2 << 20)
#define PMTU_MARK	(512 << 10)

struct esrv {
	int l;
	long bytes;
	uint64_t hash;
	int err, eof;
	long mtu;	/* IP_MTU of the accepted socket at the end */
};

static void *esrv_fn(void *arg)
{
	struct esrv *es = arg;
	struct pollfd p = { .fd = es->l, .events = POLLIN };
	uint8_t *buf = malloc(65536);
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

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			es->err = r < 0 ? errno : 0;
			es->eof = !r;
			break;
		}
		es->bytes += r;
		es->hash = fnv1a(es->hash, buf, r);
		while (off < r) {
			ssize_t w = send(s, buf + off, r - off, MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				es->err = errno;
				goto done;
			}
			off += w;
		}
	}
done:
	es->mtu = getint(s, IPPROTO_IP, IP_MTU);
	close(s);
out:
	free(buf);
	return NULL;
}

/* The router's routes get MTU 1280 (both directions). */
static void lower_mtu(struct nets *n)
{
	n->rc = sh_in(n, n->r,
		      "ip route replace 10.0.2.0/24 dev rb proto kernel scope link src 10.0.2.1 mtu 1280 && "
		      "ip route replace 10.0.1.0/24 dev ra proto kernel scope link src 10.0.1.2 mtu 1280");
}

static void lower_mtu_at(void *n)
{
	lower_mtu(n);
}

static void scen_pmtu(struct trace *t, int fam, long arg)
{
	uint8_t *data = malloc(PMTU_BYTES), *back = malloc(PMTU_BYTES + 65536);
	struct esrv es = { .l = -1 };
	struct nets n = NETS_INIT;
	long got, sent, diff = -1;
	pthread_t th;
	int c = -1;

	block_sigpipe();
	if (!data || !back || setup3(t, &n))
		goto out;
	fill_data(data, PMTU_BYTES, ECHO_SEED);
	es.l = T_FD(t, sock_in(&n, n.b, fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		    "listener socket in B");
	T_RET(t, bind4(es.l, RB_ADDR, CONN_PORT), "listener bind");
	T_RET(t, listen(es.l, 4), "listen");
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "client socket");
	set_timeouts(c, 20000);
	pthread_create(&th, NULL, esrv_fn, &es);
	if (T_RET(t, connect4(c, RB_ADDR, CONN_PORT), "connect") < 0) {
		shutdown(es.l, SHUT_RDWR);
		pthread_join(th, NULL);
		goto out;
	}
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "client IP_MTU before");
	got = echo_pump_at(c, data, PMTU_BYTES, back, PMTU_BYTES + 65536,
			   &sent, PMTU_MARK, lower_mtu_at, &n);
	T_VAL(t, n.rc, "router: routes with MTU 1280");
	T_VAL(t, got < 0 ? got : 0, "client: -errno of the transfer");
	T_VAL(t, sent, "client: bytes sent");
	T_VAL(t, got, "client: bytes echoed back");
	for (long i = 0; got > 0 && i < (got < PMTU_BYTES ? got : PMTU_BYTES); i++)
		if (back[i] != data[i]) {
			diff = i;
			break;
		}
	T_VAL(t, diff, "client: first differing byte (-1: none)");
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "client IP_MTU after");
	pthread_join(th, NULL);
	T_VAL(t, es.err, "server: errno");
	T_VAL(t, es.bytes, "server: bytes received");
	T_VAL(t, es.hash == fnv1a(FNV_INIT, data, PMTU_BYTES),
	      "server: data exact (FNV-1a)");
	T_VAL(t, es.eof, "server: saw EOF");
	T_VAL(t, es.mtu, "server IP_MTU after");
out:
	if (c >= 0)
		close(c);
	if (es.l >= 0)
		close(es.l);
	nets_close(&n);
	free(data);
	free(back);
}

TEST_F_TIMEOUT(conn, pmtu_router, 120)
{
	CONN_RUN(scen_pmtu, 0, ({
		EXPECT_STEP_OK(ti, "setup: A -- router -- B over veth");
		EXPECT_STEP_VAL(ti, "client IP_MTU before", 1500);
		EXPECT_STEP_VAL(ti, "router: routes with MTU 1280", 0);
		EXPECT_STEP_VAL(ti, "client: -errno of the transfer", 0);
		EXPECT_STEP_VAL(ti, "client: bytes echoed back", PMTU_BYTES);
		EXPECT_STEP_VAL(ti, "client: first differing byte (-1: none)", -1);
		EXPECT_STEP_VAL(ti, "client IP_MTU after", 1280);
		EXPECT_STEP_VAL(ti, "server: data exact (FNV-1a)", 1);
		EXPECT_STEP_VAL(ti, "server IP_MTU after", 1280);
	}));
}

/* ------------------------------------------------------------------ */
/* established                                                         */
/* ------------------------------------------------------------------ */

/* One byte each way; the client's snd_una moves on by one. */
static void ping(struct trace *t, int c, int s, uint32_t *una,
		 const char *tag)
{
	char b = 'x';

	T_RET(t, send(c, &b, 1, MSG_NOSIGNAL), "%s: client sends 1", tag);
	T_RET(t, recv(s, &b, 1, 0), "%s: server receives", tag);
	T_RET(t, send(s, &b, 1, MSG_NOSIGNAL), "%s: server sends 1", tag);
	T_RET(t, recv(c, &b, 1, 0), "%s: client receives", tag);
	(*una)++;
}

static void t_recv_err(struct trace *t, int c, const char *tag)
{
	char b;

	T_RET(t, recv(c, &b, 1, MSG_DONTWAIT), "%s: client recv", tag);
	T_RET(t, recv(c, &b, 1, MSG_DONTWAIT), "%s: client recv again", tag);
}

static void scen_established(struct trace *t, int fam, long arg)
{
	long ow0, cs0, in0, t3;
	struct nets n = NETS_INIT;
	int l = -1, c = -1, s = -1, ps = -1, raw = -1;
	struct quote q = { .src = A_ADDR, .dst = B_ADDR, .dport = CONN_PORT };
	uint32_t seq = 0, una;
	static uint8_t buf[256 << 10], rbuf[65536];
	uint64_t h1, h2 = FNV_INIT;
	long got = 0;
	struct ep ce;

	block_sigpipe();
	if (setup2(t, &n))
		goto out;
	l = T_FD(t, sock_in(&n, n.b, fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		 "listener socket in B");
	T_RET(t, bind4(l, B_ADDR, CONN_PORT), "listener bind");
	T_RET(t, listen(l, 4), "listen");
	raw = T_FD(t, sock_in(&n, n.b, AF_INET, SOCK_RAW | SOCK_CLOEXEC,
			      IPPROTO_ICMP), "raw ICMP socket in B");
	ps = T_FD(t, packet_sock("va"), "packet socket on va");
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "client socket");
	set_timeouts(c, 10000);
	if (T_RET(t, connect4(c, B_ADDR, CONN_PORT), "connect") < 0)
		goto out;
	s = T_FD(t, accept4(l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (s < 0)
		goto out;
	set_timeouts(s, 10000);
	q.sport = sock_port(c);

	/* the client's sequence number, from its first data segment */
	drain(ps);
	T_RET(t, send(c, "x", 1, MSG_NOSIGNAL), "client sends 1");
	T_RET(t, capture(ps, q.sport, CONN_PORT, 0, 0, 1, &seq, 2000),
	      "captured the client's segment");
	T_RET(t, recv(s, rbuf, 1, 0), "server receives it");
	una = seq + 1;
	ping(t, c, s, &una, "first");	/* snd_una = snd_nxt = seq + 2 */
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "IP_MTU before");

	/* fragmentation needed, in the window: the path MTU drops */
	ow0 = tcp_mib(fam, "OutOfWindowIcmps");
	in0 = snmp_get("Icmp", "InMsgs");
	t3 = snmp_get("IcmpMsg", "InType3");
	q.seq = una;
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_FRAG, 1200, &q, false),
	      "frag needed (mtu 1200) at snd_una");
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "IP_MTU after frag needed");
	T_VAL(t, tcp_mib(fam, "OutOfWindowIcmps") - ow0, "OutOfWindowIcmps delta");

	/* RFC 5927: a sequence number we did not send: ignored, counted */
	q.seq = una + 0x40000000;
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_FRAG, 1100, &q, false),
	      "frag needed (mtu 1100) out of the window");
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "IP_MTU after out-of-window");
	T_VAL(t, tcp_mib(fam, "OutOfWindowIcmps") - ow0,
	      "OutOfWindowIcmps delta after out-of-window");
	q.seq = una - 1;
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_FRAG, 1100, &q, false),
	      "frag needed (mtu 1100) at snd_una - 1");
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "IP_MTU after snd_una - 1");
	T_VAL(t, tcp_mib(fam, "OutOfWindowIcmps") - ow0,
	      "OutOfWindowIcmps delta after snd_una - 1");

	/* a bad checksum: counted by ICMP, never reaches TCP */
	cs0 = snmp_get("Icmp", "InCsumErrors");
	q.seq = una;
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_FRAG, 1000, &q, true),
	      "frag needed (mtu 1000) with a bad checksum");
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "IP_MTU after a bad checksum");
	T_VAL(t, snmp_get("Icmp", "InCsumErrors") - cs0, "Icmp InCsumErrors delta");

	/* host unreachable on a connection: a soft error */
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_HOST, 0, &q, false),
	      "host unreachable");
	T_VAL(t, getint(c, SOL_SOCKET, SO_ERROR), "SO_ERROR (soft error)");
	T_VAL(t, getint(c, SOL_SOCKET, SO_ERROR), "SO_ERROR again");
	t_recv_err(t, c, "soft");
	ping(t, c, s, &una, "after soft error");

	/* with IP_RECVERR, errors are reported at once */
	T_RET(t, setint(c, IPPROTO_IP, IP_RECVERR, 1), "IP_RECVERR");
	q.seq = una;
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_HOST, 0, &q, false),
	      "host unreachable, IP_RECVERR");
	t_recv_err(t, c, "host unreachable");
	T_RET(t, recv(c, rbuf, 1, MSG_ERRQUEUE | MSG_DONTWAIT),
	      "MSG_ERRQUEUE (nothing queued when connected)");
	T_RET(t, send_icmp(raw, A_ADDR, T_TIME_EXCEEDED, 0, 0, &q, false),
	      "time exceeded");
	t_recv_err(t, c, "time exceeded");
	T_RET(t, send_icmp(raw, A_ADDR, T_PARAMPROB, 0, 20u << 24, &q, false),
	      "parameter problem");
	t_recv_err(t, c, "parameter problem");
	T_RET(t, send_icmp(raw, A_ADDR, T_UNREACH, C_PORT, 0, &q, false),
	      "port unreachable");
	t_recv_err(t, c, "port unreachable");
	ce = ep_of(c, fam);
	T_STATE(t, &ce, ST_ESTABLISHED, "client after the hard errors");
	ping(t, c, s, &una, "after hard errors");

	/* data at the lower MSS */
	fill_data(buf, sizeof(buf), ECHO_SEED);
	h1 = fnv1a(FNV_INIT, buf, sizeof(buf));
	fcntl(c, F_SETFL, O_NONBLOCK);
	for (long off = 0; off < (long)sizeof(buf) || got < (long)sizeof(buf);) {
		struct pollfd p[2] = {
			{ .fd = c, .events = off < (long)sizeof(buf) ? POLLOUT : 0 },
			{ .fd = s, .events = POLLIN },
		};
		ssize_t r;

		if (poll(p, 2, 10000) <= 0)
			break;
		if (off < (long)sizeof(buf) && (p[0].revents & POLLOUT)) {
			r = send(c, buf + off, sizeof(buf) - off, MSG_NOSIGNAL);
			if (r > 0)
				off += r;
		}
		if (p[1].revents & POLLIN) {
			r = recv(s, rbuf, sizeof(rbuf), 0);
			if (r <= 0)
				break;
			h2 = fnv1a(h2, rbuf, r);
			got += r;
		}
	}
	T_VAL(t, got, "256 KiB at the lower MSS: bytes received");
	T_VAL(t, h1 == h2, "256 KiB at the lower MSS: data exact");
	T_VAL(t, getint(c, IPPROTO_IP, IP_MTU), "IP_MTU at the end");
	T_VAL(t, snmp_get("Icmp", "InMsgs") - in0, "Icmp InMsgs delta");
	T_VAL(t, snmp_get("IcmpMsg", "InType3") - t3, "IcmpMsg InType3 delta");
out:
	close_all((int[]){ c, s, l, ps, raw }, 5);
	nets_close(&n);
}

TEST_F_TIMEOUT(conn, established, 120)
{
	CONN_RUN(scen_established, 0, ({
		EXPECT_STEP_OK(ti, "captured the client's segment");
		EXPECT_STEP_VAL(ti, "IP_MTU before", 1500);
		EXPECT_STEP_VAL(ti, "IP_MTU after frag needed", 1200);
		EXPECT_STEP_VAL(ti, "IP_MTU after out-of-window", 1200);
		EXPECT_STEP_VAL(ti, "OutOfWindowIcmps delta after out-of-window", 1);
		EXPECT_STEP_VAL(ti, "OutOfWindowIcmps delta after snd_una - 1", 2);
		EXPECT_STEP_VAL(ti, "Icmp InCsumErrors delta", 1);
		EXPECT_STEP_VAL(ti, "SO_ERROR (soft error)", EHOSTUNREACH);
		EXPECT_STEP_VAL(ti, "SO_ERROR again", 0);
		EXPECT_STEP_ERR(ti, "host unreachable: client recv", EHOSTUNREACH);
		EXPECT_STEP_ERR(ti, "time exceeded: client recv", EHOSTUNREACH);
		EXPECT_STEP_ERR(ti, "parameter problem: client recv", EPROTO);
		EXPECT_STEP_ERR(ti, "port unreachable: client recv", ECONNREFUSED);
		EXPECT_STATE(ti, "client after the hard errors", ST_ESTABLISHED);
		EXPECT_STEP_VAL(ti, "256 KiB at the lower MSS: data exact", 1);
	}));
}

/* ------------------------------------------------------------------ */
/* request                                                             */
/* ------------------------------------------------------------------ */

static int syn_recv_count(const struct nets *n, int fam)
{
	int k;

	ns_enter(n, n->b);
	k = proc_count(proc_path(fam), CONN_PORT, 0, ST_SYN_RECV);
	ns_enter(n, n->a);
	return k;
}

static void scen_request(struct trace *t, int fam, long arg)
{
	struct quote q = { .src = B_ADDR, .dst = A_ADDR, .sport = CONN_PORT };
	int l = -1, c = -1, ps = -1, raw = -1;
	struct nets n = NETS_INIT;
	long ow0, ld0;
	uint32_t seq = 0;

	if (setup2(t, &n))
		goto out;
	/* A never sees the SYN-ACK, so the request stays a request */
	T_RET(t, sh("nft 'add table netdev xreq; "
		    "add chain netdev xreq in { type filter hook ingress device va priority -500; }; "
		    "add rule netdev xreq in tcp flags & (syn|ack) == syn|ack drop'"),
	      "nft in A: drop SYN-ACKs");
	l = T_FD(t, sock_in(&n, n.b, fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		 "listener socket in B");
	T_RET(t, bind4(l, B_ADDR, CONN_PORT), "listener bind");
	T_RET(t, listen(l, 4), "listen");
	raw = T_FD(t, socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP),
		   "raw ICMP socket in A");
	ps = T_FD(t, packet_sock("va"), "packet socket on va");
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "client socket");
	T_RET(t, connect4(c, B_ADDR, CONN_PORT), "connect (non-blocking)");
	q.dport = sock_port(c);
	T_RET(t, capture(ps, CONN_PORT, q.dport, 0x12, 0x12, -1, &seq, 2000),
	      "captured the SYN-ACK");
	/* B takes no retransmitted SYN: one request only */
	T_RET(t, sh_in(&n, n.b, "nft 'add table ip xreq; "
		       "add chain ip xreq in { type filter hook input priority 0; }; "
		       "add rule ip xreq in tcp dport %d drop'", CONN_PORT),
	      "nft in B: drop further SYNs");
	T_VAL(t, syn_recv_count(&n, fam), "requests in B");
	ow0 = mib_in(&n, n.b, fam, "OutOfWindowIcmps");
	ld0 = mib_in(&n, n.b, fam, "ListenDrops");

	q.seq = seq + 7;
	T_RET(t, send_icmp(raw, B_ADDR, T_UNREACH, C_HOST, 0, &q, false),
	      "host unreachable quoting another sequence number");
	T_VAL(t, syn_recv_count(&n, fam), "requests in B after it");
	T_VAL(t, mib_in(&n, n.b, fam, "OutOfWindowIcmps") - ow0,
	      "B: OutOfWindowIcmps delta");

	q.seq = seq;
	T_RET(t, send_icmp(raw, B_ADDR, T_UNREACH, C_PORT, 0, &q, false),
	      "port unreachable quoting the SYN-ACK");
	T_VAL(t, syn_recv_count(&n, fam), "requests in B after port unreachable");
	T_RET(t, send_icmp(raw, B_ADDR, T_UNREACH, C_HOST, 0, &q, false),
	      "host unreachable quoting the SYN-ACK");
	T_VAL(t, syn_recv_count(&n, fam), "requests in B after host unreachable");
	T_VAL(t, mib_in(&n, n.b, fam, "ListenDrops") - ld0, "B: ListenDrops delta");
	T_VAL(t, mib_in(&n, n.b, fam, "OutOfWindowIcmps") - ow0,
	      "B: OutOfWindowIcmps delta at the end");
out:
	close_all((int[]){ c, l, ps, raw }, 4);
	nets_close(&n);
}

TEST_F_TIMEOUT(conn, request, 120)
{
	CONN_RUN(scen_request, 0, ({
		EXPECT_STEP_ERR(ti, "connect (non-blocking)", EINPROGRESS);
		EXPECT_STEP_OK(ti, "captured the SYN-ACK");
		EXPECT_STEP_VAL(ti, "requests in B", 1);
		EXPECT_STEP_VAL(ti, "requests in B after it", 1);
		EXPECT_STEP_VAL(ti, "B: OutOfWindowIcmps delta", 1);
		EXPECT_STEP_VAL(ti, "requests in B after port unreachable", 1);
		EXPECT_STEP_VAL(ti, "requests in B after host unreachable", 0);
		EXPECT_STEP_VAL(ti, "B: ListenDrops delta", 1);
	}));
}

/* ------------------------------------------------------------------ */
/* connect_unreach                                                     */
/* ------------------------------------------------------------------ */

static const struct {
	int port;
	const char *reject;
} rejects[] = {
	{ 5005, "host-unreachable" },
	{ 5006, "port-unreachable" },
	{ 5007, "admin-prohibited" },
	{ 5008, "net-unreachable" },
	{ 5010, "prot-unreachable" },
};

static void t_errqueue(struct trace *t, int c)
{
	int lport = sock_port(c);
	struct sockaddr_in from;
	char data[512], cbuf[512];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m = {
		.msg_name = &from, .msg_namelen = sizeof(from),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct sock_extended_err *ee;
	struct sockaddr_in *off;
	struct cmsghdr *cm;
	ssize_t r;

	memset(&from, 0, sizeof(from));
	errno = 0;
	r = recvmsg(c, &m, MSG_ERRQUEUE);
	t_add(t, 0, r, r < 0 ? errno : 0, r < 0 ? 0 : m.msg_flags,
	      "recvmsg MSG_ERRQUEUE: bytes, flags");
	if (r < 0)
		return;
	T_VAL(t, r >= 4 ? get16((uint8_t *)data + 2) : -1,
	      "MSG_ERRQUEUE: quoted destination port");
	T_VAL(t, r >= 4 && get16((uint8_t *)data) == lport,
	      "MSG_ERRQUEUE: quoted source port is ours");
	T_VAL(t, (long)ntohl(from.sin_addr.s_addr) << 16 | ntohs(from.sin_port),
	      "MSG_ERRQUEUE: msg_name (address<<16|port)");
	T_VAL(t, m.msg_namelen, "MSG_ERRQUEUE: msg_namelen");
	cm = CMSG_FIRSTHDR(&m);
	T_VAL(t, cm ? (long)cm->cmsg_level << 16 | cm->cmsg_type : -1,
	      "MSG_ERRQUEUE: cmsg level<<16|type");
	if (!cm)
		return;
	T_VAL(t, cm->cmsg_len, "MSG_ERRQUEUE: cmsg_len");
	ee = (struct sock_extended_err *)CMSG_DATA(cm);
	T_VAL(t, ee->ee_errno, "ee_errno");
	T_VAL(t, ee->ee_origin, "ee_origin");
	T_VAL(t, ee->ee_type << 8 | ee->ee_code, "ee_type<<8|ee_code");
	T_VAL(t, ee->ee_info, "ee_info");
	off = (struct sockaddr_in *)SO_EE_OFFENDER(ee);
	T_VAL(t, (long)off->sin_family << 32 | ntohl(off->sin_addr.s_addr),
	      "offender family<<32|address");
	T_VAL(t, CMSG_NXTHDR(&m, cm) != NULL, "another cmsg");
}

static void scen_unreach(struct trace *t, int fam, long arg)
{
	struct nets n = NETS_INIT;
	long f0, start;
	int c = -1;

	if (setup2(t, &n))
		goto out;
	T_RET(t, sh_in(&n, n.b, "nft -f - <<'EOF'\n"
		       "table ip xrej {\n"
		       "  chain in {\n"
		       "    type filter hook input priority 0;\n"
		       "    tcp dport 5005 reject with icmp type host-unreachable\n"
		       "    tcp dport 5006 reject with icmp type port-unreachable\n"
		       "    tcp dport 5007 reject with icmp type admin-prohibited\n"
		       "    tcp dport 5008 reject with icmp type net-unreachable\n"
		       "    tcp dport 5010 reject with icmp type prot-unreachable\n"
		       "  }\n"
		       "}\n"
		       "EOF\n"), "nft in B: reject rules");
	/* The ICMP comes back 100 ms later: without the delay, it may be
	 * handled while connect() still owns the socket (the SYN's
	 * transmission runs both namespaces' softirqs), a soft error that
	 * fails connect() only at the SYN's retransmission, 1 s later; or
	 * not, as the scheduler has it.
	 */
	T_RET(t, sh_in(&n, n.b, "tc qdisc add dev vb root netem delay 100ms"),
	      "netem in B: delay 100 ms");
	f0 = tcp_mib(fam, "AttemptFails");
	for (unsigned int i = 0; i < ARRAY_LEN(rejects); i++) {
		c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
		start = now_ms();
		T_RET(t, connect4(c, B_ADDR, rejects[i].port),
		      "connect, rejected with %s", rejects[i].reject);
		T_VAL(t, now_ms() - start < 900, "%s: in less than 900 ms",
		      rejects[i].reject);
		T_VAL(t, getint(c, SOL_SOCKET, SO_ERROR), "%s: SO_ERROR after",
		      rejects[i].reject);
		close(c);
		c = -1;
	}

	/* non-blocking: poll, SO_ERROR, then the error queue */
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "non-blocking socket");
	T_RET(t, connect4(c, B_ADDR, 5005), "non-blocking connect");
	t_poll(t, c, POLLOUT, 3000, "after the ICMP");
	T_VAL(t, getint(c, SOL_SOCKET, SO_ERROR), "SO_ERROR");
	t_poll(t, c, 0, 0, "after SO_ERROR");
	t_errqueue(t, c);
	t_errqueue(t, c);
	t_poll(t, c, 0, 0, "after MSG_ERRQUEUE");
	T_VAL(t, tcp_mib(fam, "AttemptFails") - f0, "AttemptFails delta");
out:
	if (c >= 0)
		close(c);
	nets_close(&n);
}

TEST_F_TIMEOUT(conn, connect_unreach, 120)
{
	CONN_RUN(scen_unreach, 0, ({
		EXPECT_STEP_OK(ti, "nft in B: reject rules");
		EXPECT_STEP_ERR(ti, "connect, rejected with host-unreachable",
				EHOSTUNREACH);
		EXPECT_STEP_ERR(ti, "connect, rejected with port-unreachable",
				ECONNREFUSED);
		EXPECT_STEP_ERR(ti, "connect, rejected with admin-prohibited",
				EHOSTUNREACH);
		EXPECT_STEP_ERR(ti, "connect, rejected with net-unreachable",
				ENETUNREACH);
		EXPECT_STEP_ERR(ti, "connect, rejected with prot-unreachable",
				ENOPROTOOPT);
		EXPECT_STEP_VAL(ti, "SO_ERROR", EHOSTUNREACH);
		EXPECT_STEP_VAL(ti, "ee_errno", EHOSTUNREACH);
		EXPECT_STEP_VAL(ti, "ee_origin", SO_EE_ORIGIN_ICMP);
		EXPECT_STEP_VAL(ti, "host-unreachable: in less than 900 ms", 1);
		EXPECT_STEP_VAL(ti, "AttemptFails delta", 6);
	}));
}

/* ------------------------------------------------------------------ */
/* link_down                                                           */
/* ------------------------------------------------------------------ */

static void scen_link_down(struct trace *t, int fam, long arg)
{
	static char buf[16384];
	int l = -1, c = -1, s = -1;
	struct nets n = NETS_INIT;
	long start;
	ssize_t r;
	uint32_t una = 0;

	block_sigpipe();
	if (setup2(t, &n))
		goto out;
	T_RET(t, tcp_sysctl(fam, "retries2", "3"), "sysctl retries2=3 in A");
	l = T_FD(t, sock_in(&n, n.b, fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		 "listener socket in B");
	T_RET(t, bind4(l, B_ADDR, CONN_PORT), "listener bind");
	T_RET(t, listen(l, 4), "listen");
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "client socket");
	set_timeouts(c, 20000);
	if (T_RET(t, connect4(c, B_ADDR, CONN_PORT), "connect") < 0)
		goto out;
	s = T_FD(t, accept4(l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (s < 0)
		goto out;
	set_timeouts(s, 20000);
	ping(t, c, s, &una, "before");
	/* B's end goes away at once, not as an orphan that retransmits
	 * its FIN into a link without carrier for minutes
	 */
	T_RET(t, setsockopt(s, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
			    sizeof(struct linger)), "B: SO_LINGER {1, 0}");
	T_RET(t, sh("ip link set va down"), "A: ip link set va down");
	start = now_ms();
	do {
		r = send(c, buf, sizeof(buf), MSG_NOSIGNAL);
	} while (r >= 0 && now_ms() - start < 30000);
	t_add(t, 0, r < 0 ? -1 : 0, r < 0 ? errno : 0, 0,
	      "client: send until it fails");
	T_MS(t, now_ms() - start, "client: ms until send failed");
out:
	close_all((int[]){ c, s, l }, 3);
	nets_close(&n);
}

/*
 * 6.1: the cached route stays valid, the device refuses the segments
 * (no soft error is recorded), and the timeout counts from the last
 * segment that went out: ETIMEDOUT after about the 3 s of retries2=3.
 */
TEST_F_TIMEOUT(conn, link_down, 120)
{
	TIMED_RUN(scen_link_down, 0, ({
		EXPECT_STEP_OK(ti, "A: ip link set va down");
		EXPECT_STEP_ERR(ti, "client: send until it fails", ETIMEDOUT);
		check_ms(_metadata, ti, "client: ms until send failed",
			 2000, 9000);
	}), ({
		check_ms(_metadata, tx, "client: ms until send failed",
			 2000, 9000);
		check_ms_close(_metadata, ti, tx,
			       "client: ms until send failed", 1500);
	}));
}

TEST_HARNESS_MAIN
