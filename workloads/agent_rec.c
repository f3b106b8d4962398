/* agent_rec.c - the record channel and small file helpers of the agent.
 *
 * Records go to /dev/ttyS1 in raw mode (no newline translation, no echo),
 * one JSON object per line, written by json-c.  The console (ttyS0) never
 * carries them, so kernel messages cannot interleave with a record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"

#define KEYED_MAX_BYTES (64 * 1024)
#define KEYED_MAX_KEYS  256

int rec_open(struct agent *ag)
{
	struct termios tio;
	int fd = open(REC_TTY, O_WRONLY | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		cfsetspeed(&tio, B115200);
		tcsetattr(fd, TCSANOW, &tio);
	}
	ag->rec = fd;
	return 0;
}

json_object *rec_new(const char *type)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_string(type));
	return o;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

void rec_send(struct agent *ag, json_object *rec)
{
	size_t len;
	const char *s;
	char *line;

	if (!rec)
		return;
	if (ag->held) {
		json_object_array_add(ag->held, rec);
		return;
	}
	if (ag->rec >= 0) {
		s = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		len = strlen(s);
		/* One write per line: the tty layer never splits it with
		 * another writer's bytes (there is none, but stay safe). */
		line = malloc(len + 1);
		if (line) {
			memcpy(line, s, len);
			line[len] = '\n';
			write_all(ag->rec, line, len + 1);
			free(line);
		}
	}
	json_object_put(rec);
}

/* Wait until the UART has sent everything: power-off must not cut records. */
void rec_release(struct agent *ag)
{
	json_object *held = ag->held;
	size_t n = held ? json_object_array_length(held) : 0;

	ag->held = NULL;
	for (size_t i = 0; i < n; i++)
		rec_send(ag, json_object_get(json_object_array_get_idx(held, i)));
	json_object_put(held);
}

void rec_drain(struct agent *ag)
{
	if (ag->rec >= 0)
		tcdrain(ag->rec);
}

void rec_setup(struct agent *ag, const char *what, const char *key, const char *value, int err,
	       const char *error)
{
	json_object *r = rec_new("setup");

	json_object_object_add(r, "what", json_object_new_string(what));
	json_object_object_add(r, "key", json_object_new_string(key));
	json_object_object_add(r, "value", value ? json_object_new_string(value) : NULL);
	json_object_object_add(r, "ok", json_object_new_boolean(err == 0));
	if (err) {
		json_object_object_add(r, "errno", json_object_new_int(err));
		json_object_object_add(r, "error",
				       json_object_new_string(error ? error : strerror(err)));
	}
	rec_send(ag, r);
}

long long uptime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ssize_t read_text(const char *path, char *buf, size_t max)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (!max)
		return -1;
	buf[0] = '\0';
	if (fd < 0)
		return -1;
	while (len + 1 < max) {
		ssize_t r = read(fd, buf + len, max - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

int write_text(const char *path, const char *s)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, s, len);
	if (w < 0)
		return -errno;
	if ((size_t)w != len)
		return -EIO;
	return 0;
}

void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* One "Key: 123 kB" or "key 123" line; false if it is neither. */
static bool parse_keyed_line(char *line, json_object *out)
{
	char *sep = line + strcspn(line, ": \t");
	char *end;
	long long v;

	if (sep == line || !*sep || sep - line > 63)
		return false;
	*sep++ = '\0';
	while (*sep == ':' || *sep == ' ' || *sep == '\t')
		sep++;
	errno = 0;
	v = strtoll(sep, &end, 10);
	if (errno || end == sep)
		return false;
	json_object_object_add(out, line, json_object_new_int64(v));
	return true;
}

json_object *read_keyed(const char *path)
{
	_cleanup_free_ char *buf = malloc(KEYED_MAX_BYTES);
	json_object *o;
	char *line, *save = NULL;
	unsigned n = 0;

	if (!buf || read_text(path, buf, KEYED_MAX_BYTES) < 0)
		return NULL;
	o = json_object_new_object();
	for (line = strtok_r(buf, "\n", &save); line && n < KEYED_MAX_KEYS;
	     line = strtok_r(NULL, "\n", &save))
		n += parse_keyed_line(line, o);
	return o;
}

long long json_get_ll(json_object *o, const char *key, long long def)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return def;
	return json_object_get_int64(v);
}
