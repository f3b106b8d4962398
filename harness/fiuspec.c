/* fiuspec.c - see fiuspec.h.  Hand-rolled rather than libfiu's own parser
 * (fiu_rc_string in libfiu.so): the guest agent is static and must not
 * link libfiu, and the controller checks the text before any guest runs. */
#include "fiuspec.h"

#include <stdio.h>
#include <string.h>

bool fiu_is_arg(const char *arg)
{
	return !strncmp(arg, FIU_ARG, strlen(FIU_ARG));
}

/* posix/..., libc/..., linux/...: the families of the POSIX preload. */
static bool valid_name(const char *s, size_t len)
{
	static const char *const families[] = { "posix/", "libc/", "linux/" };
	bool family = false;

	if (len == 0 || len >= FIU_NAME_MAX)
		return false;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		family |= !strncmp(s, families[i], strlen(families[i])) && len > strlen(families[i]);
	if (!family)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '*' && i == len - 1)
			continue;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '/'))
			return false;
	}
	return true;
}

/* "0", "1", "0.5", "1.000000": 0 to 1, at most 6 decimals. */
static bool parse_prob(const char *s, long *ppm)
{
	long v, scale = FIU_PPM;
	size_t k = 0;

	if ((s[0] != '0' && s[0] != '1') || (s[1] && s[1] != '.'))
		return false;
	v = (s[0] - '0') * FIU_PPM;
	if (s[1] == '.') {
		for (k = 2; s[k] >= '0' && s[k] <= '9' && k < 8; k++) {
			scale /= 10;
			v += (s[k] - '0') * scale;
		}
		if (k == 2 || s[k])
			return false;
	}
	if (v > FIU_PPM)
		return false;
	*ppm = v;
	return true;
}

bool fiu_parse(const char *spec, struct fiu_point *p, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);

	memset(p, 0, sizeof(*p));
	p->ppm = FIU_PPM;
	if (!valid_name(spec, len)) {
		snprintf(err, errlen, "'%.*s' is not a libfiu POSIX-preload point: posix/..., "
			 "libc/... or linux/... of a-z 0-9 _ /, at most %d bytes, optionally ending "
			 "in '*' (e.g. posix/mm/mmap, libc/mm/malloc; fiu-utils' function_list)",
			 (int)(len > 80 ? 80 : len), spec, FIU_NAME_MAX - 1);
		return false;
	}
	memcpy(p->name, spec, len);
	p->name[len] = '\0';
	if (colon && !parse_prob(colon + 1, &p->ppm)) {
		snprintf(err, errlen, "probability '%.20s' is not a number from 0 to 1 with at most "
			 "6 decimals", colon + 1);
		return false;
	}
	return true;
}

void fiu_prob_text(long ppm, char *out, size_t len)
{
	char frac[8];
	size_t n;

	if (ppm % FIU_PPM == 0) {
		snprintf(out, len, "%ld", ppm / FIU_PPM);
		return;
	}
	snprintf(frac, sizeof(frac), "%06ld", ppm % FIU_PPM);
	for (n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	snprintf(out, len, "%ld.%s", ppm / FIU_PPM, frac);
}

bool fiu_command(const struct fiu_point *p, char *out, size_t len)
{
	char prob[16];
	int n;

	fiu_prob_text(p->ppm, prob, sizeof(prob));
	if (p->ppm == FIU_PPM)
		n = snprintf(out, len, "enable name=%s,failnum=1,failinfo=%d", p->name, FIU_FAILINFO);
	else
		n = snprintf(out, len, "enable_random name=%s,probability=%s,failnum=1,failinfo=%d",
			     p->name, prob, FIU_FAILINFO);
	return n > 0 && (size_t)n < len;
}
