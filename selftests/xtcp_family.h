/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XTCP family number, for the selftests and their tools: the
 * XTCP_FAMILY environment variable (XTCP_FAMILY=2 turns "XTCP" into
 * AF_INET, a self-check without the module), else the loaded module's
 * /sys/module/xtcp/parameters/family, else AF_XTCP.
 */
#ifndef XTCP_SELFTEST_FAMILY_H
#define XTCP_SELFTEST_FAMILY_H

#include <stdio.h>
#include <stdlib.h>

#include <linux/xtcp.h>

static inline int xtcp_family(void)
{
	static int fam = -1;
	const char *env;
	FILE *f;

	if (fam >= 0)
		return fam;
	env = getenv("XTCP_FAMILY");
	if (env && *env) {
		fam = atoi(env);
		return fam;
	}
	f = fopen("/sys/module/xtcp/parameters/family", "r");
	if (f) {
		int v;

		if (fscanf(f, "%d", &v) == 1 && v > 0)
			fam = v;
		fclose(f);
	}
	if (fam < 0)
		fam = AF_XTCP;
	return fam;
}

#endif /* XTCP_SELFTEST_FAMILY_H */
