/* replay_write.c - see replay.h: the derived scenario as the two INI files
 * of a config directory (formats: vmconfigs/README.md), and in words. */
#include "replay.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "report.h"

static const char *const kind_words[] = {
	[INC_KIND_UNKNOWN] = "OOM", [INC_GLOBAL_OOM] = "global OOM", [INC_MEMCG_OOM] = "memcg OOM",
	[INC_SYSRQ_OOM] = "manual OOM (sysrq f)", [INC_ALLOCATING_TASK_OOM] = "OOM (allocating task)",
	[INC_OOM_PANIC] = "OOM panic", [INC_PAGE_ALLOC_FAILURE] = "allocation failure",
	[INC_NO_KILLABLE] = "OOM with no killable task",
};

static const char *kind_words_of(enum incident_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_words) && kind_words[k] ? kind_words[k] : "OOM";
}

/* The source as a comment: its base name, printable, bounded (an INI line
 * is at most 199 characters). */
static void source_name(const char *source, char *out, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", source ? source : "-");
	text_copy(out, len, basename(tmp));
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
			*p = '?';
}

static void add_size(struct buf *b, unsigned long long bytes)
{
	if (bytes == REPLAY_LIMIT_MAX)
		buf_addstr(b, "max");
	else if (!bytes)
		buf_addstr(b, "0");
	else
		buf_addf(b, "%lluM", bytes >> 20);
}

void replay_vmconfig_ini(const struct replay_scenario *s, const char *source, struct buf *b)
{
	char src[96];

	source_name(source, src, sizeof(src));
	buf_addf(b, "; Derived by `oomlab replay` from %s, event %zu: edit and re-run with\n", src,
		 s->event + 1);
	buf_addf(b, ";   oomlab replay %s --config THIS_DIRECTORY\n", src);
	buf_addf(b, "[vm]\ndescription = replay of %s, event %zu (%s)\n", src, s->event + 1,
		 kind_words_of(s->kind));
	buf_addf(b, "memory = %lluM\ncpus = 1\n", s->ram >> 20);
	if (s->swap)
		buf_addf(b, "swap = zram %lluM\n", s->swap >> 20);
	else
		buf_addstr(b, "swap = none\n");
	if (s->overcommit_memory >= 0 || s->panic_on_oom >= 0 || s->oom_kill_allocating_task >= 0) {
		buf_addstr(b, "\n[sysctl]\n");
		if (s->overcommit_memory >= 0)
			buf_addf(b, "vm.overcommit_memory = %d\n", s->overcommit_memory);
		if (s->panic_on_oom >= 0)
			buf_addf(b, "vm.panic_on_oom = %d\n", s->panic_on_oom);
		if (s->oom_kill_allocating_task >= 0)
			buf_addf(b, "vm.oom_kill_allocating_task = %d\n", s->oom_kill_allocating_task);
	}
	if (s->memcg) {
		buf_addstr(b, "\n[memcg]\nmemory.max = ");
		add_size(b, s->memcg_max);
		if (s->memcg_swap_set) {
			buf_addstr(b, "\nmemory.swap.max = ");
			add_size(b, s->memcg_swap_max);
		}
		if (s->oom_group)
			buf_addstr(b, "\nmemory.oom.group = 1");
		buf_addch(b, '\n');
	}
}

void replay_scenario_ini(const struct replay_scenario *s, const char *source, struct buf *b)
{
	char src[96];

	source_name(source, src, sizeof(src));
	buf_addf(b, "; Derived by `oomlab replay` from %s, event %zu.\n", src, s->event + 1);
	buf_addf(b, "; The run keeps the report's names and oom_score_adj (hogs first, then the\n"
		 "; sleepers, as hog lists them); see `oomlab replay --help`.\n");
	buf_addf(b, "[%s]\n", s->name);
	buf_addf(b, "description = replay: %.150s\n", s->summary);
	buf_addf(b, "vmconfig = %s\n", s->name);
	buf_addf(b, "run = %s\n", s->run);
	if (s->expect != PATH_UNKNOWN)
		buf_addf(b, "expect = %s\n", path_name(s->expect));
	if (!strcmp(s->constraint, "CONSTRAINT_NONE") || !strcmp(s->constraint, "CONSTRAINT_MEMCG"))
		buf_addf(b, "constraint = %s\n", s->constraint);
	buf_addstr(b, "tags = replay\n");
	if (s->swap)
		buf_addstr(b, "timeout = 300\n");
}

void replay_describe(const struct replay_scenario *s, struct buf *b)
{
	static const char *const trig[] = { "page faults (hog)", "sysrq f (sysrq)" };

	buf_addf(b, "derived scenario %s: %lluM RAM, swap ", s->name, s->ram >> 20);
	if (s->swap)
		buf_addf(b, "zram %lluM", s->swap >> 20);
	else
		buf_addstr(b, "none");
	if (s->memcg) {
		buf_addstr(b, ", memory.max ");
		add_size(b, s->memcg_max);
		if (s->memcg_swap_set) {
			buf_addstr(b, ", memory.swap.max ");
			add_size(b, s->memcg_swap_max);
		}
	}
	buf_addf(b, "; trigger %s\n", trig[s->trigger]);
	buf_addf(b, "  %-4s %-15s %-12s %6s  %-8s %s\n", "RANK", "NAME", "RSS+SWAP", "ADJ", "ROLE",
		 "GUEST");
	for (size_t k = 0; k < s->n; k++) {
		const struct replay_member *m = &s->m[s->fam[k]];
		_cleanup_buf_ struct buf kb = BUF_INIT;
		char rank[16];

		replay_add_kb(&kb, m->footprint_kb);
		snprintf(rank, sizeof(rank), m->rank ? "%d" : "-", m->rank);
		buf_addf(b, "  %-4s %-15s %-12s %6d  %-8s ", rank, m->name, kb.s, m->adj,
			 s->trigger == REPLAY_SYSRQ ? "member" : m->hog ? "hog" : "sleeper");
		if (s->trigger == REPLAY_SYSRQ)
			buf_addf(b, "%lld/%d of RAM", m->units, REPLAY_UNITS);
		else
			buf_addstr(b, m->hog ? "touches size" : "-");
		buf_addstr(b, s->fam[k] == s->victim ? "   <- the report's victim\n" : "\n");
	}
	buf_addf(b, "  run = %s\n", s->run);
	buf_addstr(b, s->notes.s);
}

static int make_dir(const char *path, struct buf *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		buf_addf(err, "%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int replay_write(const struct replay_scenario *s, const char *dir, const char *source,
		 struct buf *err)
{
	_cleanup_buf_ struct buf vm = BUF_INIT, sc = BUF_INIT, path = BUF_INIT;

	buf_addf(&path, "%s/scenarios", dir);
	if (make_dir(dir, err) < 0 || make_dir(path.s, err) < 0)
		return -1;
	replay_vmconfig_ini(s, source, &vm);
	replay_scenario_ini(s, source, &sc);
	buf_reset(&path);
	buf_addf(&path, "%s/%s.ini", dir, s->name);
	if (write_file_atomic(path.s, vm.s, vm.len, err) < 0)
		return -1;
	buf_reset(&path);
	buf_addf(&path, "%s/scenarios/replay.ini", dir);
	return write_file_atomic(path.s, sc.s, sc.len, err);
}
