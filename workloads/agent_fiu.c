/* agent_fiu.c - see agent_fiu.h.  What fiu-run -x (Debian's fiu-utils,
 * /usr/bin/fiu-run) does, without its shell: LD_PRELOAD lists
 * fiu_run_preload.so (its constructor reads FIU_ENABLE, one libfiu
 * remote-control command a line, and FIU_CTRL_FIFO) then
 * fiu_posix_preload.so (the wrappers of the POSIX and libc functions);
 * FIU_CTRL_FIFO is empty, so no control fifo and no thread is made. */
#include "agent_fiu.h"

#include <stdio.h>
#include <string.h>

bool fiu_take(struct step_fiu *f, const char *arg, char *err, size_t errlen)
{
	char msg[320];

	if (f->n == FIU_MAX_POINTS) {
		snprintf(err, errlen, "more than %d fiu= arguments", FIU_MAX_POINTS);
		return false;
	}
	if (!fiu_parse(arg + strlen(FIU_ARG), &f->p[f->n], msg, sizeof(msg))) {
		snprintf(err, errlen, "%.60s: %s", arg, msg);
		return false;
	}
	f->n++;
	return true;
}

void fiu_env(struct step_fiu *f)
{
	size_t k = 0, len = 0;

	f->enable[0] = '\0';
	for (size_t i = 0; i < f->n; i++) {
		char cmd[128];

		if (!fiu_command(&f->p[i], cmd, sizeof(cmd)))
			continue; /* cannot happen: names are under FIU_NAME_MAX */
		len += (size_t)snprintf(f->enable + len, sizeof(f->enable) - len, "%s%s",
					len ? "\n" : "", cmd);
		if (len >= sizeof(f->enable))
			len = sizeof(f->enable) - 1;
	}
	if (f->n) {
		snprintf(f->env_enable, sizeof(f->env_enable), "FIU_ENABLE=%s", f->enable);
		f->envp[k++] = "LD_PRELOAD=" FIU_RUN_PRELOAD " " FIU_POSIX_PRELOAD;
		f->envp[k++] = f->env_enable;
		f->envp[k++] = "FIU_CTRL_FIFO=";
	}
	f->envp[k] = NULL;
}

json_object *fiu_json(const struct step_fiu *f, const char *binary)
{
	json_object *o, *pts;

	if (!f->n)
		return NULL;
	o = json_object_new_object();
	pts = json_object_new_array();
	for (size_t i = 0; i < f->n; i++) {
		json_object *p = json_object_new_object();
		char prob[16], cmd[128];

		fiu_prob_text(f->p[i].ppm, prob, sizeof(prob));
		json_object_object_add(p, "name", json_object_new_string(f->p[i].name));
		json_object_object_add(p, "probability",
				       json_object_new_double_s((double)f->p[i].ppm / FIU_PPM, prob));
		json_object_object_add(p, "errno", json_object_new_int(FIU_FAILINFO));
		json_object_object_add(p, "command", fiu_command(&f->p[i], cmd, sizeof(cmd)) ?
				       json_object_new_string(cmd) : NULL);
		json_object_array_add(pts, p);
	}
	json_object_object_add(o, "points", pts);
	json_object_object_add(o, "binary", json_object_new_string(binary));
	json_object_object_add(o, "preload",
			       json_object_new_string(FIU_RUN_PRELOAD " " FIU_POSIX_PRELOAD));
	return o;
}
