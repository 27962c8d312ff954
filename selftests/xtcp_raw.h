/* SPDX-License-Identifier: GPL-2.0 */
/*
 * XTCP selftests: raw-socket segment crafting between two namespaces,
 * shared by xtcp_badseg.c and xtcp_ofo.c.
 *
 * It offers:
 *   - the set-up: the caller's fresh netns becomes B, a helper child
 *     makes A, a veth pair joins them (A_ADDR/A_MAC <-> B_ADDR/B_MAC), an
 *     nftables rule in A drops the RSTs A's own TCP would send (all but
 *     those marked RAW_MARK), and the raw sockets are made in A:
 *     raw_env_setup();
 *   - crafting: the IPv4 and TCP headers of a segment from A to B
 *     (raw_hdr()), its checksum (raw_tcp_csum()), sending (raw_send()),
 *     big-endian stores and loads;
 *   - capturing: B's answers parsed (raw_parse(): flags, numbers, the
 *     options as text, timestamps and SACK blocks), collected with a
 *     first and a quiet timeout (raw_collect()), or dropped (raw_drain());
 *   - small helpers: text appending, shell commands, first-error-wins
 *     messages, counter files, accept with a timeout, a close with RST.
 *
 * Include it after xtcp_conn_lib.h.
 */
#ifndef XTCP_RAW_H
#define XTCP_RAW_H

#include <netinet/ip.h>

#define A_ADDR		"10.0.0.1"
#define B_ADDR		"10.0.0.2"
#define A_MAC		"02:00:00:00:00:0a"
#define B_MAC		"02:00:00:00:00:0b"
#define RAW_MARK	0x5a		/* A's RSTs without it are dropped */

#define F_FIN		0x01
#define F_SYN		0x02
#define F_RST		0x04
#define F_PSH		0x08
#define F_ACK		0x10
#define F_URG		0x20

/* the namespaces and A's raw sockets */
struct raw_env {
	int nsa, nsb;		/* the namespaces */
	int tx, rx;		/* raw sockets, made in A */
};

/* a segment from B, as raw_parse() reads it */
struct raw_seg {
	uint8_t flags;
	uint16_t sport, dport, win;
	uint32_t seq, ack;
	int len;		/* payload */
	char opts[64];		/* the options as text: " mss=1460 ts" */
	bool ts;		/* a timestamp option: */
	uint32_t tsval, tsecr;
	int nsack;		/* SACK blocks */
	uint32_t sack[4][2];
};

static inline int appendf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	int r;

	if (n >= len - 1)
		return 0;
	va_start(ap, fmt);
	r = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return r;
}

/* A message into buf unless one is there already: the first error wins. */
static inline void raw_seterr(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void raw_seterr(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf[0])
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static inline int sh(const char *cmd)
{
	int st;

	fflush(stdout);
	fflush(stderr);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/*
 * We are in a fresh netns: it becomes B.  A is made by a helper child;
 * the veth pair is created in B with its peer moved to A.  The nftables
 * table in A is called table; rx gets an SO_RCVBUF of rcvbuf.  0, or -1
 * with the reason in err (unless err holds one already).
 */
static inline int raw_env_setup(struct raw_env *re, const char *table,
				int rcvbuf, char *err, size_t errlen)
{
	int p[2], q[2], one = 1, mark = RAW_MARK;
	char cmd[1024], c = 0;
	pid_t pid;
	int st;

	re->tx = re->rx = re->nsa = -1;
	re->nsb = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (re->nsb < 0 || pipe2(p, O_CLOEXEC) || pipe2(q, O_CLOEXEC)) {
		raw_seterr(err, errlen, "open ns / pipe: %s", errname(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		raw_seterr(err, errlen, "fork: %s", errname(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		close(q[1]);
		if (new_netns())
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		if (read(q[0], &c, 1) < 0)	/* until the parent closes q */
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	if (read(p[0], &c, 1) != 1) {
		raw_seterr(err, errlen, "netns A helper failed");
		close(q[1]);
		waitpid(pid, &st, 0);
		return -1;
	}
	close(p[0]);
	snprintf(cmd, sizeof(cmd),
		 "ip link add vb address " B_MAC " type veth peer name va address "
		 A_MAC " netns %d", (int)pid);
	st = sh(cmd);
	if (!st) {
		snprintf(cmd, sizeof(cmd), "/proc/%d/ns/net", (int)pid);
		re->nsa = open(cmd, O_RDONLY | O_CLOEXEC);
	}
	close(q[1]);
	waitpid(pid, &st, 0);
	if (re->nsa < 0) {
		raw_seterr(err, errlen, "veth pair / netns A: ip link add failed");
		return -1;
	}

	/* B */
	if (sh("ip -batch - <<'EOF'\n"
	       "addr add " B_ADDR "/24 dev vb\n"
	       "neigh replace " A_ADDR " lladdr " A_MAC " dev vb nud permanent\n"
	       "link set vb up\n"
	       "EOF\n")) {
		raw_seterr(err, errlen, "configuring B failed");
		return -1;
	}

	/* A: addresses, the nftables rule, the raw sockets */
	if (setns(re->nsa, CLONE_NEWNET)) {
		raw_seterr(err, errlen, "setns A: %s", errname(errno));
		return -1;
	}
	if (sh("ip -batch - <<'EOF'\n"
	       "addr add " A_ADDR "/24 dev va\n"
	       "neigh replace " B_ADDR " lladdr " B_MAC " dev va nud permanent\n"
	       "link set va up\n"
	       "EOF\n")) {
		raw_seterr(err, errlen, "configuring A failed");
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "nft -f - <<'EOF'\n"
		 "table ip %s {\n"
		 "  chain out {\n"
		 "    type filter hook output priority 0; policy accept;\n"
		 "    meta mark != 0x%x tcp flags & rst == rst drop\n"
		 "  }\n"
		 "}\n"
		 "EOF\n", table, RAW_MARK);
	if (sh(cmd)) {
		raw_seterr(err, errlen, "nft in A failed");
		return -1;
	}
	re->tx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	re->rx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			IPPROTO_TCP);
	if (re->tx < 0 || re->rx < 0) {
		raw_seterr(err, errlen, "raw sockets: %s", errname(errno));
		return -1;
	}
	setsockopt(re->tx, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one));
	if (setsockopt(re->tx, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		raw_seterr(err, errlen, "SO_MARK: %s", errname(errno));
		return -1;
	}
	setsockopt(re->rx, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (setns(re->nsb, CLONE_NEWNET)) {
		raw_seterr(err, errlen, "setns B: %s", errname(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Crafting                                                            */
/* ------------------------------------------------------------------ */

static inline uint32_t sum16(const uint8_t *p, int len, uint32_t sum)
{
	int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

/* the TCP checksum of tcp[0..len) from A_ADDR to B_ADDR, host order */
static inline uint16_t raw_tcp_csum(const uint8_t *tcp, int len)
{
	struct in_addr s, d;
	uint32_t sum;

	inet_pton(AF_INET, A_ADDR, &s);
	inet_pton(AF_INET, B_ADDR, &d);
	sum = sum16((const uint8_t *)&s, 4, 0);
	sum = sum16((const uint8_t *)&d, 4, sum);
	sum += IPPROTO_TCP + len;
	sum = sum16(tcp, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline int put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
	return 2;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * The IPv4 header and the fixed 20 bytes of a TCP header from A_ADDR:sport
 * to dst at buf (checksum zero, options and payload for the caller).
 * doff in 32-bit words.  Returns the TCP header.
 */
static inline uint8_t *raw_hdr(uint8_t *buf, const struct sockaddr_in *dst,
			       uint16_t sport, uint32_t seq, uint32_t ack,
			       int doff, uint8_t flags, uint16_t win)
{
	struct iphdr *ip = (struct iphdr *)buf;
	uint8_t *t = buf + 20;

	memset(buf, 0, 40);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	inet_pton(AF_INET, A_ADDR, &ip->saddr);
	ip->daddr = dst->sin_addr.s_addr;
	put_be16(t, sport);
	put_be16(t + 2, ntohs(dst->sin_port));
	put_be32(t + 4, seq);
	put_be32(t + 8, ack);
	t[12] = doff << 4;
	t[13] = flags;
	put_be16(t + 14, win);
	return t;
}

/* Send buf (20 bytes of IPv4 header, then tcplen) on tx; 0 or -errno. */
static inline int raw_send(const struct raw_env *re, const uint8_t *buf,
			   int tcplen, const struct sockaddr_in *dst)
{
	if (sendto(re->tx, buf, 20 + tcplen, 0, (const struct sockaddr *)dst,
		   sizeof(*dst)) < 0)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Capturing                                                           */
/* ------------------------------------------------------------------ */

/* Parse a captured IPv4 packet: a segment from B to A's port sport? */
static inline bool raw_parse(const uint8_t *b, int n, uint16_t sport,
			     struct raw_seg *s)
{
	const struct iphdr *ip = (const struct iphdr *)b;
	const uint8_t *t, *o;
	int ihl, iplen, tot, doff, ol;
	struct in_addr src;

	if (n < 20 || ip->version != 4 || ip->protocol != IPPROTO_TCP)
		return false;
	ihl = ip->ihl * 4;
	iplen = ntohs(ip->tot_len);
	/* a GSO packet (veth passes them whole) is captured cut short */
	tot = iplen > n ? n : iplen;
	if (tot < ihl + 20)
		return false;
	inet_pton(AF_INET, B_ADDR, &src);
	if (ip->saddr != src.s_addr)
		return false;
	t = b + ihl;
	if ((t[2] << 8 | t[3]) != sport)
		return false;
	memset(s, 0, sizeof(*s));
	s->sport = t[0] << 8 | t[1];
	s->dport = sport;
	s->seq = get_be32(t + 4);
	s->ack = get_be32(t + 8);
	doff = (t[12] >> 4) * 4;
	s->flags = t[13];
	s->win = t[14] << 8 | t[15];
	if (doff < 20 || iplen < ihl + doff)
		return false;
	/* the payload as the IP header counts it, captured or not */
	s->len = iplen - ihl - doff;
	o = t + 20;
	ol = doff - 20;
	while (ol > 0 && o + ol <= b + tot) {
		int kind = o[0], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			ol--;
			continue;
		}
		l = ol > 1 ? o[1] : 0;
		if (l < 2 || l > ol) {
			appendf(s->opts, sizeof(s->opts), " badopt");
			break;
		}
		if (kind == 2 && l == 4) {
			appendf(s->opts, sizeof(s->opts), " mss=%d",
				o[2] << 8 | o[3]);
		} else if (kind == 3 && l == 3) {
			appendf(s->opts, sizeof(s->opts), " ws=%d", o[2]);
		} else if (kind == 4) {
			appendf(s->opts, sizeof(s->opts), " sackOK");
		} else if (kind == 8 && l == 10) {
			appendf(s->opts, sizeof(s->opts), " ts");
			s->ts = true;
			s->tsval = get_be32(o + 2);
			s->tsecr = get_be32(o + 6);
		} else {
			for (int i = 2; kind == 5 && i + 8 <= l && s->nsack < 4;
			     i += 8) {
				s->sack[s->nsack][0] = get_be32(o + i);
				s->sack[s->nsack][1] = get_be32(o + i + 4);
				s->nsack++;
			}
			appendf(s->opts, sizeof(s->opts), " opt%d", kind);
		}
		o += l;
		ol -= l;
	}
	return true;
}

/*
 * B's segments to sport: wait up to first_ms for one, then up to
 * quiet_ms after each.  Returns how many (at most max).
 */
static inline int raw_collect(const struct raw_env *re, uint16_t sport,
			      int first_ms, int quiet_ms, struct raw_seg *out,
			      int max)
{
	long end = now_ms() + first_ms;
	int n = 0;

	for (;;) {
		struct pollfd p = { .fd = re->rx, .events = POLLIN };
		long left = end - now_ms();
		uint8_t b[2048];
		ssize_t r;

		if (left <= 0)
			break;
		if (poll(&p, 1, left) <= 0)
			continue;
		while ((r = recv(re->rx, b, sizeof(b), 0)) > 0) {
			struct raw_seg s;

			if (!raw_parse(b, r, sport, &s))
				continue;
			if (n < max)
				out[n] = s;
			n++;
			end = now_ms() + quiet_ms;
		}
	}
	return n < max ? n : max;
}

/* drop what was captured so far */
static inline void raw_drain(const struct raw_env *re)
{
	uint8_t b[2048];

	while (recv(re->rx, b, sizeof(b), 0) > 0)
		;
}

/* ------------------------------------------------------------------ */
/* B's sockets and counters                                            */
/* ------------------------------------------------------------------ */

/* accept one connection on l within ms (0: now): fd or -errno */
static inline int raw_accept_wait(int l, int ms)
{
	struct pollfd p = { .fd = l, .events = POLLIN };
	int s;

	if (ms)
		poll(&p, 1, ms);
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	return s < 0 ? -errno : s;
}

static inline void close_reset(int s)
{
	struct linger lg = { 1, 0 };

	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
}

typedef void (*raw_ctr_fn)(void *arg, const char *name, long val);

/* "Pfx: names" / "Pfx: values" line pairs, as in /proc/net/netstat */
static inline void raw_ctr_pairs(const char *path, const char *pfx,
				 raw_ctr_fn fn, void *arg)
{
	char names[4096], vals[4096];
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	while (fgets(names, sizeof(names), f)) {
		char *sn, *sv, *n, *v;

		if (strncmp(names, pfx, strlen(pfx)))
			continue;
		if (!fgets(vals, sizeof(vals), f))
			break;
		n = strtok_r(names + strlen(pfx), " \n", &sn);
		v = strtok_r(vals + strlen(pfx), " \n", &sv);
		while (n && v) {
			fn(arg, n, strtol(v, NULL, 10));
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
}

/* "name value" lines, as in /proc/net/xtcp_stat; false without the file */
static inline bool raw_ctr_lines(const char *path, raw_ctr_fn fn, void *arg)
{
	char line[256], name[128];
	long val;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", name, &val) == 2)
			fn(arg, name, val);
	fclose(f);
	return true;
}

#endif /* XTCP_RAW_H */
