/* agent_psi.c - memory pressure through a benchmark step (oomlab bench):
 * a thread samples /proc/pressure/memory (some/full total stall time,
 * kernel/sched/psi.c psi_show(): "some avg10=.. avg60=.. avg300=..
 * total=US" and the same for "full"), MemAvailable (/proc/meminfo) and the
 * workload cgroup's memory.current every BENCH_SAMPLE_MS on
 * CLOCK_MONOTONIC, the clock of the benchmark's trace instance
 * (agent_trace.c), while the workload runs.  The samples are kept in
 * memory and sent after the step as tracing records (name "bench", kind
 * "psi"), with the benchmark's trace lines (workloads/README.md).
 * Only when the benchmark instance is on (ag->bench).
 *
 * The thread only reads files and writes its own array; the main thread
 * sends the records after joining it, so the channel has one writer. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"

#define BENCH_SAMPLE_MS  20
#define BENCH_SAMPLES    8192     /* at most 164 s at 20 ms; later ones are counted */
#define BENCH_STACK      (64 * 1024) /* the agent locks its memory: a small stack */

struct psi_sample {
	long long ts_us;
	long long some_us, full_us;   /* -1: unknown */
	long long avail_kb, cg_kb;    /* -1: unknown */
};

struct bench_step {
	pthread_t th;
	bool running;
	atomic_bool stop;
	struct psi_sample *s;
	size_t n;
	unsigned dropped;
};

static long long mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* "total=N" after the line's "some " or "full " prefix; -1 if absent. */
static long long psi_total(const char *text, const char *which)
{
	const char *l = strstr(text, which), *t;

	if (!l || (l != text && l[-1] != '\n'))
		return -1;
	t = strstr(l, "total=");
	return t ? atoll(t + 6) : -1;
}

static long long meminfo_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? atoll(p + strlen(key)) : -1;
}

static void sample(struct psi_sample *s)
{
	char psi[512], mi[512], cg[64];

	s->ts_us = mono_us();
	if (read_text("/proc/pressure/memory", psi, sizeof(psi)) < 0)
		psi[0] = '\0';
	s->some_us = psi_total(psi, "some ");
	s->full_us = psi_total(psi, "full ");
	/* MemAvailable is the third line (fs/proc/meminfo.c meminfo_proc_show). */
	if (read_text("/proc/meminfo", mi, sizeof(mi)) < 0)
		mi[0] = '\0';
	s->avail_kb = meminfo_kb(mi, "MemAvailable:");
	s->cg_kb = read_text(WL_CGROUP "/memory.current", cg, sizeof(cg)) > 0 ? atoll(cg) / 1024 : -1;
}

static void *sampler(void *arg)
{
	struct bench_step *b = arg;
	struct timespec next;

	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!atomic_load(&b->stop)) {
		if (b->n < BENCH_SAMPLES)
			sample(&b->s[b->n++]);
		else
			b->dropped++;
		next.tv_nsec += BENCH_SAMPLE_MS * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
	}
	return NULL;
}

struct bench_step *bench_step_begin(struct agent *ag)
{
	struct bench_step *b;
	pthread_attr_t at;

	if (!ag->bench || !(b = calloc(1, sizeof(*b))))
		return NULL;
	trace_bench_clear(ag);
	b->s = calloc(BENCH_SAMPLES, sizeof(*b->s));
	atomic_init(&b->stop, false);
	if (b->s && pthread_attr_init(&at) == 0) {
		pthread_attr_setstacksize(&at, BENCH_STACK);
		b->running = pthread_create(&b->th, &at, sampler, b) == 0;
		pthread_attr_destroy(&at);
	}
	return b;
}

static void add_ll(json_object *r, const char *key, long long v)
{
	json_object_object_add(r, key, v < 0 ? NULL : json_object_new_int64(v));
}

static void send_sample(struct agent *ag, int i, const struct psi_sample *s)
{
	json_object *r = rec_new("tracing");

	json_object_object_add(r, "name", json_object_new_string("bench"));
	json_object_object_add(r, "kind", json_object_new_string("psi"));
	json_object_object_add(r, "ok", json_object_new_boolean(true));
	json_object_object_add(r, "i", json_object_new_int(i));
	json_object_object_add(r, "ts_us", json_object_new_int64(s->ts_us));
	add_ll(r, "some_us", s->some_us);
	add_ll(r, "full_us", s->full_us);
	add_ll(r, "avail_kb", s->avail_kb);
	add_ll(r, "cg_kb", s->cg_kb);
	rec_send(ag, r);
}

/* Stops the sampler, sends the trace lines and the samples of step i, and
 * frees b (NULL: nothing to do). */
void bench_step_end(struct agent *ag, int i, struct bench_step *b)
{
	struct trace_stats ts;
	json_object *r;

	if (!b)
		return;
	atomic_store(&b->stop, true);
	if (b->running)
		pthread_join(b->th, NULL);
	trace_bench_send(ag, i, &ts);
	for (size_t k = 0; k < b->n; k++)
		send_sample(ag, i, &b->s[k]);
	r = rec_new("tracing");
	json_object_object_add(r, "name", json_object_new_string("bench"));
	json_object_object_add(r, "kind", json_object_new_string("end"));
	json_object_object_add(r, "ok", json_object_new_boolean(true));
	json_object_object_add(r, "i", json_object_new_int(i));
	json_object_object_add(r, "lines", json_object_new_int((int)ts.sent));
	json_object_object_add(r, "lines_dropped", json_object_new_int((int)ts.dropped));
	json_object_object_add(r, "samples", json_object_new_int((int)b->n));
	json_object_object_add(r, "samples_dropped", json_object_new_int((int)b->dropped));
	json_object_object_add(r, "sample_ms", json_object_new_int(BENCH_SAMPLE_MS));
	rec_send(ag, r);
	free(b->s);
	free(b);
}
