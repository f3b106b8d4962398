/* incident_out.c - JSON and text output of a parsed report, and the command
 * `oomlab klog parse FILE [--json | --html [OUT]]` (see incident.h). */
#include "incident_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "report.h"

const char *incident_kind_name(enum incident_kind k)
{
	static const char *const names[] = {
		[INC_KIND_UNKNOWN] = NULL,
		[INC_GLOBAL_OOM] = "global_oom",
		[INC_MEMCG_OOM] = "memcg_oom",
		[INC_SYSRQ_OOM] = "sysrq_oom",
		[INC_ALLOCATING_TASK_OOM] = "allocating_task_oom",
		[INC_OOM_PANIC] = "oom_panic",
		[INC_PAGE_ALLOC_FAILURE] = "page_alloc_failure",
		[INC_NO_KILLABLE] = "no_killable",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : NULL;
}

/* ---- JSON ---- */

static struct json_object *jnum(long long v)
{
	return v == INC_NONE ? NULL : json_object_new_int64(v);
}

static struct json_object *jstr(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static struct json_object *json_victim(const struct incident_event *e)
{
	struct json_object *v;

	if (!e->have_victim)
		return NULL;
	v = json_object_new_object();
	add(v, "pid", jnum(e->victim.pid));
	add(v, "comm", jstr(e->victim.comm));
	add(v, "total_vm_kb", jnum(e->victim.total_vm_kb));
	add(v, "anon_rss_kb", jnum(e->victim.anon_rss_kb));
	add(v, "file_rss_kb", jnum(e->victim.file_rss_kb));
	add(v, "shmem_rss_kb", jnum(e->victim.shmem_rss_kb));
	add(v, "oom_score_adj", jnum(e->victim.oom_score_adj));
	add(v, "score", jnum(e->victim_score));
	return v;
}

static struct json_object *json_tasks(const struct incident_event *e)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < e->ntasks; i++) {
		const struct incident_task *t = &e->tasks[i];
		struct json_object *o = json_object_new_object();

		add(o, "pid", jnum(t->pid));
		add(o, "uid", jnum(t->uid));
		add(o, "total_vm", jnum(t->total_vm));
		add(o, "rss", jnum(t->rss));
		add(o, "swapents", jnum(t->swapents));
		add(o, "oom_score_adj", jnum(t->oom_score_adj));
		add(o, "name", json_object_new_string(t->name));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *json_event(const struct incident_event *e)
{
	struct json_object *o = json_object_new_object();

	add(o, "kind", jstr(incident_kind_name(e->kind)));
	add(o, "kernel_version", jstr(e->kernel_version));
	add(o, "invoker_comm", jstr(e->invoker_comm));
	add(o, "gfp_mask", jstr(e->gfp_mask));
	add(o, "gfp_flags", jstr(e->gfp_flags));
	add(o, "order", jnum(e->order));
	add(o, "invoker_oom_score_adj", jnum(e->invoker_oom_score_adj));
	add(o, "constraint", jstr(e->constraint));
	add(o, "memcg", jstr(e->memcg));
	add(o, "memcg_usage_kb", jnum(e->memcg_usage_kb));
	add(o, "memcg_limit_kb", jnum(e->memcg_limit_kb));
	add(o, "memcg_failcnt", jnum(e->memcg_failcnt));
	add(o, "victim", json_victim(e));
	add(o, "ram_pages", jnum(e->ram_pages));
	add(o, "swap_total_kb", jnum(e->swap_total_kb));
	add(o, "swap_free_kb", jnum(e->swap_free_kb));
	add(o, "tasks", json_tasks(e));
	add(o, "reaped", e->reaped < 0 ? NULL : json_object_new_boolean(e->reaped));
	return o;
}

void incident_json(const struct incident_report *r, struct buf *out)
{
	struct json_object *root = json_object_new_object(), *a = json_object_new_array();

	for (size_t i = 0; i < r->n; i++)
		json_object_array_add(a, json_event(&r->ev[i]));
	add(root, "events", a);
	buf_addstr(out, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_addch(out, '\n');
	json_object_put(root);
}

/* ---- text ---- */

void incident_summary(const struct incident_report *r, struct buf *out)
{
	if (!r->n) {
		buf_addf(out, "No OOM report or allocation failure in %zu lines.\n", r->lines);
		return;
	}
	buf_addf(out, "%zu event%s in %zu lines%s%s.\n", r->n, r->n == 1 ? "" : "s", r->lines,
		 r->kernel_version[0] ? ", kernel " : "", r->kernel_version);
	if (r->events_cut)
		buf_addf(out, "Only the first %d events were read.\n", INC_MAX_EVENTS);
	if (r->long_lines)
		buf_addf(out, "%zu lines longer than %u bytes were skipped.\n", r->long_lines,
			 INC_LINE_MAX);
	for (size_t i = 0; i < r->n; i++) {
		const struct incident_event *e = &r->ev[i];

		buf_addf(out, "\n%zu. lines %zu-%zu: ", i + 1, e->first_line, e->last_line);
		inc_sentence(e, out);
		buf_addstr(out, "\n");
		inc_explain(e, out);
		if (e->tasks_cut)
			buf_addf(out, "  (task table cut at %zu rows)\n", e->ntasks);
	}
}

/* ---- the command ---- */

static const char cli_usage[] =
	"usage: oomlab klog parse FILE [--json | --html [OUT]]\n"
	"  Reads a kernel log (dmesg, dmesg -T, journalctl -k, syslog; FILE - for stdin)\n"
	"  and prints each OOM event or allocation failure with its explanation;\n"
	"  --json prints {\"events\": [...]} instead (keys in README.md);\n"
	"  --html writes a self-contained page (summary, explanation, charts, sortable\n"
	"  task table) to OUT (also --html=OUT; none or -: stdout).\n";

static int read_input(const char *path, struct buf *b, bool *cut)
{
	if (strcmp(path, "-"))
		return buf_read_file(b, path, INC_FILE_MAX, cut);
	*cut = false;
	for (;;) {
		size_t n;

		buf_grow(b, 1 << 16);
		n = fread(b->s + b->len, 1, 1 << 16, stdin);
		buf_setlen(b, b->len + n);
		if (b->len >= INC_FILE_MAX) {
			*cut = true;
			buf_setlen(b, INC_FILE_MAX);
			return 0;
		}
		if (n == 0)
			return ferror(stdin) ? -1 : 0;
	}
}

struct cli_args {
	const char *path, *html_out;
	bool json, html;
};

/* FILE is the first operand; OUT (the page) the second, with --html only. */
static int cli_args(int argc, char **argv, struct cli_args *a)
{
	const char *second = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "--html")) {
			a->html = true;
		} else if (!strncmp(argv[i], "--html=", 7) && argv[i][7]) {
			a->html = true;
			a->html_out = argv[i] + 7;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(cli_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "oomlab: klog parse: unknown option '%s'\n%s", argv[i], cli_usage);
			return 2;
		} else if (!a->path) {
			a->path = argv[i];
		} else if (!second) {
			second = argv[i];
		} else {
			fprintf(stderr, "oomlab: klog parse: too many operands ('%s')\n%s", argv[i], cli_usage);
			return 2;
		}
	}
	if (a->json && a->html) {
		fprintf(stderr, "oomlab: klog parse: --json and --html exclude each other\n");
		return 2;
	}
	if (second && (!a->html || a->html_out)) {
		fprintf(stderr, "oomlab: klog parse: one FILE only ('%s' is a second operand; an output"
				" file goes with --html)\n%s", second, cli_usage);
		return 2;
	}
	if (second)
		a->html_out = second;
	if (!a->path) {
		fputs(cli_usage, stderr);
		return 2;
	}
	return -1;
}

static int emit(const struct cli_args *a, const struct buf *out)
{
	_cleanup_buf_ struct buf err = BUF_INIT;

	if (!a->html_out || !strcmp(a->html_out, "-")) {
		fwrite(out->s, 1, out->len, stdout);
		return fflush(stdout) ? 2 : 0;
	}
	if (write_file_atomic(a->html_out, out->s, out->len, &err) < 0) {
		fprintf(stderr, "oomlab: klog parse: %s\n", err.s);
		return 2;
	}
	fprintf(stderr, "oomlab: klog parse: wrote %s (%zu KiB)\n", a->html_out, (out->len + 1023) / 1024);
	return 0;
}

int incident_cli(int argc, char **argv)
{
	_cleanup_buf_ struct buf in = BUF_INIT, out = BUF_INIT;
	struct cli_args a = { NULL, NULL, false, false };
	struct incident_report r;
	bool cut = false;
	int rc = cli_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (read_input(a.path, &in, &cut) < 0) {
		fprintf(stderr, "oomlab: klog parse: %s: %s\n", a.path, strerror(errno));
		return 2;
	}
	if (cut)
		fprintf(stderr, "oomlab: klog parse: %s: only the first %u MiB are read\n", a.path,
			INC_FILE_MAX >> 20);
	incident_parse(in.s, in.len, &r);
	if (a.json)
		incident_json(&r, &out);
	else if (a.html)
		incident_html(&r, a.path, &out);
	else
		incident_summary(&r, &out);
	incident_free(&r);
	return emit(&a, &out);
}
