/* assess.c - see assess.h */
#include "assess.h"

#include <stdio.h>

#include "verdict.h"

void assess(const struct plan_item *it, const struct evidence *ev, const char *vm_problem,
	    struct result *res)
{
	(void)it;
	if (ev->release[0])
		snprintf(res->kernel, sizeof(res->kernel), "%s", ev->release);
	classify(ev, &res->obs);
	res->verdict = judge(res->expected, &res->obs, ev, vm_problem, res->reason,
			     sizeof(res->reason));
}
