/* replay_cmd.c - `oomlab replay FILE`: derive a scenario from an OOM event
 * of a kernel log (replay_derive.c), save it as an editable config
 * directory (replay_write.c), run it with `oomlab run` in a child process
 * (this same program, /proc/self/exe), then compare the guest's first OOM
 * report with the event (replay_compare.c). */
#include "replay.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "settings.h"
#include "spawn.h"

static const char usage[] =
	"usage: oomlab replay FILE [options]\n"
	"  Derive a scenario from the first OOM event of a kernel log (dmesg, journalctl -k,\n"
	"  syslog; FILE - for stdin), run it in a guest and compare the guest's OOM with the\n"
	"  report: kind, constraint, order class (0, 1-3, >3, manual) and the victim (by name\n"
	"  and by its rank in the report's task table).\n"
	"options:\n"
	"  --event N        the Nth event of the log (`oomlab klog parse FILE` lists them)\n"
	"  --out DIR        where the config and the run go (default: results/replay-NAME-TIME)\n"
	"  --save DIR       write the derived vmconfig and scenario here (default: DIR/config)\n"
	"  --config DIR     run the (edited) scenario saved in DIR instead of a fresh one\n"
	"  --dry-run        derive and save, do not boot\n"
	"  --kernel K, --modules DIR, --accel A   as for `oomlab run`\n"
	"exit status: 0 every compared aspect matched, 1 one did not, 2 an error.\n";

struct replay_args {
	const char *file, *out, *save, *config, *kernel, *modules, *accel;
	long event;               /* 0-based; -1: the first OOM event */
	bool dry_run;
};

static int parse_args(int argc, char **argv, struct replay_args *a)
{
	static const char *const with_value[] = { "--out", "--save", "--config", "--kernel",
						  "--modules", "--accel", "--event" };
	const char **dst[] = { &a->out, &a->save, &a->config, &a->kernel, &a->modules, &a->accel };

	a->event = -1;
	for (int i = 1; i < argc; i++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(with_value) && strcmp(argv[i], with_value[k]); k++)
			;
		if (k < ARRAY_SIZE(with_value)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "oomlab replay: %s needs a value\n", argv[i]);
				return -1;
			}
			i++;
			if (k < ARRAY_SIZE(dst)) {
				*dst[k] = argv[i];
				continue;
			}
			char *end;
			long v = strtol(argv[i], &end, 10);

			if (*end || v < 1 || v > INC_MAX_EVENTS) {
				fprintf(stderr, "oomlab replay: --event %s: write a number from 1 to %d\n",
					argv[i], INC_MAX_EVENTS);
				return -1;
			}
			a->event = v - 1;
		} else if (!strcmp(argv[i], "--dry-run")) {
			a->dry_run = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			exit(0);
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "oomlab replay: unknown option '%s'\n%s", argv[i], usage);
			return -1;
		} else if (a->file) {
			fprintf(stderr, "oomlab replay: one FILE only\n%s", usage);
			return -1;
		} else {
			a->file = argv[i];
		}
	}
	if (!a->file)
		fputs(usage, stderr);
	return a->file ? 0 : -1;
}

static int read_log(const char *path, struct buf *b)
{
	bool cut = false;
	int r;

	if (!strcmp(path, "-"))
		r = buf_read_file(b, "/dev/stdin", INC_FILE_MAX, &cut);
	else
		r = buf_read_file(b, path, INC_FILE_MAX, &cut);
	if (r < 0)
		fprintf(stderr, "oomlab replay: %s: %s\n", path, strerror(errno));
	else if (cut)
		fprintf(stderr, "oomlab replay: %s: only the first %u MiB are read\n", path,
			INC_FILE_MAX >> 20);
	return r;
}

/* The log's base name without .log or .txt: what names the scenario. */
static void file_stem(const char *path, char *out, size_t len)
{
	char tmp[PATH_MAX];
	char *dot;

	if (!strcmp(path, "-")) {
		snprintf(out, len, "stdin");
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s", path);
	snprintf(out, len, "%s", basename(tmp));
	dot = strrchr(out, '.');
	if (dot && dot != out && (!strcmp(dot, ".log") || !strcmp(dot, ".txt")))
		*dot = '\0';
}

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return errno = ENAMETOOLONG, -1;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* <checkout>/results/NAME-YYYYmmdd-HHMMSS: the program is <checkout>/build/oomlab. */
static void default_out(const char *name, char *out, size_t len)
{
	char exe[PATH_MAX], stamp[32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	time_t t = time(NULL);
	struct tm tm;

	exe[n > 0 ? n : 0] = '\0';
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(out, len, "%s/results/%s-%s", dirname(dirname(exe)), name, stamp);
}

/* The config directory to run: --config as it is (it must hold the
 * scenario), else the derived one, written to --save or OUT/config. */
static int prepare_config(const struct replay_args *a, const struct replay_scenario *s,
			  const char *out, char *cfg, size_t len)
{
	_cleanup_buf_ struct buf err = BUF_INIT;
	struct oom_config c;
	int r;

	if (a->config) {
		snprintf(cfg, len, "%s", a->config);
		printf("config: %s/scenarios (as saved, edits included; the table above is a fresh "
		       "derivation, the comparison uses its roles)\n", cfg);
	} else {
		if (a->save)
			snprintf(cfg, len, "%s", a->save);
		else
			snprintf(cfg, len, "%s/config", out);
		if (mkdir_p(cfg) < 0 || replay_write(s, cfg, a->file, &err) < 0) {
			fprintf(stderr, "oomlab replay: %s: %s\n", cfg, err.len ? err.s : strerror(errno));
			return -1;
		}
		printf("saved: %s/%s.ini and %s/scenarios/replay.ini\n", cfg, s->name, cfg);
	}
	r = config_load(cfg, &c, &err);
	if (r == 0 && !config_scenario(&c, s->name)) {
		buf_addf(&err, "%s: no scenario [%s]\n", cfg, s->name);
		r = -1;
	}
	if (r < 0)
		fprintf(stderr, "%soomlab replay: the configuration in %s cannot run\n", err.s, cfg);
	config_free(&c);
	return r;
}

/* `oomlab run --config CFG --out OUT/run --jobs 1 ... NAME`, this program
 * in a child; returns its exit status, or -1. */
static int run_child(const struct replay_args *a, const char *cfg, const char *run_dir,
		     const char *name)
{
	_cleanup_buf_ struct buf err = BUF_INIT, st = BUF_INIT;
	struct child c = CHILD_INIT;
	const char *opt[][2] = { { "--kernel", a->kernel }, { "--modules", a->modules },
				 { "--accel", a->accel } };
	int code = -1;

	child_arg(&c, "/proc/self/exe");
	child_arg(&c, "run");
	child_arg(&c, "--config");
	child_arg(&c, cfg);
	child_arg(&c, "--out");
	child_arg(&c, run_dir);
	child_arg(&c, "--jobs");
	child_arg(&c, "1");
	for (size_t i = 0; i < ARRAY_SIZE(opt); i++)
		if (opt[i][1]) {
			child_arg(&c, opt[i][0]);
			child_arg(&c, opt[i][1]);
		}
	child_arg(&c, name);
	printf("running: oomlab run --config %s --out %s --jobs 1 ... %s\n", cfg, run_dir, name);
	fflush(stdout);
	if (child_start(&c, &err) < 0) {
		fprintf(stderr, "oomlab replay: cannot start oomlab run: %s\n", err.s);
	} else if (child_finish(&c) < 0 || !WIFEXITED(c.status)) {
		describe_status(&st, c.status);
		fprintf(stderr, "oomlab replay: oomlab run ended with %s\n", st.s);
	} else {
		code = WEXITSTATUS(c.status);
	}
	child_clear(&c);
	return code;
}

/* Parse the guest's console and compare; the exit status. */
static int compare_console(const struct incident_event *rep, const struct replay_scenario *s,
			   const char *run_dir)
{
	_cleanup_buf_ struct buf path = BUF_INIT, text = BUF_INIT, out = BUF_INIT;
	struct incident_report g;
	struct replay_result res;
	bool cut;

	buf_addf(&path, "%s/%s/console.log", run_dir, s->name);
	if (buf_read_file(&text, path.s, INC_FILE_MAX, &cut) < 0) {
		fprintf(stderr, "oomlab replay: %s: %s (the guest did not run)\n", path.s, strerror(errno));
		return 2;
	}
	incident_parse(text.s, text.len, &g);
	replay_compare(rep, s, &g, &res);
	if (res.have_event)
		buf_addf(&out, "\ncomparison: the report's event %zu and the guest's first OOM (%s, "
			 "lines %zu-%zu):\n", s->event + 1, path.s, g.ev[res.replay_event].first_line,
			 g.ev[res.replay_event].last_line);
	else
		buf_addf(&out, "\ncomparison: the report's event %zu and the guest (%s):\n",
			 s->event + 1, path.s);
	replay_result_print(&res, &out);
	fwrite(out.s, 1, out.len, stdout);
	incident_free(&g);
	return replay_matched(&res) ? 0 : 1;
}

static int replay(const struct replay_args *a, const struct incident_report *r)
{
	_cleanup_buf_ struct buf err = BUF_INIT, desc = BUF_INIT;
	struct replay_scenario s;
	struct replay_budget b;
	char stem[128], out[PATH_MAX], cfg[PATH_MAX], run_dir[PATH_MAX + 8];
	const struct incident_event *e;
	int status = 2, code;

	file_stem(a->file, stem, sizeof(stem));
	replay_budget_host(&b);
	if (replay_derive(r, a->event, stem, &b, &s, &err) < 0) {
		fprintf(stderr, "oomlab replay: %s: %s\n", a->file, err.s);
		replay_scenario_free(&s);
		return 2;
	}
	e = &r->ev[s.event];
	printf("%s: event %zu of %zu (lines %zu-%zu): %s\n", a->file, s.event + 1, r->n,
	       e->first_line, e->last_line, s.summary);
	replay_describe(&s, &desc);
	fwrite(desc.s, 1, desc.len, stdout);
	if (a->out)
		snprintf(out, sizeof(out), "%s", a->out);
	else
		default_out(s.name, out, sizeof(out));
	if (mkdir_p(out) < 0) {
		fprintf(stderr, "oomlab replay: %s: cannot create: %s\n", out, strerror(errno));
		goto done;
	}
	if (prepare_config(a, &s, out, cfg, sizeof(cfg)) < 0)
		goto done;
	if (a->dry_run) {
		status = 0;
		goto done;
	}
	snprintf(run_dir, sizeof(run_dir), "%s/run", out);
	code = run_child(a, cfg, run_dir, s.name);
	if (code < 0 || code >= 128) {
		if (code >= 128)
			fprintf(stderr, "oomlab replay: the run was interrupted\n");
		goto done;
	}
	status = compare_console(e, &s, run_dir);
done:
	replay_scenario_free(&s);
	return status;
}

int cmd_replay(int argc, char **argv)
{
	_cleanup_buf_ struct buf text = BUF_INIT;
	struct replay_args a = { 0 };
	struct incident_report r;
	int status;

	if (parse_args(argc, argv, &a) < 0)
		return 2;
	if (read_log(a.file, &text) < 0)
		return 2;
	incident_parse(text.s, text.len, &r);
	status = replay(&a, &r);
	incident_free(&r);
	return status;
}
