/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Durations in the connection tests: how long a connection takes to
 * fail depends on the VM's timing, so it is recorded without being
 * compared (T_MS), then checked against a window in both runs and
 * XTCP's against AF_INET's (TIMED_RUN's XCHECKS, check_ms(),
 * check_ms_close()).  Include after xtcp_conn_lib.h.
 */
#ifndef XTCP_TIMING_H
#define XTCP_TIMING_H

#include <stdlib.h>

/* A duration: recorded, not compared. */
#define T_MS(t, ms, ...) \
	((void)t_add(t, STEP_NOCMP_VAL, 0, 0, (long)(ms), __VA_ARGS__))

static inline void check_ms(struct __test_metadata *_metadata,
			    const struct trace *t, const char *what, long lo,
			    long hi)
{
	const struct step *s = t_find(t, what);

	ASSERT_NE(NULL, s) TH_LOG("%s: no step '%s'", fam_name(t->fam), what);
	TH_LOG("%s: %s: %ld ms", fam_name(t->fam), what, s->val);
	EXPECT_TRUE(s->val >= lo && s->val <= hi)
		TH_LOG("%s: '%s' took %ld ms, expected %ld..%ld ms",
		       fam_name(t->fam), what, s->val, lo, hi);
}

/* XTCP within @slack ms of AF_INET */
static inline void check_ms_close(struct __test_metadata *_metadata,
				  const struct trace *ti,
				  const struct trace *tx, const char *what,
				  long slack)
{
	const struct step *a = t_find(ti, what), *b = t_find(tx, what);

	ASSERT_TRUE(a && b);
	EXPECT_TRUE(labs(a->val - b->val) <= slack)
		TH_LOG("'%s': INET %ld ms, XTCP %ld ms: more than %ld ms apart",
		       what, a->val, b->val, slack);
}

/* CONN_RUN, then XCHECKS on the XTCP trace tx too. */
#define TIMED_RUN(fn, arg, CHECKS, XCHECKS) do {			\
	struct trace *ti = run_scenario(fn, AF_INET, arg, 0);		\
	struct trace *tx;						\
	if (!status_ok(ti->status)) {					\
		TH_LOG("AF_INET scenario ended abnormally: status 0x%x", \
		       ti->status);					\
		ASSERT_TRUE(0);						\
	}								\
	CHECKS;								\
	if (!_metadata->passed || getenv("XTCP_CONN_DUMP"))		\
		dump_trace(_metadata, ti, 0, ti->n);			\
	CONN_REQUIRE_XTCP();						\
	tx = run_scenario(fn, xtcp_family(), arg, 0);			\
	if (getenv("XTCP_CONN_DUMP"))					\
		dump_trace(_metadata, tx, 0, tx->n);			\
	XCHECKS;							\
	CONN_COMPARE(ti, tx);						\
} while (0)

#endif /* XTCP_TIMING_H */
