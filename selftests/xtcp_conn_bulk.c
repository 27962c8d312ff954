// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: 100 MiB echoed over 127.0.0.1 between two XTCP sockets
 * (and between two AF_INET sockets, the reference), compared byte for
 * byte by the client and by an FNV-1a 64 digest on the server.  The
 * throughput goes to the TAP output as a "# " line (informational).
 *
 * The one long transfer of the suite: about 10 s per family under TCG.
 */
#include "xtcp_conn_lib.h"

#define BULK_MIB	100

static void report(const struct trace *t)
{
	const struct step *s = t_find(t, "elapsed us");
	double sec = s ? s->val / 1e6 : 0;

	ksft_print_msg("%s: %d MiB echoed in %.2f s: %.1f MiB/s each way (informational)\n",
		       fam_name(t->fam), BULK_MIB, sec,
		       sec > 0 ? BULK_MIB / sec : 0.0);
	fflush(stdout);	/* the harness's test child ends with _exit() */
}

static void scen_bulk(struct trace *t, int fam, long arg)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	scen_echo(t, fam, arg);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t_add(t, STEP_NOCMP_VAL, 0, 0,
	      (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000,
	      "elapsed us");
}

TEST_F_TIMEOUT(conn, echo_100m_xtcp_xtcp, 110)
{
	struct trace *ti = run_scenario(scen_bulk, AF_INET, BULK_MIB, 0);
	struct trace *tx;

	EXPECT_TRUE(status_ok(ti->status));
	CHECK_ECHO((long)BULK_MIB << 20);
	report(ti);
	if (!_metadata->passed)
		dump_trace(_metadata, ti, 0, ti->n);
	CONN_REQUIRE_XTCP();
	tx = run_scenario(scen_bulk, xtcp_family(), BULK_MIB, 0);
	if (status_ok(tx->status))
		report(tx);
	CONN_COMPARE(ti, tx);
}

TEST_HARNESS_MAIN
