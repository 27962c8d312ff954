// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: malformed and odd segments, crafted with a raw socket.
 * timeout=240
 *
 * Two network namespaces joined by a veth pair:
 *
 *   A (attacker) 10.0.0.1 va <----> vb 10.0.0.2 B (victim)
 *
 * The victim is a listener on 10.0.0.2:5001 in B (AF_INET for the
 * reference run, AF_XTCP for the XTCP run) and the connections it
 * accepts.  The attacker has no TCP socket at all: it crafts IPv4+TCP
 * segments on a raw socket (IP_HDRINCL, its own checksums, wrong on
 * purpose where a case says so) and reads the victim's answers on a
 * second raw socket (IPPROTO_TCP).  A's own TCP would answer the victim's
 * segments with resets: an nftables rule in A drops every RST that does
 * not carry the raw socket's mark.  To get a connection with known
 * sequence numbers, the attacker does the handshake by hand.
 *
 * One process does everything: it lives in B (so that /proc/net/tcp,
 * /proc/net/xtcp and the counters are B's) and made its raw sockets in A.
 *
 * Each case records, as text:
 *   answer    what the victim sent back within 200 ms ("none", or each
 *             segment: flags, seq relative to the victim's ISN "v", ack
 *             relative to the attacker's ISN "a", payload length, SYN
 *             options)
 *   state     the state of the 4-tuple (and of the listener) afterwards,
 *             from /proc/net/tcp or /proc/net/xtcp
 *   counters  the deltas of the TCP MIB counters over the case: stock
 *             TCP's (/proc/net/snmp, /proc/net/netstat) plus XTCP's
 *             (/proc/net/xtcp_stat), so that both runs count the same
 *             whichever stack saw the segment
 *   post      whether the victim still works: a valid data segment
 *             afterwards, its answer, what recv() on the victim returns,
 *             a send() from the victim and the segment it makes
 *
 * The AF_INET run is checked against the Linux 6.1 results written in
 * the case tables (the test checks itself), then the XTCP run must give
 * the same text in every field; each difference is logged as
 *   MISMATCH [case] field: INET '...' | XTCP '...'
 * After the XTCP run every XTCP object must be gone
 * (/sys/module/xtcp/parameters/objects).  Without /proc/net/xtcp_stat the
 * counters are not compared and the test SKIPs if all else matched.
 *
 * The reference results are those of the VM's kernel, Debian's 6.1.192,
 * which has one change over plain 6.1 here: a RST in the window but not
 * at rcv_nxt gets a challenge ACK from a request sock too (CVE-2026-68118;
 * 6.1.0 ended the request).  Windows are shown only as zero or not
 * ("win0", "win").
 *
 * Tests:
 *   listen       segments to the listener (fresh source port each), then
 *                a valid connection
 *   syn_recv     segments to a request sock (SYN sent, SYN-ACK not ACKed),
 *                then the final ACK with data
 *   established  segments to a connection, a fresh one per case (the
 *                challenge ACKs are limited to one per 500 ms per socket)
 *   sack         SACK blocks to a connection with 3 segments in flight:
 *                beyond snd_nxt, reversed, far away, below snd_una, a
 *                D-SACK, overlapping, 4 blocks, a length past the option
 *                space (5 blocks), a length not 2 + 8n, no blocks, SACK
 *                never permitted; then all ACKed and data both ways
 *   timestamps   TSvals across the 32-bit wrap: forward (taken), backward
 *                (PAWS: dropped, duplicate ACK, PAWSEstab), half the space
 *                ahead (taken) and one more (dropped)
 *   ack_unsent   ACKs of data never sent: silently dropped in ESTABLISHED
 *                (their data and FIN too), a challenge ACK in CLOSE_WAIT
 *   wscale       window scale 13, 14, 15 and 255 in the SYN: 15 and 255
 *                act as 14 (what is in flight under a window field of 1)
 *   corrupt_payload  a 16-segment transfer in which 4 segments first come
 *                with a flipped payload bit: dropped, counted, data exact
 *   flood        3000 pseudo-random segments (same seed in both runs) to
 *                the listener's port: from random ports, from a request's
 *                and from a connection's, in and out of window, bad
 *                lengths, offsets, options, checksums.  Compared: the
 *                listener still listens, a valid connection works, every
 *                segment reached TCP (InSegs) and the checksum errors;
 *                the connection's and the request's fate is only logged
 *                (it depends on the rate limits' timing and on the
 *                out-of-order queue).  The requests it made are reset at
 *                the end, so that nothing waits for SYN-ACK timeouts.
 *
 * Environment:
 *   XTCP_BADSEG_DUMP=1         log both runs' full results
 *   XTCP_BADSEG_ONLY="a b"     run only the tests named (SKIP the others)
 *   XTCP_BADSEG_FLOOD_TRACE=1  read the states after each flood segment to
 *                              the connection or the request (slow) and log
 *                              the first one after which INET and XTCP
 *                              differ
 */
#include "xtcp_conn_lib.h"
#include "xtcp_raw.h"

#define VPORT		5001		/* the victim's listener */

#define ANSWER_MS	200		/* wait for a first answer */
#define QUIET_MS	60		/* then for more, after each one */

#define LST_ACK		0x77770000u	/* ack field of ACKs to the listener */
#define OOW		0x40000		/* beyond any window of these tests */

#define MAX_CASES	32
#define TXT		256
#define FLOOD_N		3000		/* random segments of the flood */

/* ------------------------------------------------------------------ */
/* Results, shared with the forked run                                 */
/* ------------------------------------------------------------------ */

struct cres {
	char name[40];
	char answer[TXT];
	char state[64];
	char counters[TXT];
	char post[TXT];
};

struct run {
	int fam;
	int status;		/* wait status of the run's process */
	long setup_ms, ms;	/* setup time, whole run */
	bool ctr_na;		/* no /proc/net/xtcp_stat in an XTCP run */
	char fatal[TXT];	/* setup failure */
	int n;
	struct cres c[MAX_CASES];
	char info[TXT];		/* logged, not compared */
	char left[1024];	/* /proc entries at the end (for leaks) */
	/* XTCP_BADSEG_FLOOD_TRACE=1: states after each flood segment */
	bool traced;
	uint8_t fst[FLOOD_N][2];	/* the connection's, the request's */
	char fdesc[FLOOD_N][160];
};

/* ------------------------------------------------------------------ */
/* The cases                                                           */
/* ------------------------------------------------------------------ */

enum { CTX_LISTEN, CTX_SYNRECV, CTX_EST };
enum { CS_OK, CS_HDR, CS_DATA };	/* checksum: right, wrong, data corrupted */

#define D(n)		((n) | 0x100)	/* an explicit data offset field */

struct bcase {
	const char *name;
	uint8_t flags;
	int seq_off;		/* seq: LISTEN a + off; else rcv_nxt + off */
	int ack_off;		/* ack: LISTEN LST_ACK + off; else v + 1 + off */
	int doff;		/* 0: from the options; D(n): n */
	const char *opts;
	int optlen;
	const char *data;	/* payload (NULL and dlen: a pattern) */
	int dlen;
	int tcplen;		/* > 0: only this many TCP bytes are sent */
	int csum;
	const char *pre;	/* EST: data sent (and ACKed) before */
	int adv;		/* EST: bytes of it 6.1 accepts */
	/* the est2 groups (sack, timestamps, ack_unsent) */
	int inflight;		/* bytes the victim sends first, unACKed */
	bool pre_fin;		/* a FIN first: the victim in CLOSE_WAIT */
	bool sackperm;		/* SACK-permitted in the SYN */
	uint32_t ts0;		/* TSval of the SYN (0: no timestamps) */
	uint32_t tsval;		/* TSval of the case's segment */
	bool ts_ok;		/* 6.1 takes tsval: the probe goes on from it */
	int nsack;		/* SACK blocks, offsets from v + 1 */
	int sack[4][2];
	int sack_len;		/* > 0: the SACK option's length byte */
	/* Linux 6.1's results, for the AF_INET run */
	const char *x_answer, *x_state, *x_ctr, *x_post;
};

#define NOSTATE_LST	"listener LISTEN, 4-tuple NONE"
#define POST_LST	"accept EAGAIN"

/* The attacker's SYN has an MSS option only: the victim's SYN-ACK too. */
#define SYNACK		"SYN|ACK seq=v+0 ack=a+1 win mss=1460"

static const struct bcase listen_cases[] = {
	{ .name = "truncated_header", .flags = F_SYN, .tcplen = 12,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "truncated_3_bytes", .flags = F_SYN, .tcplen = 3,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "doff_0", .flags = F_SYN, .doff = D(0),
	  .x_answer = "none", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 InErrs+1", .x_post = POST_LST },
	{ .name = "doff_4", .flags = F_SYN, .doff = D(4),
	  .x_answer = "none", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 InErrs+1", .x_post = POST_LST },
	{ .name = "doff_beyond_segment", .flags = F_SYN, .doff = D(15),
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "doff_beyond_by_4", .flags = F_SYN, .doff = D(7),
	  .opts = "\x02\x04\x05\xb4", .optlen = 4,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "option_len_0", .flags = F_SYN,
	  .opts = "\x02\x00\x01\x01", .optlen = 4,
	  .x_answer = SYNACK, .x_state = "listener LISTEN, 4-tuple SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_LST },
	{ .name = "option_len_1", .flags = F_SYN,
	  .opts = "\x03\x01\x01\x01", .optlen = 4,
	  .x_answer = SYNACK, .x_state = "listener LISTEN, 4-tuple SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_LST },
	{ .name = "option_len_overrun", .flags = F_SYN,
	  .opts = "\x01\x01\x08\x0a", .optlen = 4,
	  .x_answer = SYNACK, .x_state = "listener LISTEN, 4-tuple SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_LST },
	{ .name = "option_ts_truncated", .flags = F_SYN,
	  .opts = "\x02\x04\x05\xb4\x01\x01\x08\x0a\x00\x00\x00\x01", .optlen = 12,
	  .x_answer = SYNACK, .x_state = "listener LISTEN, 4-tuple SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_LST },
	{ .name = "bad_csum_header", .flags = F_SYN, .csum = CS_HDR,
	  .x_answer = "none", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 InErrs+1 InCsumErrors+1", .x_post = POST_LST },
	{ .name = "bad_csum_payload", .flags = F_SYN, .dlen = 200,
	  .csum = CS_DATA,
	  .x_answer = "none", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 InErrs+1 InCsumErrors+1", .x_post = POST_LST },
	{ .name = "syn_fin", .flags = F_SYN | F_FIN,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "syn_rst", .flags = F_SYN | F_RST,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "no_flags", .flags = 0, .data = "NOFL", .dlen = 4,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "fin_without_ack", .flags = F_FIN,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "rst", .flags = F_RST,
	  .x_answer = "none", .x_state = NOSTATE_LST, .x_ctr = "InSegs+1",
	  .x_post = POST_LST },
	{ .name = "ack", .flags = F_ACK,
	  .x_answer = "RST seq=0x77770000 win0", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 OutSegs+1 OutRsts+1", .x_post = POST_LST },
	{ .name = "syn_ack", .flags = F_SYN | F_ACK, .ack_off = 5,
	  .x_answer = "RST seq=0x77770005 win0", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 OutSegs+1 OutRsts+1", .x_post = POST_LST },
	{ .name = "syn_with_data", .flags = F_SYN, .data = "SYNDATA", .dlen = 7,
	  .x_answer = SYNACK, .x_state = "listener LISTEN, 4-tuple SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_LST },
	{ .name = "fin_ack_urg_psh", .flags = F_FIN | F_ACK | F_URG | F_PSH,
	  .x_answer = "RST seq=0x77770000 win0", .x_state = NOSTATE_LST,
	  .x_ctr = "InSegs+1 OutSegs+1 OutRsts+1", .x_post = POST_LST },
};

/* after the request's final ACK (with "PROBE") */
#define POST_SR_OK	"final: ACK seq=v+1 ack=a+6 win; accept ok; recv 'PROBE'"
#define POST_SR_GONE	"final: RST seq=v+1 win0; accept EAGAIN"

static const struct bcase synrecv_cases[] = {
	{ .name = "sr_bad_csum_ack", .flags = F_ACK, .csum = CS_HDR,
	  .x_answer = "none", .x_state = "SYN_RECV",
	  .x_ctr = "InSegs+1 InErrs+1 InCsumErrors+1", .x_post = POST_SR_OK },
	{ .name = "sr_doff_4", .flags = F_ACK, .doff = D(4),
	  .x_answer = "none", .x_state = "SYN_RECV",
	  .x_ctr = "InSegs+1 InErrs+1", .x_post = POST_SR_OK },
	{ .name = "sr_truncated_header", .flags = F_ACK, .tcplen = 16,
	  .x_answer = "none", .x_state = "SYN_RECV", .x_ctr = "InSegs+1",
	  .x_post = POST_SR_OK },
	{ .name = "sr_rst_exact", .flags = F_RST,
	  .x_answer = "none", .x_state = "NONE",
	  .x_ctr = "InSegs+1 AttemptFails+1", .x_post = POST_SR_GONE },
	{ .name = "sr_rst_in_window", .flags = F_RST, .seq_off = 100,
	  .x_answer = "ACK seq=v+1 ack=a+1 win", .x_state = "SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1 TCPChallengeACK+1",
	  .x_post = POST_SR_OK },
	{ .name = "sr_rst_out_of_window", .flags = F_RST, .seq_off = OOW,
	  .x_answer = "none", .x_state = "SYN_RECV", .x_ctr = "InSegs+1",
	  .x_post = POST_SR_OK },
	{ .name = "sr_syn_fin_same_isn", .flags = F_SYN | F_FIN, .seq_off = -1,
	  .x_answer = SYNACK, .x_state = "SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1 RetransSegs+1", .x_post = POST_SR_OK },
	{ .name = "sr_syn_rst", .flags = F_SYN | F_RST,
	  .x_answer = "none", .x_state = "NONE",
	  .x_ctr = "InSegs+1 AttemptFails+1", .x_post = POST_SR_GONE },
	{ .name = "sr_syn_new_seq", .flags = F_SYN, .seq_off = 9,
	  .x_answer = "RST|ACK seq=0 ack=a+11 win0", .x_state = "NONE",
	  .x_ctr = "InSegs+1 OutSegs+1 OutRsts+1 AttemptFails+1",
	  .x_post = POST_SR_GONE },
	{ .name = "sr_no_flags", .flags = 0, .data = "NOFL", .dlen = 4,
	  .x_answer = "none", .x_state = "SYN_RECV", .x_ctr = "InSegs+1",
	  .x_post = POST_SR_OK },
	{ .name = "sr_bad_ack", .flags = F_ACK, .ack_off = 100,
	  .x_answer = "RST seq=v+101 win0", .x_state = "SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1 OutRsts+1", .x_post = POST_SR_OK },
	{ .name = "sr_ack_out_of_window", .flags = F_ACK, .seq_off = OOW,
	  .x_answer = "ACK seq=v+1 ack=a+1 win", .x_state = "SYN_RECV",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_SR_OK },
};

/* probe "PROBE" at rcv_nxt, then the victim sends "pong" */
#define POST_EST(k, str)						\
	"probe: ACK seq=v+1 ack=a+" #k " win; recv '" str		\
	"'; send 4: PSH|ACK seq=v+1 ack=a+" #k " win len=4"
#define POST_OK		POST_EST(6, "PROBE")
#define POST_RESET	"probe: RST seq=v+1 win0; recv ECONNRESET; send EPIPE"
#define CHALLENGE	"ACK seq=v+1 ack=a+1 win"

static const struct bcase est_cases[] = {
	{ .name = "est_truncated_header", .flags = F_ACK, .tcplen = 12,
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_doff_4", .flags = F_ACK, .doff = D(4),
	  .x_answer = "none", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 InErrs+1", .x_post = POST_OK },
	{ .name = "est_doff_beyond_segment", .flags = F_ACK, .doff = D(6),
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_option_len_0", .flags = F_ACK | F_PSH,
	  .opts = "\x02\x00\x01\x01", .optlen = 4, .data = "OPTS", .dlen = 4,
	  .adv = 4,
	  .x_answer = "ACK seq=v+1 ack=a+5 win", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_EST(10, "OPTSPROBE") },
	{ .name = "est_option_len_1", .flags = F_ACK | F_PSH,
	  .opts = "\x08\x01\x01\x01", .optlen = 4, .data = "OPTS", .dlen = 4,
	  .adv = 4,
	  .x_answer = "ACK seq=v+1 ack=a+5 win", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_EST(10, "OPTSPROBE") },
	{ .name = "est_option_len_overrun", .flags = F_ACK | F_PSH,
	  .opts = "\x01\x01\x08\x0a", .optlen = 4, .data = "OPTS", .dlen = 4,
	  .adv = 4,
	  .x_answer = "ACK seq=v+1 ack=a+5 win", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_EST(10, "OPTSPROBE") },
	{ .name = "est_bad_csum_header", .flags = F_ACK, .csum = CS_HDR,
	  .x_answer = "none", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 InErrs+1 InCsumErrors+1", .x_post = POST_OK },
	{ .name = "est_bad_csum_payload", .flags = F_ACK | F_PSH, .dlen = 200,
	  .csum = CS_DATA,
	  .x_answer = "none", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 InErrs+1 InCsumErrors+1", .x_post = POST_OK },
	{ .name = "est_syn_fin", .flags = F_SYN | F_FIN,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1 InErrs+1 TCPChallengeACK+1",
	  .x_post = POST_OK },
	{ .name = "est_syn_rst", .flags = F_SYN | F_RST,
	  .x_answer = "none", .x_state = "NONE",
	  .x_ctr = "InSegs+1 EstabResets+1", .x_post = POST_RESET },
	{ .name = "est_no_flags", .flags = 0, .data = "NOFL", .dlen = 4,
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_fin_without_ack", .flags = F_FIN,
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_rst_exact", .flags = F_RST,
	  .x_answer = "none", .x_state = "NONE",
	  .x_ctr = "InSegs+1 EstabResets+1", .x_post = POST_RESET },
	{ .name = "est_rst_in_window", .flags = F_RST, .seq_off = 100,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1 TCPChallengeACK+1", .x_post = POST_OK },
	{ .name = "est_rst_out_of_window", .flags = F_RST, .seq_off = OOW,
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_rst_ack_before_window", .flags = F_RST | F_ACK,
	  .seq_off = -OOW,
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_syn", .flags = F_SYN,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1 InErrs+1 TCPChallengeACK+1",
	  .x_post = POST_OK },
	{ .name = "est_syn_ack_old_isn", .flags = F_SYN | F_ACK, .seq_off = -1,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1 InErrs+1 TCPChallengeACK+1",
	  .x_post = POST_OK },
	{ .name = "est_ack_unsent_data", .flags = F_ACK, .ack_off = 1000,
	  .x_answer = "none", .x_state = "ESTABLISHED", .x_ctr = "InSegs+1",
	  .x_post = POST_OK },
	{ .name = "est_ack_too_old", .flags = F_ACK, .ack_off = -1000,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1 TCPChallengeACK+1", .x_post = POST_OK },
	{ .name = "est_old_duplicate_data", .flags = F_ACK | F_PSH,
	  .pre = "HELLO", .seq_off = -5, .data = "HELLO", .dlen = 5,
	  .x_answer = "ACK seq=v+1 ack=a+6 win", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1",
	  .x_post = POST_EST(11, "HELLOPROBE") },
	{ .name = "est_partly_old_data", .flags = F_ACK | F_PSH,
	  .pre = "HELLO", .seq_off = -3, .data = "LLOWOR", .dlen = 6, .adv = 3,
	  .x_answer = "ACK seq=v+1 ack=a+9 win", .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1",
	  .x_post = POST_EST(14, "HELLOWORPROBE") },
	{ .name = "est_data_out_of_window", .flags = F_ACK | F_PSH,
	  .seq_off = OOW, .data = "OOW!", .dlen = 4,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_OK },
	{ .name = "est_data_before_window", .flags = F_ACK | F_PSH,
	  .seq_off = -OOW, .data = "OLD!", .dlen = 4,
	  .x_answer = CHALLENGE, .x_state = "ESTABLISHED",
	  .x_ctr = "InSegs+1 OutSegs+1", .x_post = POST_OK },
};

/* ------------------------------------------------------------------ */
/* The environment of one run                                          */
/* ------------------------------------------------------------------ */

struct env {
	int fam;
	struct raw_env raw;	/* the namespaces, A's raw sockets */
	int l;			/* the victim's listener, in B */
	struct run *r;
};

/* fmt_segs() also shows the TSecr of timestamp options */
static bool show_ecr;

#define fatal(e, ...)	\
	raw_seterr((e)->r->fatal, sizeof((e)->r->fatal), __VA_ARGS__)

/* We are in a fresh netns: it becomes B; A is made by a helper child. */
static int env_setup(struct env *e)
{
	e->l = -1;
	return raw_env_setup(&e->raw, "xtcpbadseg", 1 << 20, e->r->fatal,
			     sizeof(e->r->fatal));
}

/* ------------------------------------------------------------------ */
/* Crafting and capturing                                              */
/* ------------------------------------------------------------------ */

struct craft {
	uint16_t sport, dport;	/* dport 0: VPORT */
	uint32_t seq, ack;
	uint8_t flags;
	int doff;		/* 0: auto; D(n): n */
	const uint8_t *opts;
	int optlen;
	const uint8_t *data;
	int dlen;
	int tcplen;		/* > 0: cut */
	int csum;
	uint16_t win;
};

/* Send one crafted segment from A to B's VPORT; 0 or -errno. */
static int send_seg(struct env *e, const struct craft *k)
{
	uint8_t buf[1600], *t;
	struct sockaddr_in dst = sa4(B_ADDR, k->dport ? k->dport : VPORT);
	int hl = 20 + k->optlen, len = hl + k->dlen;
	uint16_t cs;

	t = raw_hdr(buf, &dst, k->sport, k->seq, k->flags & F_ACK ? k->ack : 0,
		    k->doff ? k->doff & 0xff : hl / 4, k->flags,
		    k->win ? k->win : 65535);
	if (k->optlen)
		memcpy(t + 20, k->opts, k->optlen);
	if (k->dlen) {
		if (k->data)
			memcpy(t + hl, k->data, k->dlen);
		else
			for (int i = 0; i < k->dlen; i++)
				t[hl + i] = 'a' + i % 26;
	}
	if (k->tcplen > 0 && k->tcplen < len)
		len = k->tcplen;
	cs = raw_tcp_csum(t, len);
	if (len >= 18) {
		if (k->csum == CS_HDR)
			cs ^= 0x0101;
		put_be16(t + 16, cs);
		if (k->csum == CS_DATA && len > hl)
			t[len - 1] ^= 0x20;
	}
	return raw_send(&e->raw, buf, len, &dst);
}

static const char *flag_str(uint8_t f, char *buf, size_t len)
{
	static const char *const names[] = {
		"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR",
	};

	buf[0] = 0;
	for (int i = 0; i < 8; i++)
		if (f & (1 << i))
			appendf(buf, len, "%s%s", buf[0] ? "|" : "", names[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
	return buf;
}

/* a sequence number relative to base, or absolute */
static void rel(char *buf, size_t len, const char *name, uint32_t x,
		uint32_t base, bool known)
{
	int32_t d = (int32_t)(x - base);

	if (known && d > -(1 << 20) && d < (1 << 20))
		snprintf(buf, len, "%s%+d", name, d);
	else if (x == 0)
		snprintf(buf, len, "0");
	else
		snprintf(buf, len, "0x%x", x);
}

/*
 * The answers as text.  *v is the victim's ISN when *vk; a SYN in the
 * answers gives it.  The window is shown only as zero or not ("win0",
 * "win"): its value is not what these tests are about.
 */
static void fmt_segs(char *buf, size_t len, const struct raw_seg *s, int n,
		     uint32_t a, uint32_t *v, bool *vk)
{
	char f[40], sq[24], ak[24];

	buf[0] = 0;
	if (!n) {
		snprintf(buf, len, "none");
		return;
	}
	for (int i = 0; i < n; i++) {
		if ((s[i].flags & F_SYN) && !*vk) {
			*v = s[i].seq;
			*vk = true;
		}
		rel(sq, sizeof(sq), "v", s[i].seq, *v, *vk);
		appendf(buf, len, "%s%s seq=%s", i ? "; " : "",
			flag_str(s[i].flags, f, sizeof(f)), sq);
		if (s[i].flags & F_ACK) {
			rel(ak, sizeof(ak), "a", s[i].ack, a, true);
			appendf(buf, len, " ack=%s", ak);
		}
		appendf(buf, len, " %s", s[i].win ? "win" : "win0");
		if (s[i].len)
			appendf(buf, len, " len=%d", s[i].len);
		if (s[i].opts[0])
			appendf(buf, len, "%s", s[i].opts);
		if (show_ecr && s[i].ts)
			appendf(buf, len, " ecr=0x%x", s[i].tsecr);
	}
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

static const char *const ctr_names[] = {
	"InSegs", "OutSegs", "RetransSegs", "InErrs", "InCsumErrors",
	"OutRsts", "EstabResets", "AttemptFails", "PassiveOpens",
	"ListenDrops", "TCPChallengeACK", "PAWSEstabRejected",
};
#define NCTR ARRAY_LEN(ctr_names)

struct ctrs {
	long v[NCTR];
	bool xstat;		/* /proc/net/xtcp_stat was there */
};

static void ctr_add(void *arg, const char *name, long val)
{
	struct ctrs *c = arg;

	if (!strcmp(name, "ChallengeACKs"))
		name = "TCPChallengeACK";
	if (!strcmp(name, "PAWSEstab"))	/* /proc/net/netstat's name */
		name = "PAWSEstabRejected";
	for (unsigned int i = 0; i < NCTR; i++)
		if (!strcmp(name, ctr_names[i]))
			c->v[i] += val;
}

static void ctr_read(struct ctrs *c)
{
	memset(c, 0, sizeof(*c));
	raw_ctr_pairs("/proc/net/snmp", "Tcp:", ctr_add, c);
	raw_ctr_pairs("/proc/net/netstat", "TcpExt:", ctr_add, c);
	c->xstat = raw_ctr_lines("/proc/net/xtcp_stat", ctr_add, c);
}

static void ctr_delta(struct env *e, const struct ctrs *b, char *buf,
		      size_t len)
{
	struct ctrs a;

	ctr_read(&a);
	buf[0] = 0;
	if (e->fam != AF_INET && (!a.xstat || !b->xstat))
		e->r->ctr_na = true;
	for (unsigned int i = 0; i < NCTR; i++)
		if (a.v[i] != b->v[i])
			appendf(buf, len, "%s%s%+ld", buf[0] ? " " : "",
				ctr_names[i], a.v[i] - b->v[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* ------------------------------------------------------------------ */
/* The victim                                                          */
/* ------------------------------------------------------------------ */

static struct sockaddr_in ep_b(void)
{
	return sa4(B_ADDR, VPORT);
}

static int tuple_state(struct env *e, uint16_t sport)
{
	struct sockaddr_in l = ep_b(), r = sa4(A_ADDR, sport);

	return proc_state(proc_path(e->fam), &l, &r);
}

static const char *state_name(int st)
{
	static char buf[32];

	if (st == -ENOENT)
		return "no /proc file";
	if (st < 0) {
		snprintf(buf, sizeof(buf), "error %s", errname(-st));
		return buf;
	}
	return st_name(st);
}

static int listener_state(struct env *e)
{
	struct sockaddr_in l = ep_b(), r = { .sin_family = AF_INET };

	return proc_state(proc_path(e->fam), &l, &r);
}

static int make_listener(struct env *e)
{
	e->l = socket(e->fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->l < 0) {
		fatal(e, "victim socket(%d): %s", e->fam, errname(errno));
		return -1;
	}
	if (bind4(e->l, B_ADDR, VPORT) || listen(e->l, 512)) {
		fatal(e, "victim bind/listen: %s", errname(errno));
		return -1;
	}
	return 0;
}

/* everything readable on s now (after waiting up to ms for some) */
static void victim_recv(int s, int ms, char *out, size_t len)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	char data[512];
	size_t got = 0;
	ssize_t r;

	poll(&p, 1, ms);
	for (;;) {
		r = recv(s, data + got, sizeof(data) - 1 - got, MSG_DONTWAIT);
		if (r <= 0)
			break;
		got += r;
		sleep_ms(5);	/* a second segment just behind */
	}
	if (got) {
		data[got] = 0;
		snprintf(out, len, "recv '%.200s'", data);
	} else if (r == 0) {
		snprintf(out, len, "recv EOF");
	} else {
		snprintf(out, len, "recv %s", errname(errno));
	}
}

/*
 * The handshake by hand: SYN (MSS 1460), the SYN-ACK, and the ACK when
 * ack is set.  0 and *v, or -1.
 */
static int handshake(struct env *e, uint16_t sport, uint32_t a, uint32_t *v,
		     bool ack)
{
	struct craft k = {
		.sport = sport, .seq = a, .flags = F_SYN,
		.opts = (const uint8_t *)"\x02\x04\x05\xb4", .optlen = 4,
	};
	struct raw_seg s[4];
	int n;

	raw_drain(&e->raw);
	if (send_seg(e, &k))
		return -1;
	n = raw_collect(&e->raw, sport, 1500, 0, s, 4);
	if (n < 1 || s[0].flags != (F_SYN | F_ACK) || s[0].ack != a + 1)
		return -1;
	*v = s[0].seq;
	if (!ack)
		return 0;
	memset(&k, 0, sizeof(k));
	k.sport = sport;
	k.seq = a + 1;
	k.ack = *v + 1;
	k.flags = F_ACK;
	return send_seg(e, &k) ? -1 : 0;
}

static void case_craft(const struct bcase *c, struct craft *k, uint16_t sport,
		       uint32_t seq, uint32_t ack)
{
	memset(k, 0, sizeof(*k));
	k->sport = sport;
	k->seq = seq;
	k->ack = ack;
	k->flags = c->flags;
	k->doff = c->doff;
	k->opts = (const uint8_t *)c->opts;
	k->optlen = c->optlen;
	k->data = (const uint8_t *)c->data;
	k->dlen = c->dlen;
	k->tcplen = c->tcplen;
	k->csum = c->csum;
}

static uint32_t case_isn(int grp, int i)
{
	return 0x10000000u * (grp + 1) + 0x00100000u * i + 0x1234;
}

static struct cres *new_res(struct env *e, const char *name)
{
	struct cres *r;

	if (e->r->n >= MAX_CASES)
		abort();
	r = &e->r->c[e->r->n++];
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->answer, sizeof(r->answer), "not run");
	snprintf(r->state, sizeof(r->state), "not run");
	snprintf(r->counters, sizeof(r->counters), "not run");
	snprintf(r->post, sizeof(r->post), "not run");
	return r;
}

/* ------------------------------------------------------------------ */
/* LISTEN                                                              */
/* ------------------------------------------------------------------ */

static void listen_case(struct env *e, const struct bcase *c, int i)
{
	struct cres *r = new_res(e, c->name);
	uint16_t sport = 10000 + i;
	uint32_t a = case_isn(0, i), v = 0;
	bool vk = false;
	struct craft k;
	struct raw_seg s[8];
	struct ctrs before;
	int n, st;

	raw_drain(&e->raw);
	case_craft(c, &k, sport, a + c->seq_off, LST_ACK + c->ack_off);
	ctr_read(&before);
	if (send_seg(e, &k)) {
		snprintf(r->answer, sizeof(r->answer), "send: %s", errname(errno));
		return;
	}
	n = raw_collect(&e->raw, sport, ANSWER_MS, QUIET_MS, s, 8);
	fmt_segs(r->answer, sizeof(r->answer), s, n, a, &v, &vk);
	ctr_delta(e, &before, r->counters, sizeof(r->counters));
	st = tuple_state(e, sport);
	snprintf(r->state, sizeof(r->state), "listener %s, 4-tuple %s",
		 state_name(listener_state(e)), state_name(st));
	n = raw_accept_wait(e->l, 0);
	if (n >= 0) {
		snprintf(r->post, sizeof(r->post), "accept ok (a connection!)");
		close_reset(n);
	} else {
		snprintf(r->post, sizeof(r->post), "accept %s", errname(-n));
	}
	if (vk || st > 0) {	/* a request: end it */
		memset(&k, 0, sizeof(k));
		k.sport = sport;
		k.seq = a + 1;
		k.flags = F_RST;
		send_seg(e, &k);
		sleep_ms(20);
	}
}

/*
 * data "PROBE" at seq with ACK v + 1 + acked (and options); its answer,
 * then the victim's side
 */
static void probe_opts(struct env *e, int s, uint16_t sport, uint32_t a,
		       uint32_t v, uint32_t seq, uint32_t acked,
		       const uint8_t *opts, int optlen, char *out, size_t len)
{
	struct craft k = {
		.sport = sport, .seq = seq, .ack = v + 1 + acked,
		.flags = F_ACK | F_PSH, .opts = opts, .optlen = optlen,
		.data = (const uint8_t *)"PROBE", .dlen = 5,
	};
	struct raw_seg g[8];
	char txt[TXT], rv[96];
	bool vk = true;
	int n;

	raw_drain(&e->raw);
	send_seg(e, &k);
	n = raw_collect(&e->raw, sport, 600, QUIET_MS, g, 8);
	fmt_segs(txt, sizeof(txt), g, n, a, &v, &vk);
	snprintf(out, len, "probe: %s", txt);
	if (s < 0)
		return;
	victim_recv(s, 300, rv, sizeof(rv));
	appendf(out, len, "; %s", rv);
	raw_drain(&e->raw);
	errno = 0;
	n = send(s, "pong", 4, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		appendf(out, len, "; send %s", errname(errno));
		return;
	}
	appendf(out, len, "; send %d", n);
	/* its first transmission only: we never ACK it */
	n = raw_collect(&e->raw, sport, 600, 0, g, 1);
	fmt_segs(txt, sizeof(txt), g, n, a, &v, &vk);
	appendf(out, len, ": %s", txt);
}

static void probe(struct env *e, int s, uint16_t sport, uint32_t a,
		  uint32_t v, uint32_t seq, char *out, size_t len)
{
	probe_opts(e, s, sport, a, v, seq, 0, NULL, 0, out, len);
}

static void grp_listen(struct env *e)
{
	uint32_t a = case_isn(0, 31), v;
	struct cres *r;
	int s;

	for (unsigned int i = 0; i < ARRAY_LEN(listen_cases); i++)
		listen_case(e, &listen_cases[i], i);

	/* the listener after all that: a valid connection works */
	r = new_res(e, "valid_connection_afterwards");
	if (handshake(e, 10100, a, &v, true)) {
		snprintf(r->answer, sizeof(r->answer), "handshake failed");
		return;
	}
	snprintf(r->answer, sizeof(r->answer), "handshake ok");
	s = raw_accept_wait(e->l, 1000);
	snprintf(r->state, sizeof(r->state), "accept %s, %s",
		 s >= 0 ? "ok" : errname(-s), state_name(tuple_state(e, 10100)));
	snprintf(r->counters, sizeof(r->counters), "-");
	probe(e, s, 10100, a, v, a + 1, r->post, sizeof(r->post));
	if (s >= 0)
		close_reset(s);
}

/* ------------------------------------------------------------------ */
/* SYN_RECV                                                            */
/* ------------------------------------------------------------------ */

static void synrecv_case(struct env *e, const struct bcase *c, int i)
{
	struct cres *r = new_res(e, c->name);
	uint16_t sport = 20000 + i;
	uint32_t a = case_isn(1, i), v;
	struct craft k;
	struct raw_seg g[8];
	struct ctrs before;
	char txt[TXT];
	bool vk = true;
	int n, s;

	if (handshake(e, sport, a, &v, false)) {
		snprintf(r->answer, sizeof(r->answer), "no SYN-ACK to the SYN");
		return;
	}
	case_craft(c, &k, sport, a + 1 + c->seq_off, v + 1 + c->ack_off);
	ctr_read(&before);
	raw_drain(&e->raw);
	send_seg(e, &k);
	n = raw_collect(&e->raw, sport, ANSWER_MS, QUIET_MS, g, 8);
	fmt_segs(r->answer, sizeof(r->answer), g, n, a, &v, &vk);
	ctr_delta(e, &before, r->counters, sizeof(r->counters));
	snprintf(r->state, sizeof(r->state), "%s",
		 state_name(tuple_state(e, sport)));

	/* the final ACK, with data */
	memset(&k, 0, sizeof(k));
	k.sport = sport;
	k.seq = a + 1;
	k.ack = v + 1;
	k.flags = F_ACK | F_PSH;
	k.data = (const uint8_t *)"PROBE";
	k.dlen = 5;
	raw_drain(&e->raw);
	send_seg(e, &k);
	n = raw_collect(&e->raw, sport, 600, QUIET_MS, g, 8);
	fmt_segs(txt, sizeof(txt), g, n, a, &v, &vk);
	snprintf(r->post, sizeof(r->post), "final: %s", txt);
	s = raw_accept_wait(e->l, n && (g[0].flags & F_RST) ? 0 : 300);
	if (s < 0) {
		appendf(r->post, sizeof(r->post), "; accept %s", errname(-s));
		return;
	}
	victim_recv(s, 300, txt, sizeof(txt));
	appendf(r->post, sizeof(r->post), "; accept ok; %s", txt);
	close_reset(s);
}

static void grp_synrecv(struct env *e)
{
	for (unsigned int i = 0; i < ARRAY_LEN(synrecv_cases); i++)
		synrecv_case(e, &synrecv_cases[i], i);
}

/* ------------------------------------------------------------------ */
/* ESTABLISHED                                                         */
/* ------------------------------------------------------------------ */

static void est_case(struct env *e, const struct bcase *c, int i)
{
	struct cres *r = new_res(e, c->name);
	uint16_t sport = 30000 + i;
	uint32_t a = case_isn(2, i), v, rcv;
	struct craft k;
	struct raw_seg g[8];
	struct ctrs before;
	bool vk = true;
	int n, s;

	if (handshake(e, sport, a, &v, true)) {
		snprintf(r->answer, sizeof(r->answer), "handshake failed");
		return;
	}
	s = raw_accept_wait(e->l, 1000);
	if (s < 0) {
		snprintf(r->answer, sizeof(r->answer), "accept: %s", errname(-s));
		return;
	}
	rcv = a + 1;
	if (c->pre) {
		memset(&k, 0, sizeof(k));
		k.sport = sport;
		k.seq = rcv;
		k.ack = v + 1;
		k.flags = F_ACK | F_PSH;
		k.data = (const uint8_t *)c->pre;
		k.dlen = strlen(c->pre);
		send_seg(e, &k);
		rcv += k.dlen;
		n = raw_collect(&e->raw, sport, 600, QUIET_MS, g, 8);
		if (!n || g[n - 1].ack != rcv) {
			snprintf(r->answer, sizeof(r->answer),
				 "data before the case not acked");
			close_reset(s);
			return;
		}
	}
	case_craft(c, &k, sport, rcv + c->seq_off, v + 1 + c->ack_off);
	raw_drain(&e->raw);
	ctr_read(&before);
	send_seg(e, &k);
	n = raw_collect(&e->raw, sport, ANSWER_MS, QUIET_MS, g, 8);
	fmt_segs(r->answer, sizeof(r->answer), g, n, a, &v, &vk);
	ctr_delta(e, &before, r->counters, sizeof(r->counters));
	snprintf(r->state, sizeof(r->state), "%s",
		 state_name(tuple_state(e, sport)));
	probe(e, s, sport, a, v, rcv + c->adv, r->post, sizeof(r->post));
	close_reset(s);
}

static void grp_est(struct env *e)
{
	for (unsigned int i = 0; i < ARRAY_LEN(est_cases); i++)
		est_case(e, &est_cases[i], i);
}

/* ------------------------------------------------------------------ */
/* ESTABLISHED, with options: SACK, timestamps, unsent data ACKed      */
/* ------------------------------------------------------------------ */

/*
 * The final ACK of these handshakes comes HS_DELAY_MS after the SYN-ACK:
 * 6.1 takes that as the first RTT sample, so its RTO (and its tail loss
 * probe) is over a second away while a case runs: no timer of the victim
 * fires into an answer.
 */
#define HS_DELAY_MS	600
#define MSS		1460

static int put_ts(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	put_be32(o + 4, val);
	put_be32(o + 8, ecr);
	return 12;
}

/* The SACK option of case c (NOP NOP SACK ..., EOL-padded); its length */
static int put_sack(uint8_t *o, int room, const struct bcase *c, uint32_t v)
{
	int n = 0, len = c->sack_len ? c->sack_len : 2 + 8 * c->nsack, body;
	uint8_t blocks[32];

	if (!c->nsack && !c->sack_len)
		return 0;
	memset(blocks, 0, sizeof(blocks));
	for (int i = 0; i < c->nsack; i++) {
		put_be32(blocks + 8 * i, v + 1 + c->sack[i][0]);
		put_be32(blocks + 8 * i + 4, v + 1 + c->sack[i][1]);
	}
	o[n++] = 1;
	o[n++] = 1;
	o[n++] = 5;
	o[n++] = len;
	body = len - 2;
	if (body > room - n)		/* a length past the option space */
		body = room - n;
	for (int i = 0; i < body; i++)
		o[n++] = i < (int)sizeof(blocks) ? blocks[i] : 0;
	while (n % 4)
		o[n++] = 0;
	return n;
}

/* a handshake with options; the victim's TSval in *vts */
static int handshake_opts(struct env *e, uint16_t sport, uint32_t a,
			  uint32_t *v, uint32_t *vts, const struct bcase *c,
			  int ws, uint16_t win, char *synack, size_t sl)
{
	uint8_t o[40];
	struct craft k = { .sport = sport, .seq = a, .flags = F_SYN, .opts = o };
	struct raw_seg g[4];
	bool vk = false;
	int n = 0;

	o[n++] = 2;
	o[n++] = 4;
	n += put_be16(o + n, MSS);
	if (c->sackperm) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 4;
		o[n++] = 2;
	}
	if (c->ts0)
		n += put_ts(o + n, c->ts0, 0);
	if (ws >= 0) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = ws;
	}
	k.optlen = n;
	raw_drain(&e->raw);
	if (send_seg(e, &k))
		return -1;
	n = raw_collect(&e->raw, sport, 1500, 0, g, 4);
	if (n < 1 || g[0].flags != (F_SYN | F_ACK) || g[0].ack != a + 1)
		return -1;
	if (synack)
		fmt_segs(synack, sl, g, 1, a, v, &vk);
	*v = g[0].seq;
	*vts = g[0].ts ? g[0].tsval : 0;
	sleep_ms(HS_DELAY_MS);
	memset(&k, 0, sizeof(k));
	k.sport = sport;
	k.seq = a + 1;
	k.ack = *v + 1;
	k.flags = F_ACK;
	k.win = win;
	if (c->ts0) {
		k.opts = o;
		k.optlen = put_ts(o, c->ts0, *vts);
	}
	return send_seg(e, &k) ? -1 : 0;
}

/*
 * The victim sends len bytes at once (TCP_NODELAY), nothing ACKs them:
 * the bytes and (*nseg) segments seen, in g
 */
static int victim_flight(struct env *e, int s, uint16_t sport, int len,
			 struct raw_seg *g, int max, int *nseg)
{
	static char buf[65536];
	int n, got = 0;

	memset(buf, 'V', sizeof(buf));
	setint(s, SOL_SOCKET, SO_SNDBUF, 1 << 18);
	setint(s, IPPROTO_TCP, TCP_NODELAY, 1);
	raw_drain(&e->raw);
	if (send(s, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) != len)
		return -1;
	n = raw_collect(&e->raw, sport, 600, QUIET_MS, g, max);
	for (int i = 0; i < n; i++)
		got += g[i].len;
	if (nseg)
		*nseg = n;
	return got;
}

static void est2_case(struct env *e, const struct bcase *c, int i, int grp)
{
	struct cres *r = new_res(e, c->name);
	uint16_t sport = 31000 + 100 * grp + i;
	uint32_t a = case_isn(4 + grp, i), v, vts = 0, rcv;
	uint8_t o[40], po[40];
	struct craft k;
	struct raw_seg g[32];
	struct ctrs before;
	char txt[TXT];
	bool vk = true;
	int n, s, on = 0, pn = 0;

	if (handshake_opts(e, sport, a, &v, &vts, c, -1, 0, NULL, 0)) {
		snprintf(r->answer, sizeof(r->answer), "handshake failed");
		return;
	}
	s = raw_accept_wait(e->l, 1000);
	if (s < 0) {
		snprintf(r->answer, sizeof(r->answer), "accept: %s", errname(-s));
		return;
	}
	rcv = a + 1;
	if (c->inflight) {
		n = victim_flight(e, s, sport, c->inflight, g, 32, NULL);
		if (n != c->inflight) {
			snprintf(r->answer, sizeof(r->answer),
				 "victim sent %d of %d bytes", n, c->inflight);
			close_reset(s);
			return;
		}
	}
	if (c->pre_fin) {
		memset(&k, 0, sizeof(k));
		k.sport = sport;
		k.seq = rcv;
		k.ack = v + 1;
		k.flags = F_FIN | F_ACK;
		raw_drain(&e->raw);
		send_seg(e, &k);
		n = raw_collect(&e->raw, sport, 600, QUIET_MS, g, 8);
		if (!n || g[n - 1].ack != rcv + 1) {
			snprintf(r->answer, sizeof(r->answer), "FIN not acked");
			close_reset(s);
			return;
		}
		rcv++;
	}

	/* the case */
	case_craft(c, &k, sport, rcv + c->seq_off, v + 1 + c->ack_off);
	if (c->ts0)
		on = put_ts(o, c->tsval, 0);
	on += put_sack(o + on, 40 - on, c, v);
	k.opts = o;
	k.optlen = on;
	raw_drain(&e->raw);
	ctr_read(&before);
	send_seg(e, &k);
	n = raw_collect(&e->raw, sport, ANSWER_MS, QUIET_MS, g, 8);
	fmt_segs(r->answer, sizeof(r->answer), g, n, a, &v, &vk);
	ctr_delta(e, &before, r->counters, sizeof(r->counters));
	snprintf(r->state, sizeof(r->state), "%s",
		 state_name(tuple_state(e, sport)));

	/* afterwards: everything ACKed, then data both ways */
	rcv += c->adv;
	if (c->ts0)
		pn = put_ts(po, (c->ts_ok ? c->tsval : c->ts0) + 1, 0);
	r->post[0] = 0;
	if (c->inflight) {
		memset(&k, 0, sizeof(k));
		k.sport = sport;
		k.seq = rcv;
		k.ack = v + 1 + c->inflight;
		k.flags = F_ACK;
		k.opts = po;
		k.optlen = pn;
		raw_drain(&e->raw);
		send_seg(e, &k);
		n = raw_collect(&e->raw, sport, ANSWER_MS, QUIET_MS, g, 8);
		fmt_segs(txt, sizeof(txt), g, n, a, &v, &vk);
		snprintf(r->post, sizeof(r->post), "all acked: %s; ", txt);
	}
	if (c->pre_fin) {
		victim_recv(s, 300, txt, sizeof(txt));
		appendf(r->post, sizeof(r->post), "%s", txt);
		raw_drain(&e->raw);
		n = send(s, "pong", 4, MSG_NOSIGNAL | MSG_DONTWAIT);
		appendf(r->post, sizeof(r->post), "; send %d", n);
		n = raw_collect(&e->raw, sport, 600, 0, g, 1);
		fmt_segs(txt, sizeof(txt), g, n, a, &v, &vk);
		appendf(r->post, sizeof(r->post), ": %s", txt);
	} else {
		probe_opts(e, s, sport, a, v, rcv, c->inflight, po, pn, txt,
			   sizeof(txt));
		appendf(r->post, sizeof(r->post), "%s", txt);
	}
	close_reset(s);
}

/*
 * SACK blocks on ACKs to a victim with three full segments in flight
 * (v+1 .. v+4381).  6.1 discards blocks outside snd_una..snd_nxt (a block
 * below snd_una in first place is a D-SACK, ignored outside recovery),
 * parses at most what the option space holds, and ignores a SACK option
 * whose length is not 2 + 8n.  The cases that SACK data ACK the segments
 * below it too, so that no loss is to be inferred (RACK would retransmit
 * an un-SACKed segment below a SACKed one at once).  Then all is ACKed and
 * data must flow both ways.
 */
#define SK(nm, ack, n, ...)						\
	{ .name = nm, .flags = F_ACK, .ack_off = ack, .inflight = 3 * MSS, \
	  .sackperm = true, .nsack = n, .sack = { __VA_ARGS__ } }
#define POST_ACKED	"all acked: none; probe: ACK seq=v+4381 ack=a+6 win; " \
			"recv 'PROBE'; send 4: PSH|ACK seq=v+4381 ack=a+6 win len=4"

static const struct bcase sack_cases[] = {
	SK("sack_beyond_snd_nxt", 0, 1, { 3 * MSS, 4 * MSS }),
	SK("sack_reversed_block", 0, 1, { 2 * MSS, MSS }),
	SK("sack_far_out_of_window", 0, 1, { 0x40000000, 0x40000000 + MSS }),
	SK("sack_below_snd_una", MSS, 1, { -1000, -500 }),
	SK("sack_dsack_acked_data", MSS, 1, { 0, MSS }),
	SK("sack_overlapping", MSS, 3, { MSS, 2 * MSS + 500 },
	   { 2 * MSS, 3 * MSS }, { MSS + 300, 3 * MSS }),
	SK("sack_4_blocks", MSS, 4, { 2 * MSS, 3 * MSS }, { MSS, 2 * MSS },
	   { 5000, 6000 }, { MSS, 3 * MSS }),
	SK("sack_in_window_then_beyond", MSS, 2, { 2 * MSS, 3 * MSS },
	   { 3 * MSS, 3 * MSS + 1 }),
	{ .name = "sack_5_blocks_overrun", .flags = F_ACK, .ack_off = MSS,
	  .inflight = 3 * MSS, .sackperm = true, .nsack = 4, .sack_len = 42,
	  .sack = { { MSS, 2 * MSS }, { 2 * MSS, 3 * MSS }, { MSS, 3 * MSS },
		    { MSS, 3 * MSS } } },
	{ .name = "sack_length_not_2_plus_8n", .flags = F_ACK, .ack_off = MSS,
	  .inflight = 3 * MSS, .sackperm = true, .nsack = 1, .sack_len = 11,
	  .sack = { { MSS, 3 * MSS } } },
	{ .name = "sack_no_blocks", .flags = F_ACK, .ack_off = MSS,
	  .inflight = 3 * MSS, .sackperm = true, .sack_len = 2 },
	{ .name = "sack_not_permitted", .flags = F_ACK, .ack_off = MSS,
	  .inflight = 3 * MSS, .nsack = 1, .sack = { { 2 * MSS, 3 * MSS } } },
};

/*
 * Timestamps across the 32-bit wrap: PAWS (RFC 7323) compares TSvals in
 * serial arithmetic, so 0x10 is newer than 0xfffffff0 and a TSval half
 * the space ahead is still newer, one more is older.  An older one is
 * dropped with a duplicate ACK (PAWSEstab).
 */
#define TS(nm, t0, tv, ok, xa, xc, xp)					\
	{ .name = nm, .flags = F_ACK | F_PSH, .data = "WRAP", .dlen = 4, \
	  .adv = (ok) ? 4 : 0, .ts0 = t0, .tsval = tv, .ts_ok = ok,	\
	  .x_answer = xa, .x_state = "ESTABLISHED", .x_ctr = xc, .x_post = xp }

static const struct bcase ts_cases[] = {
	TS("ts_wrap_forward", 0xfffffff0u, 0x10, true,
	   "ACK seq=v+1 ack=a+5 win ts ecr=0x10",
	   "InSegs+1 OutSegs+1",
	   "probe: ACK seq=v+1 ack=a+10 win ts ecr=0x11; recv 'WRAPPROBE'; send 4: PSH|ACK seq=v+1 ack=a+10 win len=4 ts ecr=0x11"),
	TS("ts_old_across_wrap", 0x10, 0xfffffff0u, false,
	   "ACK seq=v+1 ack=a+1 win ts ecr=0x10",
	   "InSegs+1 OutSegs+1 PAWSEstabRejected+1",
	   "probe: ACK seq=v+1 ack=a+6 win ts ecr=0x11; recv 'PROBE'; send 4: PSH|ACK seq=v+1 ack=a+6 win len=4 ts ecr=0x11"),
	TS("ts_zero_after_wrap", 0xffffff00u, 0, true,
	   "ACK seq=v+1 ack=a+5 win ts ecr=0x0",
	   "InSegs+1 OutSegs+1",
	   "probe: ACK seq=v+1 ack=a+10 win ts ecr=0x1; recv 'WRAPPROBE'; send 4: PSH|ACK seq=v+1 ack=a+10 win len=4 ts ecr=0x1"),
	TS("ts_half_space_ahead", 0x7ffffff0u, 0xfffffff0u, true,
	   "ACK seq=v+1 ack=a+5 win ts ecr=0xfffffff0",
	   "InSegs+1 OutSegs+1",
	   "probe: ACK seq=v+1 ack=a+10 win ts ecr=0xfffffff1; recv 'WRAPPROBE'; send 4: PSH|ACK seq=v+1 ack=a+10 win len=4 ts ecr=0xfffffff1"),
	TS("ts_half_space_plus_1", 0x7ffffff0u, 0xfffffff1u, false,
	   "ACK seq=v+1 ack=a+1 win ts ecr=0x7ffffff0",
	   "InSegs+1 OutSegs+1 PAWSEstabRejected+1",
	   "probe: ACK seq=v+1 ack=a+6 win ts ecr=0x7ffffff1; recv 'PROBE'; send 4: PSH|ACK seq=v+1 ack=a+6 win len=4 ts ecr=0x7ffffff1"),
	TS("ts_same_value", 0xfffffffeu, 0xfffffffeu, true,
	   "ACK seq=v+1 ack=a+5 win ts ecr=0xfffffffe",
	   "InSegs+1 OutSegs+1",
	   "probe: ACK seq=v+1 ack=a+10 win ts ecr=0xffffffff; recv 'WRAPPROBE'; send 4: PSH|ACK seq=v+1 ack=a+10 win len=4 ts ecr=0xffffffff"),
};

/*
 * ACKs of data never sent (after snd_nxt): 6.1's tcp_ack() refuses them;
 * in ESTABLISHED the segment is dropped silently, its data and FIN too;
 * in other states (here CLOSE_WAIT) tcp_rcv_state_process() answers with
 * a challenge ACK.  The victim has three segments in flight.
 */
static const struct bcase ackunsent_cases[] = {
	{ .name = "ack_unsent_in_flight", .flags = F_ACK,
	  .ack_off = 3 * MSS + 1, .inflight = 3 * MSS },
	{ .name = "ack_unsent_far", .flags = F_ACK, .ack_off = 0x20000000,
	  .inflight = 3 * MSS },
	{ .name = "ack_unsent_with_data", .flags = F_ACK | F_PSH,
	  .ack_off = 3 * MSS + 1000, .data = "DATA", .dlen = 4,
	  .inflight = 3 * MSS },
	{ .name = "ack_unsent_fin", .flags = F_ACK | F_FIN,
	  .ack_off = 3 * MSS + 1, .inflight = 3 * MSS },
	{ .name = "ack_unsent_close_wait", .flags = F_ACK,
	  .ack_off = 3 * MSS + 1, .inflight = 3 * MSS, .pre_fin = true },
	{ .name = "ack_partial_close_wait", .flags = F_ACK,
	  .ack_off = 2 * MSS, .inflight = 3 * MSS, .pre_fin = true },
};

static void grp_sack(struct env *e)
{
	for (unsigned int i = 0; i < ARRAY_LEN(sack_cases); i++)
		est2_case(e, &sack_cases[i], i, 0);
}

static void grp_ts(struct env *e)
{
	show_ecr = true;
	for (unsigned int i = 0; i < ARRAY_LEN(ts_cases); i++)
		est2_case(e, &ts_cases[i], i, 1);
	show_ecr = false;
}

static void grp_ackunsent(struct env *e)
{
	for (unsigned int i = 0; i < ARRAY_LEN(ackunsent_cases); i++)
		est2_case(e, &ackunsent_cases[i], i, 2);
}

/* ------------------------------------------------------------------ */
/* Window scale beyond 14                                              */
/* ------------------------------------------------------------------ */

/*
 * A SYN with window scale SHIFT, then the final ACK and every later ACK
 * with window field 1: a window of 1 << min(SHIFT, 14) bytes (RFC 7323
 * 2.3; 6.1 logs "Illegal window scaling value" and clamps).  The victim
 * sends 64 KiB; each segment of its first flight (its initial window, 10
 * segments) is ACKed on its own, which lets slow start double the
 * congestion window, so what is in flight afterwards is bounded by the
 * peer's window: at most 16384 bytes with the shift clamped to 14, more
 * with 15 taken as it is; over 10 segments (14600 bytes) shows it is the
 * window and not the congestion window that bounds it.  (6.1's TSQ
 * throttles the victim here, its pacing rate being low after the slow
 * handshake, so the flights' exact sizes vary: they are logged only.)
 */
#define WS_POST(w, o)	"in flight within 1<<14 " w ", over 10 segments " o

static const struct {
	const char *name;
	int shift;
	const char *x_post;
} ws_cases[] = {
	{ "wscale_13", 13, WS_POST("yes", "no") },
	{ "wscale_14", 14, WS_POST("yes", "yes") },
	{ "wscale_15_clamped", 15, WS_POST("yes", "yes") },
	{ "wscale_255_clamped", 255, WS_POST("yes", "yes") },
};

static void grp_wscale(struct env *e)
{
	static const struct bcase c0 = { .name = "ws" };

	for (unsigned int i = 0; i < ARRAY_LEN(ws_cases); i++) {
		struct cres *r = new_res(e, ws_cases[i].name);
		uint16_t sport = 32000 + i;
		uint32_t a = case_isn(7, i), v, vts, last = 0, end = 0;
		struct raw_seg g[64];
		int s, n, nseg = 0;

		if (handshake_opts(e, sport, a, &v, &vts, &c0, ws_cases[i].shift,
				   1, r->answer, sizeof(r->answer))) {
			snprintf(r->answer, sizeof(r->answer), "handshake failed");
			continue;
		}
		s = raw_accept_wait(e->l, 1000);
		snprintf(r->state, sizeof(r->state), "accept %s, %s",
			 s >= 0 ? "ok" : errname(-s),
			 state_name(tuple_state(e, sport)));
		snprintf(r->counters, sizeof(r->counters), "-");
		if (s < 0)
			continue;
		if (victim_flight(e, s, sport, 65536, g, 64, &nseg) <= 0) {
			snprintf(r->post, sizeof(r->post), "victim sent nothing");
			close_reset(s);
			continue;
		}
		/* ACK each segment of the first flight, window field 1 */
		for (int j = 0; j < nseg; j++) {
			struct craft k = {
				.sport = sport, .seq = a + 1, .flags = F_ACK,
				.ack = g[j].seq + g[j].len, .win = 1,
			};

			if ((int32_t)(k.ack - end) > 0 || !end)
				end = k.ack;
			if ((int32_t)(k.ack - last) > 0 || !last) {
				last = k.ack;
				send_seg(e, &k);
			}
		}
		n = raw_collect(&e->raw, sport, 300, 100, g, 64);
		for (int j = 0; j < n; j++)
			if ((int32_t)(g[j].seq + g[j].len - end) > 0)
				end = g[j].seq + g[j].len;
		/* the flights' sizes depend on TSQ's timing: not shown */
		snprintf(r->post, sizeof(r->post),
			 "in flight within 1<<14 %s, over 10 segments %s",
			 end - last <= 16384 ? "yes" : "no",
			 end - last > 10 * MSS ? "yes" : "no");
		ksft_print_msg("%s %s: first flight %d segments, then %u bytes in flight\n",
			       e->fam == AF_INET ? "INET" : "XTCP", ws_cases[i].name,
			       nseg, end - last);
		close_reset(s);
	}
}

/* ------------------------------------------------------------------ */
/* Corrupted payloads in a transfer                                    */
/* ------------------------------------------------------------------ */

/*
 * 16 data segments of 1000 bytes to a connection, in order; segments 1,
 * 5, 9 and 13 go first with one payload bit flipped (the checksum no
 * longer matches: dropped, InCsumErrors), then intact.  The victim must
 * ACK all 16000 bytes and read exactly what was sent.  Compared: the
 * highest ACK, the checksum counters, the data read.
 */
#define CT_SEGS		16
#define CT_LEN		1000

static void grp_corrupt(struct env *e)
{
	static uint8_t data[CT_SEGS * CT_LEN], got[CT_SEGS * CT_LEN + 1];
	struct cres *r = new_res(e, "corrupt_payload_transfer");
	uint32_t a = case_isn(8, 0), v, top;
	struct ctrs before, after;
	uint16_t sport = 33000;
	struct raw_seg g[64];
	long end, n = 0;
	int s, m;

	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = 'a' + (i * 7 + i / 26) % 26;
	if (handshake(e, sport, a, &v, true)) {
		snprintf(r->answer, sizeof(r->answer), "handshake failed");
		return;
	}
	s = raw_accept_wait(e->l, 1000);
	if (s < 0) {
		snprintf(r->answer, sizeof(r->answer), "accept: %s", errname(-s));
		return;
	}
	top = a + 1;
	raw_drain(&e->raw);
	ctr_read(&before);
	for (int i = 0; i < CT_SEGS; i++) {
		struct craft k = {
			.sport = sport, .seq = a + 1 + i * CT_LEN, .ack = v + 1,
			.flags = F_ACK | F_PSH, .data = data + i * CT_LEN,
			.dlen = CT_LEN,
		};

		if (i % 4 == 1) {
			k.csum = CS_DATA;
			send_seg(e, &k);
			sleep_ms(20);
			k.csum = CS_OK;
		}
		send_seg(e, &k);
		sleep_ms(5);
	}
	/* the victim's ACKs (delayed ones within 200 ms) */
	m = raw_collect(&e->raw, sport, ANSWER_MS, ANSWER_MS, g, 64);
	for (int i = 0; i < m; i++)
		if ((g[i].flags & F_ACK) && (int32_t)(g[i].ack - top) > 0)
			top = g[i].ack;
	ctr_read(&after);
	snprintf(r->answer, sizeof(r->answer), "highest ACK a%+d",
		 (int32_t)(top - a));
	snprintf(r->counters, sizeof(r->counters), "InErrs%+ld InCsumErrors%+ld",
		 after.v[3] - before.v[3], after.v[4] - before.v[4]);
	snprintf(r->state, sizeof(r->state), "%s",
		 state_name(tuple_state(e, sport)));
	end = now_ms() + 2000;
	while (n < (long)sizeof(data) && now_ms() < end) {
		ssize_t k = recv(s, got + n, sizeof(got) - n, MSG_DONTWAIT);

		if (k > 0)
			n += k;
		else if (k == 0)
			break;
		else
			sleep_ms(10);
	}
	snprintf(r->post, sizeof(r->post), "recv %ld bytes, %s", n,
		 n == (long)sizeof(data) && !memcmp(got, data, n) ?
		 "exact" : "NOT what was sent");
	close_reset(s);
}

/* ------------------------------------------------------------------ */
/* Flood                                                               */
/* ------------------------------------------------------------------ */

static uint64_t rnd_state;

static uint32_t rnd(void)
{
	uint64_t x = rnd_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rnd_state = x;
	return (x * 0x2545f4914f6cdd1dULL) >> 32;
}

/* the SYNs the flood sent from a port, to reset the requests they made */
struct synseqs {
	unsigned int n;
	uint32_t seq[4];	/* the first ones; all of them for 40001 */
};

struct reqs_arg {
	uint16_t ports[1024];
	int n;
};

static bool reqs_cb(const struct proc_ent *pe, void *arg)
{
	struct reqs_arg *ra = arg;

	if (pe->lport == VPORT && pe->st == ST_SYN_RECV &&
	    ra->n < (int)ARRAY_LEN(ra->ports))
		ra->ports[ra->n++] = pe->rport;
	return false;
}

/*
 * End the requests the flood made (else they would hold the listener and
 * the netns for a minute of SYN-ACK retries): a RST at each SYN's seq + 1
 * (the exact one resets the request, the others at most get a challenge
 * ACK).  Returns how many requests are left after a second.
 */
static int flood_reset_requests(struct env *e, const struct synseqs *syns,
				uint16_t rport, uint32_t ra,
				const uint32_t *more, int nmore)
{
	struct reqs_arg q = { .n = 0 };
	long end = now_ms() + 1000;

	proc_walk(proc_path(e->fam), reqs_cb, &q);
	for (int i = 0; i < q.n; i++) {
		struct craft k = { .sport = q.ports[i], .flags = F_RST };

		if (q.ports[i] == rport) {
			k.seq = ra + 1;
			send_seg(e, &k);
			for (int j = 0; j < nmore; j++) {
				k.seq = more[j] + 1;
				send_seg(e, &k);
			}
		}
		for (unsigned int j = 0; syns && j < syns[q.ports[i]].n; j++) {
			k.seq = syns[q.ports[i]].seq[j] + 1;
			send_seg(e, &k);
		}
	}
	do {
		q.n = 0;
		proc_walk(proc_path(e->fam), reqs_cb, &q);
		if (!q.n)
			break;
		sleep_ms(50);
	} while (now_ms() < end);
	raw_drain(&e->raw);
	return q.n;
}

static void grp_flood(struct env *e)
{
	uint32_t ae = case_isn(3, 0), ar = case_isn(3, 1), ac = case_isn(3, 2);
	uint32_t ve = 0, vr = 0, vc;
	uint8_t opts[40], data[120];
	struct ctrs c0, c1;
	struct cres *r;
	long t0;
	int s, se = -1;

	bool trace = getenv("XTCP_BADSEG_FLOOD_TRACE");
	struct synseqs *syns = calloc(65536, sizeof(*syns));
	static uint32_t rseqs[FLOOD_N];
	int nrs = 0;

	rnd_state = 0x5eedbad5e6ULL;
	e->r->traced = trace;
	r = new_res(e, "flood");
	if (handshake(e, 40000, ae, &ve, true) == 0)
		se = raw_accept_wait(e->l, 1000);
	if (handshake(e, 40001, ar, &vr, false))
		vr = 0;
	ctr_read(&c0);
	t0 = now_ms();
	for (int i = 0; i < FLOOD_N; i++) {
		struct craft k;
		uint32_t x = rnd();
		int which = x % 4;

		memset(&k, 0, sizeof(k));
		k.sport = which == 0 ? 40000 : which == 1 ? 40001 :
			  1024 + rnd() % 38000;
		k.flags = rnd() & 0xff;
		if (rnd() % 2 == 0)
			k.flags &= 0x3f;
		k.seq = rnd();
		k.ack = rnd();
		if (which < 2 && rnd() % 2) {
			uint32_t a = which ? ar : ae, v = which ? vr : ve;

			k.seq = a + 1 + rnd() % 2000 - 1000;
			k.ack = v + 1 + rnd() % 64 - 32;
		}
		k.optlen = rnd() % 3 ? 0 : (rnd() % 11) * 4;
		for (int j = 0; j < k.optlen; j++)
			opts[j] = rnd() % 4 ? rnd() % 10 : rnd();
		k.opts = opts;
		k.dlen = rnd() % 3 ? 0 : rnd() % sizeof(data);
		for (int j = 0; j < k.dlen; j++)
			data[j] = rnd();
		k.data = data;
		if (rnd() % 4 == 0)
			k.doff = D(rnd() % 16);
		if (rnd() % 8 == 0)
			k.tcplen = 1 + rnd() % (20 + k.optlen + k.dlen);
		k.csum = rnd() % 5 == 0 ? CS_HDR : CS_OK;
		k.win = rnd();
		send_seg(e, &k);
		if ((k.flags & F_SYN) && which >= 1 && syns) {
			struct synseqs *q = &syns[k.sport];

			if (q->n < ARRAY_LEN(q->seq))
				q->seq[q->n++] = k.seq;
			else if (which == 1 && nrs < (int)ARRAY_LEN(rseqs))
				rseqs[nrs++] = k.seq;
		}
		if (trace && which < 2) {
			char f[40], q[24], w[24];

			sleep_ms(3);
			e->r->fst[i][0] = tuple_state(e, 40000);
			e->r->fst[i][1] = tuple_state(e, 40001);
			rel(q, sizeof(q), "a", k.seq, which ? ar : ae, true);
			rel(w, sizeof(w), "v", k.ack, which ? vr : ve, true);
			snprintf(e->r->fdesc[i], sizeof(e->r->fdesc[i]),
				 "to the %s: %s seq=%s ack=%s doff=%d opt=%d data=%d cut=%d%s",
				 which ? "request" : "connection",
				 flag_str(k.flags, f, sizeof(f)), q, w,
				 k.doff ? k.doff & 0xff : 5 + k.optlen / 4,
				 k.optlen, k.dlen, k.tcplen,
				 k.csum ? " bad-csum" : "");
		}
		if (i % 50 == 49) {	/* within netdev_max_backlog */
			raw_drain(&e->raw);
			sleep_ms(2);
		}
	}
	sleep_ms(300);
	raw_drain(&e->raw);
	ctr_read(&c1);
	snprintf(e->r->info, sizeof(e->r->info),
		 "%d segments in %ld ms, InSegs %+ld InErrs %+ld OutSegs %+ld; "
		 "connection afterwards %s, request %s",
		 FLOOD_N, now_ms() - t0, c1.v[0] - c0.v[0], c1.v[3] - c0.v[3],
		 c1.v[1] - c0.v[1], state_name(tuple_state(e, 40000)),
		 state_name(tuple_state(e, 40001)));
	snprintf(r->answer, sizeof(r->answer), "survived");
	snprintf(r->state, sizeof(r->state), "listener %s",
		 state_name(listener_state(e)));
	/*
	 * Compared: every segment reached TCP, and the checksum errors.  The
	 * other counters and the connection's fate depend on the rate
	 * limits' timing and on the out-of-order queue: logged only.
	 */
	snprintf(r->counters, sizeof(r->counters), "InSegs%+ld InCsumErrors%+ld",
		 c1.v[0] - c0.v[0], c1.v[4] - c0.v[4]);
	if (se >= 0)
		close_reset(se);

	/* a valid connection still works */
	r = new_res(e, "valid_connection_after_flood");
	if (handshake(e, 40002, ac, &vc, true)) {
		snprintf(r->answer, sizeof(r->answer), "handshake failed");
		return;
	}
	snprintf(r->answer, sizeof(r->answer), "handshake ok");
	s = raw_accept_wait(e->l, 1000);
	/* the flood may have completed a connection of its own: skip those */
	while (s >= 0) {
		struct sockaddr_in p = name_of(s, true);

		if (ntohs(p.sin_port) == 40002)
			break;
		close_reset(s);
		s = raw_accept_wait(e->l, 300);
	}
	snprintf(r->state, sizeof(r->state), "accept %s, %s",
		 s >= 0 ? "ok" : errname(-s), state_name(tuple_state(e, 40002)));
	snprintf(r->counters, sizeof(r->counters), "-");
	probe(e, s, 40002, ac, vc, ac + 1, r->post, sizeof(r->post));
	if (s >= 0)
		close_reset(s);
	appendf(e->r->info, sizeof(e->r->info),
		"; requests left after resetting them: %d",
		flood_reset_requests(e, syns, 40001, ar, rseqs, nrs));
	free(syns);
}

/* ------------------------------------------------------------------ */
/* Running and comparing                                               */
/* ------------------------------------------------------------------ */

typedef void (*group_fn)(struct env *e);

/* A path check: a SYN to a closed port of B gets a RST (retried). */
static int path_check(struct env *e)
{
	struct craft k = {
		.sport = 9999, .dport = VPORT + 1, .seq = 1, .flags = F_SYN,
	};
	struct raw_seg g[4];

	for (int i = 0; i < 10; i++) {
		raw_drain(&e->raw);
		if (send_seg(e, &k)) {
			fatal(e, "path check: sendto: %s", errname(errno));
			return -1;
		}
		if (raw_collect(&e->raw, 9999, 500, 0, g, 4) && (g[0].flags & F_RST))
			return 0;
	}
	fatal(e, "path check: no RST from B to a SYN on a closed port");
	return -1;
}

static bool left_cb(const struct proc_ent *pe, void *arg)
{
	char *buf = arg;

	appendf(buf, sizeof(((struct run *)0)->left), "%s%d-%d:%s",
		buf[0] ? " " : "", pe->lport, pe->rport, st_name(pe->st));
	return false;
}

/*
 * At the end of a run, the listener closed: what /proc still lists after
 * a second (request socks wait for their timer); logged when objects
 * leak.
 */
static void record_left(struct env *e)
{
	char *buf = e->r->left;
	long end = now_ms() + 1000;

	if (e->l >= 0)
		close(e->l);
	e->l = -1;
	do {
		buf[0] = 0;
		proc_walk(proc_path(e->fam), left_cb, buf);
		if (!buf[0])
			break;
		sleep_ms(50);
	} while (now_ms() < end);
	if (!buf[0])
		snprintf(buf, sizeof(e->r->left), "nothing");
}

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
		if (env_setup(&e) || path_check(&e) || make_listener(&e))
			_exit(0);
		r->setup_ms = now_ms() - t0;
		fn(&e);
		record_left(&e);
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
		const struct cres *c = &r->c[i];

		TH_LOG("%s [%s] answer: %s", who, c->name, c->answer);
		TH_LOG("%s [%s] state: %s; counters: %s", who, c->name,
		       c->state, c->counters);
		TH_LOG("%s [%s] post: %s", who, c->name, c->post);
	}
	if (r->info[0])
		TH_LOG("%s info: %s", who, r->info);
}

/* a run that could not do its job: log why; false */
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

/* The AF_INET run against the 6.1 results of the table; mismatches */
static int check_ref(struct __test_metadata *_metadata, const struct run *r,
		     const struct bcase *cases, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		const struct bcase *c = &cases[i];
		const struct cres *x = NULL;
		const char *f[4][3];

		for (int j = 0; j < r->n; j++)
			if (!strcmp(r->c[j].name, c->name))
				x = &r->c[j];
		if (!x) {
			TH_LOG("INET reference [%s]: case did not run", c->name);
			bad++;
			continue;
		}
		f[0][0] = "answer", f[0][1] = x->answer, f[0][2] = c->x_answer;
		f[1][0] = "state", f[1][1] = x->state, f[1][2] = c->x_state;
		f[2][0] = "counters", f[2][1] = x->counters, f[2][2] = c->x_ctr;
		f[3][0] = "post", f[3][1] = x->post, f[3][2] = c->x_post;
		for (int k = 0; k < 4; k++)
			if (f[k][2] && strcmp(f[k][1], f[k][2])) {
				TH_LOG("INET reference [%s] %s: got '%s', Linux 6.1 gives '%s'",
				       c->name, f[k][0], f[k][1], f[k][2]);
				bad++;
			}
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
		const struct cres *a = &ri->c[i], *b = &rx->c[i];
		const char *names[] = { "answer", "state", "counters", "post" };
		const char *fa[] = { a->answer, a->state, a->counters, a->post };
		const char *fb[] = { b->answer, b->state, b->counters, b->post };

		for (int k = 0; k < 4; k++) {
			if (k == 2 && rx->ctr_na)
				continue;
			if (strcmp(fa[k], fb[k])) {
				TH_LOG("MISMATCH [%s] %s: INET '%s' | XTCP '%s'",
				       a->name, names[k], fa[k], fb[k]);
				bad++;
			}
		}
	}
	return bad;
}

/*
 * With XTCP_BADSEG_FLOOD_TRACE: the first flood segment after which the
 * connection's (then the request's) state differs between the runs.
 */
static void flood_trace_cmp(struct __test_metadata *_metadata,
			    const struct run *ri, const struct run *rx)
{
	static const char *const what[] = { "connection", "request" };

	if (!ri->traced || !rx->traced)
		return;
	for (int w = 0; w < 2; w++) {
		int i, last = -1;

		for (i = 0; i < FLOOD_N; i++) {
			if (!ri->fdesc[i][0])
				continue;
			if (ri->fst[i][w] != rx->fst[i][w])
				break;
			last = i;
		}
		if (i == FLOOD_N) {
			TH_LOG("flood: the %s went the same way in both runs", what[w]);
			continue;
		}
		TH_LOG("flood: the %s's state differs first after segment #%d:",
		       what[w], i);
		for (int j = last >= 0 && last < i ? last : i; j <= i; j++)
			if (ri->fdesc[j][0])
				TH_LOG("  #%d %s: INET %s, XTCP %s", j, ri->fdesc[j],
				       st_name(ri->fst[j][w]), st_name(rx->fst[j][w]));
	}
}

static void badseg_test(struct __test_metadata *_metadata, group_fn fn,
			const struct bcase *cases, int ncases)
{
	struct run *ri, *rx;
	char obj[128];
	int bad;

	if (getenv("XTCP_BADSEG_ONLY") &&
	    !strstr(getenv("XTCP_BADSEG_ONLY"), _metadata->name))
		SKIP(return, "not in XTCP_BADSEG_ONLY");
	if (!nft_available())
		SKIP(return, "nft (nftables) not installed");
	if (access("/usr/sbin/ip", X_OK) && access("/sbin/ip", X_OK) &&
	    access("/usr/bin/ip", X_OK) && access("/bin/ip", X_OK))
		SKIP(return, "ip (iproute2) not installed");

	ri = run_group(fn, AF_INET);
	if (getenv("XTCP_BADSEG_DUMP"))
		dump_run(_metadata, "INET", ri);
	ASSERT_TRUE(run_ok(_metadata, "INET", ri));
	bad = check_ref(_metadata, ri, cases, ncases);
	if (bad)
		dump_run(_metadata, "INET", ri);
	ASSERT_EQ(0, bad) TH_LOG("the AF_INET run differs from Linux 6.1's results: the test is wrong");
	CONN_REQUIRE_XTCP();

	rx = run_group(fn, xtcp_family());
	if (getenv("XTCP_BADSEG_DUMP"))
		dump_run(_metadata, "XTCP", rx);
	TH_LOG("INET run %ld ms (setup %ld ms), XTCP run %ld ms (setup %ld ms)",
	       ri->ms, ri->setup_ms, rx->ms, rx->setup_ms);
	if (ri->info[0] || rx->info[0])
		TH_LOG("INET: %s; XTCP: %s", ri->info, rx->info);
	ASSERT_TRUE(run_ok(_metadata, "XTCP", rx));
	bad = compare_runs(_metadata, ri, rx);
	flood_trace_cmp(_metadata, ri, rx);
	EXPECT_EQ(0, bad) TH_LOG("%d differences between AF_INET and AF_XTCP", bad);
	ASSERT_TRUE(xtcp_objects_settle(obj, sizeof(obj)))
		TH_LOG("XTCP objects left 10 s after the run: %s; at its end, "
		       "listener closed, /proc/net/xtcp listed: %s", obj, rx->left);
	if (bad)
		return;
	if (rx->ctr_na)
		SKIP(return, "/proc/net/xtcp_stat missing: counter deltas not compared "
		     "(answers, states and the post checks matched AF_INET)");
}

TEST_F_TIMEOUT(conn, listen, 120)
{
	badseg_test(_metadata, grp_listen, listen_cases, ARRAY_LEN(listen_cases));
}

TEST_F_TIMEOUT(conn, syn_recv, 120)
{
	badseg_test(_metadata, grp_synrecv, synrecv_cases,
		    ARRAY_LEN(synrecv_cases));
}

TEST_F_TIMEOUT(conn, established, 120)
{
	badseg_test(_metadata, grp_est, est_cases, ARRAY_LEN(est_cases));
}

/* x_* results of the custom groups, in bcase form for check_ref() */
static struct bcase ws_ref[ARRAY_LEN(ws_cases)];

/*
 * sack and ack_unsent are not calibrated yet: after the slow handshake
 * 6.1's TSQ sends the victim's three segments in bursts whose timing
 * varies, so the AF_INET run does not always have them in flight when
 * the case comes.  XTCP_BADSEG_UNCALIBRATED=1 runs them anyway.
 */
#define UNCALIBRATED() do {						\
	if (!getenv("XTCP_BADSEG_UNCALIBRATED"))			\
		SKIP(return, "not calibrated yet (TSQ timing of the flight); " \
		     "XTCP_BADSEG_UNCALIBRATED=1 runs it");		\
} while (0)

TEST_F_TIMEOUT(conn, sack, 120)
{
	UNCALIBRATED();
	badseg_test(_metadata, grp_sack, sack_cases, ARRAY_LEN(sack_cases));
}

TEST_F_TIMEOUT(conn, timestamps, 120)
{
	badseg_test(_metadata, grp_ts, ts_cases, ARRAY_LEN(ts_cases));
}

TEST_F_TIMEOUT(conn, ack_unsent, 120)
{
	UNCALIBRATED();
	badseg_test(_metadata, grp_ackunsent, ackunsent_cases,
		    ARRAY_LEN(ackunsent_cases));
}

TEST_F_TIMEOUT(conn, wscale, 120)
{
	for (unsigned int i = 0; i < ARRAY_LEN(ws_cases); i++) {
		ws_ref[i].name = ws_cases[i].name;
		ws_ref[i].x_post = ws_cases[i].x_post;
	}
	badseg_test(_metadata, grp_wscale, ws_ref, ARRAY_LEN(ws_ref));
}

TEST_F_TIMEOUT(conn, corrupt_payload, 120)
{
	static const struct bcase ref[] = {
		{ .name = "corrupt_payload_transfer",
		  .x_answer = "highest ACK a+16001", .x_state = "ESTABLISHED",
		  .x_ctr = "InErrs+4 InCsumErrors+4",
		  .x_post = "recv 16000 bytes, exact" },
	};

	badseg_test(_metadata, grp_corrupt, ref, ARRAY_LEN(ref));
}

TEST_F_TIMEOUT(conn, flood, 120)
{
	badseg_test(_metadata, grp_flood, NULL, 0);
}

TEST_HARNESS_MAIN
