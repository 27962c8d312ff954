// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: the receive side under loss and reordering, with
 * segments crafted on a raw socket, AF_INET as the reference.
 *
 * The set-up is xtcp_badseg.c's: two network namespaces joined by a veth
 * pair,
 *
 *   A (sender) 10.0.0.1 va <----> vb 10.0.0.2 B (receiver)
 *
 * a listener in B (AF_INET for the reference run, AF_XTCP for the XTCP
 * run), and in A no TCP socket at all: the segments are crafted on a raw
 * socket (IP_HDRINCL) and the receiver's answers read on another (an
 * nftables rule in A drops the RSTs A's own TCP would send).  Each case
 * makes a connection by hand, with SACK-permitted and timestamps in the
 * SYN (or without them, where the case says so), then sends its data
 * segments one at a time, in the order the case gives, and records:
 *
 *   answers   for each segment, what the receiver sent back within
 *             ANSWER_MS: flags, ack and SACK blocks as offsets into the
 *             data (data byte 0 is the sequence number after the SYN),
 *             "ts" for a timestamp option, "win0" for a zero window;
 *   read      what the application then reads, as runs of the versions
 *             of the data ("0:160 1:60" is 160 bytes of version 0 then 60
 *             of version 1: overlapping segments carry different bytes,
 *             so the runs show whose bytes were kept), and "EOF";
 *   state     the connection's state afterwards;
 *   counters  the deltas of the receive counters (TcpExt names, from
 *             /proc/net/netstat and /proc/net/xtcp_stat).
 *
 * The AF_INET run is checked against the Linux 6.1 results written in
 * the case tables, then the XTCP run must give the same text in every
 * field.  Without an out-of-order queue XTCP answers every segment beyond
 * rcv_nxt with a bare duplicate ACK, so every case fails.
 *
 * The flood test fills a connection whose SO_RCVBUF is small: out-of-order
 * segments across its whole window, then small in-order segments the
 * application does not read.  It checks that the receive memory stays
 * within the buffer (SO_MEMINFO), that out-of-order data was pruned or
 * dropped (PruneCalled, OfoPruned, TCPOFODrop), that no in-order data was
 * dropped, and that after the sender fills the holes again every byte is
 * read, in order; then that no XTCP object is left.
 *
 * Environment:
 *   XTCP_OFO_DUMP=1   log both runs' full results
 */
#include "xtcp_conn_lib.h"
#include "xtcp_raw.h"

#include <linux/sock_diag.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define VPORT		5001		/* the receiver's listener */
#define FPORT		5002		/* the same with a small SO_RCVBUF */
#define FLOOD_RCVBUF	16384		/* the kernel doubles it */
#define FLOOD_OFO	60		/* out-of-order segments of the flood */
#define FLOOD_INORDER	100		/* then in-order ones, unread */

#define O_SACK		0x1		/* SACK-permitted in the SYN */
#define O_TS		0x2		/* timestamps in the SYN */

#define ANSWER_MS	400		/* a delayed ACK takes up to 200 ms */
#define QUIET_MS	80

#define OFO_STEPS	12
#define MAX_CASES	16
#define TXT		256

/* ------------------------------------------------------------------ */
/* The cases                                                           */
/* ------------------------------------------------------------------ */

/* One data segment: bytes [off, off + len) of version ver, FIN if asked. */
struct seg {
	int off, len, ver;
	uint8_t fin;
};

struct ocase {
	const char *name;
	int opts;
	struct seg s[OFO_STEPS];	/* up to the first { 0 } */
	/* Linux 6.1's results, for the AF_INET run */
	const char *x_ans[OFO_STEPS];
	const char *x_read, *x_state, *x_ctr;
};

#define ST	O_SACK | O_TS

static const struct ocase cases[] = {
	/* three segments in reverse order */
	{ .name = "reverse_3_2_1", .opts = ST,
	  .s = { { 200, 100 }, { 100, 100 }, { 0, 100 } },
	  .x_ans = { "ACK ack=0 sack=200-300 ts",
		     "ACK ack=0 sack=100-300 ts",
		     "ACK ack=300 ts" },
	  .x_read = "0:300", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+2" },
	/* five holes: the most recent block first, three fit beside the
	 * timestamps, four are remembered, the oldest falls off
	 */
	{ .name = "five_blocks", .opts = ST,
	  .s = { { 100, 100 }, { 300, 100 }, { 500, 100 }, { 700, 100 },
		 { 900, 100 }, { 0, 100 }, { 200, 100 }, { 400, 100 },
		 { 600, 100 }, { 800, 100 } },
	  .x_ans = { "ACK ack=0 sack=100-200 ts",
		     "ACK ack=0 sack=300-400,100-200 ts",
		     "ACK ack=0 sack=500-600,300-400,100-200 ts",
		     "ACK ack=0 sack=700-800,500-600,300-400 ts",
		     "ACK ack=0 sack=900-1000,700-800,500-600 ts",
		     "ACK ack=200 sack=900-1000,700-800,500-600 ts",
		     "ACK ack=400 sack=900-1000,700-800,500-600 ts",
		     "ACK ack=600 sack=900-1000,700-800 ts",
		     "ACK ack=800 sack=900-1000 ts",
		     "ACK ack=1000 ts" },
	  .x_read = "0:1000", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+5" },
	/* the same without timestamps: four blocks fit; segments that
	 * cover held data make D-SACKs, first
	 */
	{ .name = "five_blocks_no_ts", .opts = O_SACK,
	  .s = { { 100, 100 }, { 300, 100 }, { 500, 100 }, { 700, 100 },
		 { 900, 100 }, { 0, 100 }, { 200, 300 }, { 500, 500 } },
	  .x_ans = { "ACK ack=0 sack=100-200",
		     "ACK ack=0 sack=300-400,100-200",
		     "ACK ack=0 sack=500-600,300-400,100-200",
		     "ACK ack=0 sack=700-800,500-600,300-400,100-200",
		     "ACK ack=0 sack=900-1000,700-800,500-600,300-400",
		     "ACK ack=200 sack=900-1000,700-800,500-600,300-400",
		     "ACK ack=600 sack=300-400,900-1000,700-800",
		     "ACK ack=1000 sack=500-600" },
	  .x_read = "0:1000", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+5 TCPDSACKOldSent+2" },
	/* blocks that meet merge into one */
	{ .name = "blocks_merge", .opts = ST,
	  .s = { { 300, 100 }, { 100, 100 }, { 200, 100 }, { 600, 100 },
		 { 400, 200 }, { 0, 100 } },
	  .x_ans = { "ACK ack=0 sack=300-400 ts",
		     "ACK ack=0 sack=100-200,300-400 ts",
		     "ACK ack=0 sack=100-400 ts",
		     "ACK ack=0 sack=600-700,100-400 ts",
		     "ACK ack=0 sack=100-700 ts",
		     "ACK ack=700 ts" },
	  .x_read = "0:700", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+5" },
	/* old data again: a D-SACK of it, at once */
	{ .name = "dsack_old", .opts = ST,
	  .s = { { 0, 100 }, { 0, 100, 1 }, { 50, 100, 1 }, { 100, 50, 1 } },
	  .x_ans = { "ACK ack=100 ts",
		     "ACK ack=100 sack=0-100 ts",
		     "ACK ack=150 sack=50-100 ts",
		     "ACK ack=150 sack=100-150 ts" },
	  .x_read = "0:100 1:50", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPDSACKOldSent+3 DelayedACKLost+2" },
	/* out-of-order data again: a D-SACK, then the SACK block */
	{ .name = "dsack_ofo", .opts = ST,
	  .s = { { 200, 100 }, { 200, 100, 1 }, { 220, 50, 1 }, { 0, 200 } },
	  .x_ans = { "ACK ack=0 sack=200-300 ts",
		     "ACK ack=0 sack=200-300,200-300 ts",
		     "ACK ack=0 sack=220-270,200-300 ts",
		     "ACK ack=300 ts" },
	  .x_read = "0:300", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+3 TCPOFOMerge+2 TCPDSACKOfoSent+2" },
	/* overlaps with different bytes: a partial overlap keeps both (the
	 * lower segment's bytes are read), a longer segment at the same
	 * start replaces the one there, and what it covers entirely
	 */
	{ .name = "overlaps", .opts = ST,
	  .s = { { 200, 100, 0 }, { 250, 150, 1 }, { 200, 250, 2 },
		 { 150, 70, 1 }, { 0, 160, 0 } },
	  .x_ans = { "ACK ack=0 sack=200-300 ts",
		     "ACK ack=0 sack=250-300,200-400 ts",
		     "ACK ack=0 sack=200-400,200-450 ts",
		     "ACK ack=0 sack=200-220,150-450 ts",
		     "ACK ack=450 sack=150-160 ts" },
	  .x_read = "0:160 1:60 2:230", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+4 TCPOFOMerge+2 TCPDSACKOldSent+1 TCPDSACKOfoSent+3" },
	/* a FIN out of order, with data, taken when the hole fills */
	{ .name = "fin_ofo", .opts = ST,
	  .s = { { 100, 100, 0, 1 }, { 0, 100 } },
	  .x_ans = { "ACK ack=0 sack=100-201 ts",
		     "ACK ack=201 ts" },
	  .x_read = "0:200 EOF", .x_state = "CLOSE_WAIT",
	  .x_ctr = "TCPOFOQueue+1" },
	/* a bare FIN out of order, and data after it that never counts */
	{ .name = "bare_fin_ofo", .opts = ST,
	  .s = { { 200, 0, 0, 1 }, { 100, 50 }, { 0, 100 } },
	  .x_ans = { "ACK ack=0 sack=200-201 ts",
		     "ACK ack=0 sack=100-150,200-201 ts",
		     "ACK ack=150 sack=200-201 ts" },
	  .x_read = "0:150", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+2" },
	/* beyond the window: not kept */
	{ .name = "beyond_window", .opts = ST,
	  .s = { { 300000, 100 }, { 100, 100 }, { 0, 100 } },
	  .x_ans = { "ACK ack=0 ts",
		     "ACK ack=0 sack=100-200 ts",
		     "ACK ack=200 ts" },
	  .x_read = "0:200", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+1" },
	/* no SACK agreed: duplicate ACKs only, no blocks */
	{ .name = "no_sack", .opts = O_TS,
	  .s = { { 200, 100 }, { 100, 100 }, { 100, 100, 1 }, { 0, 100 },
		 { 0, 100, 1 } },
	  .x_ans = { "ACK ack=0 ts",
		     "ACK ack=0 ts",
		     "ACK ack=0 ts",
		     "ACK ack=300 ts",
		     "ACK ack=300 ts" },
	  .x_read = "0:300", .x_state = "ESTABLISHED",
	  .x_ctr = "TCPOFOQueue+3 TCPOFOMerge+1 DelayedACKLost+1" },
};

/* ------------------------------------------------------------------ */
/* Results, shared with the forked run                                 */
/* ------------------------------------------------------------------ */

struct ores {
	char name[40];
	int nans;
	char ans[OFO_STEPS][TXT];
	char read[TXT];
	char state[64];
	char counters[TXT];
};

struct run {
	int fam;
	int status;		/* wait status of the run's process */
	long ms;
	char fatal[TXT];	/* setup failure */
	int n;
	struct ores c[MAX_CASES];
	char info[1024];	/* logged, not compared */
};

/* ------------------------------------------------------------------ */
/* The environment of one run                                          */
/* ------------------------------------------------------------------ */

struct env {
	int fam;
	struct raw_env raw;	/* the namespaces, A's raw sockets */
	int l, lf;		/* the listeners, in B */
	struct run *r;
};

#define fatal(e, ...)	\
	raw_seterr((e)->r->fatal, sizeof((e)->r->fatal), __VA_ARGS__)

/* We are in a fresh netns: it becomes B; A is made by a helper child. */
static int env_setup(struct env *e)
{
	e->l = e->lf = -1;
	return raw_env_setup(&e->raw, "xtcpofo", 4 << 20, e->r->fatal,
			     sizeof(e->r->fatal));
}

static int make_listener(struct env *e, int port, int rcvbuf)
{
	int l = socket(e->fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (l < 0) {
		fatal(e, "receiver socket(%d): %s", e->fam, errname(errno));
		return -1;
	}
	if (rcvbuf && setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf))) {
		fatal(e, "SO_RCVBUF: %s", errname(errno));
		close(l);
		return -1;
	}
	if (bind4(l, B_ADDR, port) || listen(l, 64)) {
		fatal(e, "receiver bind/listen: %s", errname(errno));
		close(l);
		return -1;
	}
	return l;
}

/* ------------------------------------------------------------------ */
/* Crafting and capturing                                              */
/* ------------------------------------------------------------------ */

/* The sender's side of one connection. */
struct sconn {
	uint16_t sport, dport;
	uint32_t a;		/* our ISN: data byte 0 is a + 1 */
	uint32_t v;		/* the receiver's ISN */
	int opts;		/* what the receiver agreed to */
	uint32_t tsval, tsecr;
	int s;			/* the accepted socket in B */
};

/* The data byte at offset i of version v: three alphabets. */
static uint8_t pat(int i, int v)
{
	return v == 0 ? 'a' + i % 26 : v == 1 ? 'A' + i % 26 : '0' + i % 10;
}

/* Send one segment of k; 0 or -errno. */
static int send_seg(struct env *e, struct sconn *k, uint8_t flags, uint32_t seq,
		    const uint8_t *opts, int optlen, int off, int len, int ver)
{
	uint8_t buf[2000], *t;
	struct sockaddr_in dst = sa4(B_ADDR, k->dport);
	int hl = 20 + optlen, tot = hl + len;

	if (tot + 20 > (int)sizeof(buf))
		return -EMSGSIZE;
	t = raw_hdr(buf, &dst, k->sport, seq, flags & F_ACK ? k->v + 1 : 0,
		    hl / 4, flags, 65535);
	if (optlen)
		memcpy(t + 20, opts, optlen);
	for (int i = 0; i < len; i++)
		t[hl + i] = pat(off + i, ver);
	put_be16(t + 16, raw_tcp_csum(t, tot));
	return raw_send(&e->raw, buf, tot, &dst);
}

/* A data segment [off, off + len) of k, with the options agreed. */
static int send_data(struct env *e, struct sconn *k, int off, int len, int ver,
		     bool fin)
{
	uint8_t o[12];
	int ol = 0;

	if (k->opts & O_TS) {
		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		put_be32(o + 4, ++k->tsval);
		put_be32(o + 8, k->tsecr);
		ol = 12;
	}
	return send_seg(e, k, F_ACK | (len ? F_PSH : 0) | (fin ? F_FIN : 0),
			k->a + 1 + off, o, ol, off, len, ver);
}

/* The answers as text, sequence numbers as data offsets. */
static void fmt_segs(char *buf, size_t len, const struct sconn *k,
		     const struct raw_seg *s, int n)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR",
	};
	uint32_t d0 = k->a + 1;

	buf[0] = 0;
	if (!n) {
		snprintf(buf, len, "none");
		return;
	}
	for (int i = 0; i < n; i++) {
		bool first = true;

		if (i)
			appendf(buf, len, "; ");
		for (int b = 0; b < 8; b++)
			if (s[i].flags & (1 << b)) {
				appendf(buf, len, "%s%s", first ? "" : "|",
					names[b]);
				first = false;
			}
		if (s[i].seq != k->v + 1)
			appendf(buf, len, " seq=v%+d", (int)(s[i].seq - k->v));
		if (s[i].flags & F_ACK)
			appendf(buf, len, " ack=%d", (int)(s[i].ack - d0));
		for (int j = 0; j < s[i].nsack; j++)
			appendf(buf, len, "%s%d-%d", j ? "," : " sack=",
				(int)(s[i].sack[j][0] - d0),
				(int)(s[i].sack[j][1] - d0));
		if (!s[i].win)
			appendf(buf, len, " win0");
		if (s[i].len)
			appendf(buf, len, " len=%d", s[i].len);
		if (s[i].ts)
			appendf(buf, len, " ts");
	}
}

/*
 * The handshake by hand: SYN (MSS 1460, then SACK-permitted and
 * timestamps as opts asks), the SYN-ACK, the ACK, accept().  0, or -1
 * with the reason in why.
 */
static int handshake(struct env *e, int l, struct sconn *k, int opts,
		     char *why, size_t wlen)
{
	uint8_t o[20];
	struct raw_seg s[4];
	int ol = 0, n;

	o[ol++] = 2;
	o[ol++] = 4;
	o[ol++] = 0x05;
	o[ol++] = 0xb4;
	if (opts & O_SACK) {
		o[ol++] = 1;
		o[ol++] = 1;
		o[ol++] = 4;
		o[ol++] = 2;
	}
	if (opts & O_TS) {
		o[ol++] = 1;
		o[ol++] = 1;
		o[ol++] = 8;
		o[ol++] = 10;
		put_be32(o + ol, k->tsval = 1000);
		put_be32(o + ol + 4, 0);
		ol += 8;
	}
	raw_drain(&e->raw);
	if (send_seg(e, k, F_SYN, k->a, o, ol, 0, 0, 0)) {
		snprintf(why, wlen, "send SYN: %s", errname(errno));
		return -1;
	}
	n = raw_collect(&e->raw, k->sport, 1500, 0, s, 4);
	if (n < 1 || s[0].flags != (F_SYN | F_ACK) || s[0].ack != k->a + 1) {
		snprintf(why, wlen, "no SYN-ACK");
		return -1;
	}
	k->v = s[0].seq;
	k->opts = opts;
	if ((opts & O_TS) && !s[0].ts) {
		snprintf(why, wlen, "no timestamps in the SYN-ACK");
		return -1;
	}
	k->tsecr = s[0].tsval;
	if (send_data(e, k, 0, 0, 0, false)) {
		snprintf(why, wlen, "send ACK: %s", errname(errno));
		return -1;
	}
	k->s = raw_accept_wait(l, 1000);
	if (k->s < 0) {
		snprintf(why, wlen, "accept: %s", errname(-k->s));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Reading and counting on the receiver                                 */
/* ------------------------------------------------------------------ */

/* Append what s has to read (waiting up to ms for the first bytes) to
 * buf at *got; true when it read the end of the stream.
 */
static bool read_some(int s, int ms, uint8_t *buf, size_t cap, size_t *got)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	ssize_t r;

	poll(&p, 1, ms);
	for (;;) {
		r = recv(s, buf + *got, cap - *got, MSG_DONTWAIT);
		if (r <= 0)
			break;
		*got += r;
		if (*got == cap)
			return false;
	}
	return r == 0;
}

/* The bytes read as runs of versions: "0:160 1:60"; '?' for others. */
static void fmt_runs(char *out, size_t len, const uint8_t *b, size_t n,
		     bool eof)
{
	int cur = -2, run = 0;

	out[0] = 0;
	for (size_t i = 0; i <= n; i++) {
		int v = -2;

		if (i < n) {
			v = -1;
			for (int k = 0; k < 3; k++)
				if (b[i] == pat(i, k)) {
					v = k;
					break;
				}
		}
		if (v == cur) {
			run++;
			continue;
		}
		if (run) {
			if (cur < 0)
				appendf(out, len, "%s?:%d", out[0] ? " " : "", run);
			else
				appendf(out, len, "%s%d:%d", out[0] ? " " : "",
					cur, run);
		}
		cur = v;
		run = 1;
	}
	if (eof)
		appendf(out, len, "%sEOF", out[0] ? " " : "");
	if (!out[0])
		snprintf(out, len, "nothing");
}

static const char *const ctr_names[] = {
	"TCPOFOQueue", "TCPOFOMerge", "TCPOFODrop", "TCPDSACKOldSent",
	"TCPDSACKOfoSent", "TCPRcvQDrop", "TCPZeroWindowDrop",
	"DelayedACKLost",
	/* not in the case texts: */
	"PruneCalled", "OfoPruned", "RcvPruned", "TCPRcvCollapsed",
};
#define NCTR		ARRAY_LEN(ctr_names)
#define NCTR_CASE	8

struct ctrs {
	long v[NCTR];
};

static void ctr_add(void *arg, const char *name, long val)
{
	struct ctrs *c = arg;

	for (unsigned int i = 0; i < NCTR; i++)
		if (!strcmp(name, ctr_names[i]))
			c->v[i] += val;
}

static void ctr_read(struct ctrs *c)
{
	memset(c, 0, sizeof(*c));
	raw_ctr_pairs("/proc/net/netstat", "TcpExt:", ctr_add, c);
	raw_ctr_lines("/proc/net/xtcp_stat", ctr_add, c);
}

static void ctr_delta(const struct ctrs *b, const struct ctrs *a,
		      unsigned int nctr, char *buf, size_t len)
{
	buf[0] = 0;
	for (unsigned int i = 0; i < nctr; i++)
		if (a->v[i] != b->v[i])
			appendf(buf, len, "%s%s%+ld", buf[0] ? " " : "",
				ctr_names[i], a->v[i] - b->v[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

static int conn_state(struct env *e, const struct sconn *k)
{
	struct sockaddr_in l = sa4(B_ADDR, k->dport), r = sa4(A_ADDR, k->sport);

	return proc_state(proc_path(e->fam), &l, &r);
}

static const char *state_name(int st)
{
	static char buf[32];

	if (st < 0) {
		snprintf(buf, sizeof(buf), "error %s", errname(-st));
		return buf;
	}
	return st_name(st);
}

static struct ores *new_res(struct env *e, const char *name)
{
	struct ores *r;

	if (e->r->n >= MAX_CASES)
		abort();
	r = &e->r->c[e->r->n++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->read, sizeof(r->read), "not run");
	snprintf(r->state, sizeof(r->state), "not run");
	snprintf(r->counters, sizeof(r->counters), "not run");
	return r;
}

/* ------------------------------------------------------------------ */
/* The cases                                                           */
/* ------------------------------------------------------------------ */

static void run_case(struct env *e, const struct ocase *c, int i)
{
	struct ores *r = new_res(e, c->name);
	struct sconn k = {
		.sport = 30000 + i, .dport = VPORT,
		.a = 0x20000000u + 0x00100000u * i + 0x1234,
	};
	struct ctrs c0, c1;
	struct raw_seg g[8];
	uint8_t data[4096];
	size_t got = 0;
	char why[TXT];
	bool eof;
	int n;

	if (handshake(e, e->l, &k, c->opts, why, sizeof(why))) {
		snprintf(r->read, sizeof(r->read), "handshake: %.200s", why);
		return;
	}
	ctr_read(&c0);
	for (int j = 0; j < OFO_STEPS && (c->s[j].len || c->s[j].fin); j++) {
		const struct seg *s = &c->s[j];

		raw_drain(&e->raw);
		send_data(e, &k, s->off, s->len, s->ver, s->fin);
		n = raw_collect(&e->raw, k.sport, ANSWER_MS, QUIET_MS, g, 8);
		fmt_segs(r->ans[j], sizeof(r->ans[j]), &k, g, n);
		r->nans = j + 1;
	}
	ctr_read(&c1);
	ctr_delta(&c0, &c1, NCTR_CASE, r->counters, sizeof(r->counters));
	snprintf(r->state, sizeof(r->state), "%s",
		 state_name(conn_state(e, &k)));
	eof = read_some(k.s, 300, data, sizeof(data), &got);
	fmt_runs(r->read, sizeof(r->read), data, got, eof);
	close_reset(k.s);
}

static void grp_cases(struct env *e)
{
	for (unsigned int i = 0; i < ARRAY_LEN(cases); i++)
		run_case(e, &cases[i], i);
}

/* ------------------------------------------------------------------ */
/* The flood                                                           */
/* ------------------------------------------------------------------ */

static bool meminfo(int s, uint32_t *rmem, uint32_t *rcvbuf)
{
	uint32_t mi[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mi);

	if (getsockopt(s, SOL_SOCKET, SO_MEMINFO, mi, &len))
		return false;
	*rmem = mi[SK_MEMINFO_RMEM_ALLOC];
	*rcvbuf = mi[SK_MEMINFO_RCVBUF];
	return true;
}

/*
 * Send [from, to) again in segments of up to seglen, each after the
 * receiver ACKed the one before, reading as we go, until everything is
 * ACKed or rounds run out.  Returns the last ACK (as an offset).
 */
static int refill(struct env *e, struct sconn *k, int to, int seglen,
		  uint8_t *buf, size_t cap, size_t *got, int *rounds)
{
	int acked = (int)*got;	/* what was read was ACKed before */
	struct raw_seg g[16];

	for (*rounds = 0; acked < to && *rounds < 400; (*rounds)++) {
		int len = to - acked < seglen ? to - acked : seglen, n;

		raw_drain(&e->raw);
		send_data(e, k, acked, len, 0, false);
		n = raw_collect(&e->raw, k->sport, ANSWER_MS, 20, g, 16);
		for (int i = 0; i < n; i++) {
			int a = (int)(g[i].ack - k->a - 1);

			if (a > acked && a <= to)
				acked = a;
		}
		read_some(k->s, 0, buf, cap, got);
	}
	return acked;
}

/*
 * Out-of-order segments across the whole window of a connection with a
 * small receive buffer: the queue outgrows the buffer and must be pruned.
 * Then small in-order segments that the application does not read yet:
 * the receive queue must be collapsed, nothing dropped.  Every byte must
 * then be read in order, and the memory stay bounded.
 */
static void grp_flood(struct env *e)
{
	struct sconn k = { .sport = 40000, .dport = FPORT, .a = 0x30001234u };
	uint32_t rmem, rcvbuf, rmem_max = 0, rcvb = 0;
	struct ores *r = new_res(e, "ofo_flood");
	static uint8_t data[65536];
	int win, nseg = 0, end, acked, rounds;
	struct ctrs c0, c1;
	size_t got = 0;
	struct raw_seg g[4];
	char why[TXT], tmp[TXT];

	if (handshake(e, e->lf, &k, O_SACK | O_TS, why, sizeof(why))) {
		snprintf(r->read, sizeof(r->read), "handshake: %.200s", why);
		return;
	}
	/* the window of the SYN-ACK's ACK: send one byte at 0, read it */
	raw_drain(&e->raw);
	send_data(e, &k, 0, 1, 0, false);
	if (raw_collect(&e->raw, k.sport, ANSWER_MS, QUIET_MS, g, 4) < 1) {
		snprintf(r->read, sizeof(r->read), "no ACK of the first byte");
		close_reset(k.s);
		return;
	}
	win = g[0].win;
	read_some(k.s, 100, data, sizeof(data), &got);

	/* phase 1: 100-byte segments every 200 bytes after a hole at 1,
	 * across the window (those beyond it are not kept)
	 */
	ctr_read(&c0);
	for (int off = 100; nseg < FLOOD_OFO; off += 200) {
		send_data(e, &k, off, 100, 0, false);
		if (++nseg % 20 == 0) {
			raw_drain(&e->raw);
			sleep_ms(2);
		}
	}
	end = 100 + 200 * nseg;
	sleep_ms(200);
	raw_drain(&e->raw);
	ctr_read(&c1);
	if (meminfo(k.s, &rmem, &rcvbuf)) {
		rmem_max = rmem;
		rcvb = rcvbuf;
	}
	ctr_delta(&c0, &c1, NCTR, tmp, sizeof(tmp));
	appendf(e->r->info, sizeof(e->r->info),
		"window %d, %d out-of-order segments; counters %s; rmem %u of rcvbuf %u",
		win, nseg, tmp, rmem_max, rcvb);
	snprintf(r->counters, sizeof(r->counters), "pruned %s, in-order drops %ld",
		 c1.v[8] > c0.v[8] && (c1.v[9] > c0.v[9] || c1.v[2] > c0.v[2]) ?
		 "yes" : "no", c1.v[5] - c0.v[5]);
	/* one skb over the buffer is allowed, as 6.1 allows it */
	snprintf(r->state, sizeof(r->state), "rmem %s rcvbuf",
		 rmem_max <= rcvb + 2048 ? "within" : "beyond");

	/* phase 2: fill every hole again, in order, in 500-byte segments */
	acked = refill(e, &k, end, 500, data, sizeof(data), &got, &rounds);
	appendf(e->r->info, sizeof(e->r->info),
		"; refilled up to %d of %d in %d rounds", acked, end, rounds);
	read_some(k.s, 200, data, sizeof(data), &got);
	fmt_runs(r->read, sizeof(r->read), data, got, false);
	if (meminfo(k.s, &rmem, &rcvbuf))
		appendf(r->read, sizeof(r->read), ", then rmem %u", rmem);

	/* phase 3: 100-byte segments in order, unread, up to the window */
	r = new_res(e, "inorder_unread");
	ctr_read(&c0);
	nseg = 0;
	for (int off = end; nseg < FLOOD_INORDER; off += 100) {
		send_data(e, &k, off, 100, 0, false);
		if (++nseg % 20 == 0) {
			raw_drain(&e->raw);
			sleep_ms(2);
		}
	}
	sleep_ms(200);
	raw_drain(&e->raw);
	ctr_read(&c1);
	rmem_max = 0;
	if (meminfo(k.s, &rmem, &rcvbuf))
		rmem_max = rmem;
	ctr_delta(&c0, &c1, NCTR, tmp, sizeof(tmp));
	appendf(e->r->info, sizeof(e->r->info),
		"; in order: %d segments, counters %s, rmem %u", nseg, tmp,
		rmem_max);
	snprintf(r->state, sizeof(r->state), "rmem %s rcvbuf",
		 rmem_max <= rcvb + 2048 ? "within" : "beyond");
	snprintf(r->counters, sizeof(r->counters), "in-order drops %ld",
		 c1.v[5] - c0.v[5]);
	end += 100 * nseg;
	/* what was dropped (beyond the window shrunk meanwhile) comes again */
	read_some(k.s, 0, data, sizeof(data), &got);
	acked = refill(e, &k, end, 500, data, sizeof(data), &got, &rounds);
	read_some(k.s, 200, data, sizeof(data), &got);
	fmt_runs(r->read, sizeof(r->read), data, got, false);
	if (meminfo(k.s, &rmem, &rcvbuf))
		appendf(r->read, sizeof(r->read), ", then rmem %u", rmem);
	appendf(e->r->info, sizeof(e->r->info), "; then up to %d of %d", acked,
		end);
	close_reset(k.s);
}

/* ------------------------------------------------------------------ */
/* Running and comparing                                               */
/* ------------------------------------------------------------------ */

typedef void (*group_fn)(struct env *e);

static struct run *run_group(group_fn fn, int fam)
{
	struct run *r;
	long t0;
	pid_t pid;
	int st = 0;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		perror("mmap");
		abort();
	}
	memset(r, 0, sizeof(*r));
	r->fam = fam;
	fflush(stdout);
	fflush(stderr);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		abort();
	}
	if (pid == 0) {
		struct env e = { .fam = fam, .r = r };

		if (new_netns()) {
			fatal(&e, "new netns: %s", errname(errno));
			_exit(0);
		}
		if (env_setup(&e))
			_exit(0);
		e.l = make_listener(&e, VPORT, 0);
		e.lf = make_listener(&e, FPORT, FLOOD_RCVBUF);
		if (e.l < 0 || e.lf < 0)
			_exit(0);
		fn(&e);
		close(e.l);
		close(e.lf);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->status = st;
	r->ms = now_ms() - t0;
	return r;
}

static void dump_run(struct __test_metadata *_metadata, const char *who,
		     const struct run *r)
{
	for (int i = 0; i < r->n; i++) {
		const struct ores *c = &r->c[i];

		for (int j = 0; j < c->nans; j++)
			TH_LOG("%s [%s] #%d: %s", who, c->name, j + 1, c->ans[j]);
		TH_LOG("%s [%s] read: %s; state: %s; counters: %s", who,
		       c->name, c->read, c->state, c->counters);
	}
	if (r->info[0])
		TH_LOG("%s info: %s", who, r->info);
}

static bool run_ok(struct __test_metadata *_metadata, const char *who,
		   const struct run *r)
{
	if (r->fatal[0]) {
		TH_LOG("%s run: setup failed: %s", who, r->fatal);
		return false;
	}
	if (!status_ok(r->status)) {
		TH_LOG("%s run ended abnormally: wait status 0x%x (after %d cases)",
		       who, r->status, r->n);
		return false;
	}
	return true;
}

static int check_field(struct __test_metadata *_metadata, const char *name,
		       const char *what, const char *got, const char *want)
{
	if (!want || !strcmp(got, want))
		return 0;
	TH_LOG("INET reference [%s] %s: got '%s', Linux 6.1 gives '%s'",
	       name, what, got, want);
	return 1;
}

/* The AF_INET run against the 6.1 results of the table. */
static int check_ref(struct __test_metadata *_metadata, const struct run *r)
{
	int bad = 0;

	for (unsigned int i = 0; i < ARRAY_LEN(cases); i++) {
		const struct ocase *c = &cases[i];
		const struct ores *x = NULL;
		char what[16];

		for (int j = 0; j < r->n; j++)
			if (!strcmp(r->c[j].name, c->name))
				x = &r->c[j];
		if (!x) {
			TH_LOG("INET reference [%s]: case did not run", c->name);
			bad++;
			continue;
		}
		for (int j = 0; j < OFO_STEPS && c->x_ans[j]; j++) {
			snprintf(what, sizeof(what), "#%d", j + 1);
			bad += check_field(_metadata, c->name, what,
					   j < x->nans ? x->ans[j] : "not run",
					   c->x_ans[j]);
		}
		bad += check_field(_metadata, c->name, "read", x->read, c->x_read);
		bad += check_field(_metadata, c->name, "state", x->state,
				   c->x_state);
		bad += check_field(_metadata, c->name, "counters", x->counters,
				   c->x_ctr);
	}
	return bad;
}

/* INET and XTCP, field by field; the number of mismatches */
static int compare_runs(struct __test_metadata *_metadata,
			const struct run *ri, const struct run *rx)
{
	int bad = 0;

	if (ri->n != rx->n) {
		TH_LOG("MISMATCH: INET ran %d cases, XTCP %d", ri->n, rx->n);
		bad++;
	}
	for (int i = 0; i < ri->n && i < rx->n; i++) {
		const struct ores *a = &ri->c[i], *b = &rx->c[i];

		if (a->nans != b->nans) {
			TH_LOG("MISMATCH [%s]: INET %d answers, XTCP %d", a->name,
			       a->nans, b->nans);
			bad++;
		}
		for (int j = 0; j < a->nans && j < b->nans; j++)
			if (strcmp(a->ans[j], b->ans[j])) {
				TH_LOG("MISMATCH [%s] #%d: INET '%s' | XTCP '%s'",
				       a->name, j + 1, a->ans[j], b->ans[j]);
				bad++;
			}
		if (strcmp(a->read, b->read)) {
			TH_LOG("MISMATCH [%s] read: INET '%s' | XTCP '%s'",
			       a->name, a->read, b->read);
			bad++;
		}
		if (strcmp(a->state, b->state)) {
			TH_LOG("MISMATCH [%s] state: INET '%s' | XTCP '%s'",
			       a->name, a->state, b->state);
			bad++;
		}
		if (strcmp(a->counters, b->counters)) {
			TH_LOG("MISMATCH [%s] counters: INET '%s' | XTCP '%s'",
			       a->name, a->counters, b->counters);
			bad++;
		}
	}
	return bad;
}

static void ofo_test(struct __test_metadata *_metadata, group_fn fn,
		     bool ref)
{
	struct run *ri, *rx;
	char obj[128];
	int bad;

	if (!nft_available())
		SKIP(return, "nft (nftables) not installed");
	if (access("/usr/sbin/ip", X_OK) && access("/sbin/ip", X_OK) &&
	    access("/usr/bin/ip", X_OK) && access("/bin/ip", X_OK))
		SKIP(return, "ip (iproute2) not installed");

	ri = run_group(fn, AF_INET);
	if (getenv("XTCP_OFO_DUMP"))
		dump_run(_metadata, "INET", ri);
	ASSERT_TRUE(run_ok(_metadata, "INET", ri));
	if (ref) {
		bad = check_ref(_metadata, ri);
		if (bad)
			dump_run(_metadata, "INET", ri);
		ASSERT_EQ(0, bad)
			TH_LOG("the AF_INET run differs from Linux 6.1's results: the test is wrong");
	}
	CONN_REQUIRE_XTCP();

	rx = run_group(fn, xtcp_family());
	if (getenv("XTCP_OFO_DUMP"))
		dump_run(_metadata, "XTCP", rx);
	TH_LOG("INET run %ld ms, XTCP run %ld ms", ri->ms, rx->ms);
	if (ri->info[0] || rx->info[0])
		TH_LOG("INET: %s", ri->info);
	if (rx->info[0])
		TH_LOG("XTCP: %s", rx->info);
	ASSERT_TRUE(run_ok(_metadata, "XTCP", rx));
	bad = compare_runs(_metadata, ri, rx);
	EXPECT_EQ(0, bad) TH_LOG("%d differences between AF_INET and AF_XTCP", bad);
	ASSERT_TRUE(xtcp_objects_settle(obj, sizeof(obj)))
		TH_LOG("XTCP objects left 10 s after the run: %s", obj);
}

TEST_F_TIMEOUT(conn, reorder, 120)
{
	ofo_test(_metadata, grp_cases, true);
}

TEST_F_TIMEOUT(conn, flood, 120)
{
	ofo_test(_metadata, grp_flood, false);
}

TEST_HARNESS_MAIN
