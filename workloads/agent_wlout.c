/* agent_wlout.c - see agent.h: the workload's stdout as `wl` records.
 * The workload is untrusted as far as the channel goes: lines are bounded,
 * the record count is bounded, and text is escaped to ASCII. */
#include <string.h>
#include <stdio.h>

#include "agent.h"

void wlout_init(struct wlout *w, int i)
{
	memset(w, 0, sizeof(*w));
	w->i = i;
}

/* Bytes outside printable ASCII become \xNN, as /dev/kmsg writes them. */
static json_object *escaped_text(const char *s, size_t len)
{
	char out[WL_TEXT_MAX + 1];
	size_t o = 0;

	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 > WL_TEXT_MAX)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 > WL_TEXT_MAX)
				break;
			snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
			o += 4;
		}
	}
	out[o] = '\0';
	return json_object_new_string_len(out, (int)o);
}

/* A JSON object filling the whole line, or NULL. */
static json_object *parse_object(const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t used;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)len);
	used = json_tokener_get_parse_end(tok);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  !json_object_is_type(o, json_type_object) ||
		  strspn(s + used, " \t\r") != len - used)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void send_line(struct agent *ag, struct wlout *w, const char *s, size_t len, bool cut)
{
	json_object *r = rec_new("wl"), *data = cut ? NULL : parse_object(s, len);

	json_object_object_add(r, "i", json_object_new_int(w->i));
	if (data)
		json_object_object_add(r, "data", data);
	else
		json_object_object_add(r, "text", escaped_text(s, len));
	rec_send(ag, r);
	w->sent++;
}

static void end_line(struct agent *ag, struct wlout *w)
{
	if (w->sent < WL_MAX_RECORDS - 1) {
		send_line(ag, w, w->line, w->len, w->overlong);
	} else {
		if (w->have_held)
			w->dropped++;
		memcpy(w->held, w->line, w->len);
		w->held_len = w->len;
		w->have_held = true;
	}
	w->len = 0;
	w->overlong = false;
}

void wlout_feed(struct agent *ag, struct wlout *w, const char *data, size_t len)
{
	for (size_t k = 0; k < len; k++) {
		if (data[k] == '\n') {
			end_line(ag, w);
		} else if (w->len < WL_LINE_MAX) {
			w->line[w->len++] = data[k];
		} else {
			w->overlong = true;
		}
	}
}

void wlout_finish(struct agent *ag, struct wlout *w)
{
	if (w->len || w->overlong)
		end_line(ag, w);
	if (w->have_held) {
		send_line(ag, w, w->held, w->held_len, w->held_len >= WL_LINE_MAX);
		w->have_held = false;
	}
}
