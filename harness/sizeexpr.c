/* sizeexpr.c - see sizeexpr.h.
 *
 * A recursive-descent parser that evaluates as it parses, in 64-bit signed
 * arithmetic with overflow checks.  The input is untrusted (scenario files,
 * plans): nesting is bounded, numbers and names are bounded, and every error
 * names its offset.  Plain C without host libraries: the guest agent links it.
 */
#include "sizeexpr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SIZEEXPR_MAX_DEPTH 32
#define SIZEEXPR_MAX_NAME 32

const char *const sizeexpr_names[] = {
	"ram", "swap", "commit_limit", "committed_as", "free", "available", "memcg_max", NULL,
};

struct parser {
	const char *s;
	size_t pos;
	int depth;
	bool check_only;       /* names are worth 1, arithmetic errors ignored */
	sizeexpr_lookup lookup;
	void *ctx;
	char *err;
	size_t errlen;
	bool failed;
};

static bool parse_expr(struct parser *p, long long *out);

__attribute__((format(printf, 2, 3)))
static bool fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return false;
	p->failed = true;
	if (p->err && p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

static void skip_space(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

/* An arithmetic error (overflow, division by zero) is an error when
 * evaluating, and not one when only the syntax is checked. */
static bool arith_fail(struct parser *p, long long *out, const char *what, size_t at)
{
	if (p->check_only) {
		*out = 0;
		return true;
	}
	return fail(p, "%s at offset %zu", what, at);
}

static bool unit_shift(char c, int *shift)
{
	switch (c) {
	case 'k': case 'K': *shift = 10; return true;
	case 'm': case 'M': *shift = 20; return true;
	case 'g': case 'G': *shift = 30; return true;
	case 't': case 'T': *shift = 40; return true;
	default: return false;
	}
}

static bool parse_number(struct parser *p, long long *out)
{
	size_t start = p->pos;
	long long v = 0;
	int shift = 0;

	while (isdigit((unsigned char)p->s[p->pos])) {
		int d = p->s[p->pos] - '0';

		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			return fail(p, "number too large at offset %zu", start);
		p->pos++;
	}
	if (unit_shift(p->s[p->pos], &shift)) {
		p->pos++;
		if (v > (__LONG_LONG_MAX__ >> shift))
			return fail(p, "number too large at offset %zu", start);
		v <<= shift;
	}
	if (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_')
		return fail(p, "bad number at offset %zu", start);
	*out = v;
	return true;
}

static bool known_name(const char *name)
{
	for (size_t i = 0; sizeexpr_names[i]; i++)
		if (!strcmp(sizeexpr_names[i], name))
			return true;
	return false;
}

static bool parse_name(struct parser *p, long long *out)
{
	char name[SIZEEXPR_MAX_NAME + 1];
	size_t start = p->pos, n = 0;

	while (isalnum((unsigned char)p->s[p->pos]) || p->s[p->pos] == '_') {
		if (n == SIZEEXPR_MAX_NAME)
			return fail(p, "name too long at offset %zu", start);
		name[n++] = p->s[p->pos++];
	}
	name[n] = '\0';
	if (p->check_only) {
		if (!known_name(name))
			return fail(p, "unknown name '%s' at offset %zu", name, start);
		*out = 1;
		return true;
	}
	if (!p->lookup || !p->lookup(name, out, p->ctx))
		return fail(p, "unknown name '%s' at offset %zu", name, start);
	return true;
}

static bool parse_factor(struct parser *p, long long *out)
{
	char c;

	skip_space(p);
	c = p->s[p->pos];
	if (c == '(') {
		bool ok;

		if (++p->depth > SIZEEXPR_MAX_DEPTH)
			return fail(p, "parentheses nested too deep at offset %zu", p->pos);
		p->pos++;
		ok = parse_expr(p, out);
		p->depth--;
		if (!ok)
			return false;
		skip_space(p);
		if (p->s[p->pos] != ')')
			return fail(p, "expected ')' at offset %zu", p->pos);
		p->pos++;
		return true;
	}
	if (isdigit((unsigned char)c))
		return parse_number(p, out);
	if (isalpha((unsigned char)c) || c == '_')
		return parse_name(p, out);
	if (c == '\0')
		return fail(p, "unexpected end at offset %zu", p->pos);
	if (isprint((unsigned char)c))
		return fail(p, "unexpected '%c' at offset %zu", c, p->pos);
	return fail(p, "unexpected byte 0x%02x at offset %zu", (unsigned char)c, p->pos);
}

static bool parse_term(struct parser *p, long long *out)
{
	long long v, r;

	if (!parse_factor(p, &v))
		return false;
	for (;;) {
		size_t at;
		char op;

		skip_space(p);
		op = p->s[p->pos];
		if (op != '*' && op != '/')
			break;
		at = p->pos++;
		if (!parse_factor(p, &r))
			return false;
		if (op == '*') {
			if (__builtin_mul_overflow(v, r, &v) && !arith_fail(p, &v, "overflow", at))
				return false;
		} else if (r == 0 || (v == -__LONG_LONG_MAX__ - 1 && r == -1)) {
			if (!arith_fail(p, &v, r ? "overflow" : "division by zero", at))
				return false;
		} else {
			v /= r;
		}
	}
	*out = v;
	return true;
}

static bool parse_expr(struct parser *p, long long *out)
{
	long long v, r;

	if (!parse_term(p, &v))
		return false;
	for (;;) {
		bool bad;
		size_t at;
		char op;

		skip_space(p);
		op = p->s[p->pos];
		if (op != '+' && op != '-')
			break;
		at = p->pos++;
		if (!parse_term(p, &r))
			return false;
		bad = op == '+' ? __builtin_add_overflow(v, r, &v) : __builtin_sub_overflow(v, r, &v);
		if (bad && !arith_fail(p, &v, "overflow", at))
			return false;
	}
	*out = v;
	return true;
}

static bool run(struct parser *p, long long *out)
{
	long long v = 0;

	if (p->err && p->errlen)
		p->err[0] = '\0';
	if (!p->s)
		return fail(p, "no expression");
	skip_space(p);
	if (p->s[p->pos] == '\0')
		return fail(p, "empty expression");
	if (!parse_expr(p, &v))
		return false;
	skip_space(p);
	if (p->s[p->pos] != '\0') {
		char c = p->s[p->pos];

		if (isprint((unsigned char)c))
			return fail(p, "unexpected '%c' at offset %zu", c, p->pos);
		return fail(p, "unexpected byte 0x%02x at offset %zu", (unsigned char)c, p->pos);
	}
	if (out)
		*out = v;
	return true;
}

bool sizeexpr_eval(const char *s, sizeexpr_lookup lookup, void *ctx, long long *out,
		   char *err, size_t errlen)
{
	struct parser p = {
		.s = s, .lookup = lookup, .ctx = ctx, .err = err, .errlen = errlen,
	};

	return run(&p, out);
}

bool sizeexpr_check(const char *s, char *err, size_t errlen)
{
	struct parser p = { .s = s, .check_only = true, .err = err, .errlen = errlen };

	return run(&p, NULL);
}
