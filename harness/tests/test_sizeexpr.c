/* test_sizeexpr.c - size expressions: grammar, units, names, errors. */
#include <limits.h>
#include <string.h>

#include "sizeexpr.h"
#include "suites.h"

struct facts {
	long long ram, swap, commit_limit, committed_as;
	int lookups;
};

static bool lookup(const char *name, long long *v, void *ctx)
{
	struct facts *f = ctx;

	f->lookups++;
	if (!strcmp(name, "ram"))
		*v = f->ram;
	else if (!strcmp(name, "swap"))
		*v = f->swap;
	else if (!strcmp(name, "commit_limit"))
		*v = f->commit_limit;
	else if (!strcmp(name, "committed_as"))
		*v = f->committed_as;
	else
		return false;
	return true;
}

static struct facts F = { 256LL << 20, 128LL << 20, 200LL << 20, 10LL << 20, 0 };

static long long ev(const char *s)
{
	struct facts f = F;
	char err[128] = "x";
	long long v = -12345;

	ck_assert_msg(sizeexpr_eval(s, lookup, &f, &v, err, sizeof(err)), "'%s': %s", s, err);
	ck_assert_str_eq(err, "");
	return v;
}

static void ev_fails(const char *s, const char *want)
{
	struct facts f = F;
	char err[128] = "";
	long long v = -12345;

	ck_assert_msg(!sizeexpr_eval(s, lookup, &f, &v, err, sizeof(err)), "'%s' accepted", s);
	ck_assert_int_eq(v, -12345);
	ck_assert_msg(strstr(err, want), "'%s': error '%s' lacks '%s'", s, err, want);
}

START_TEST(numbers_and_units)
{
	ck_assert_int_eq(ev("0"), 0);
	ck_assert_int_eq(ev("4096"), 4096);
	ck_assert_int_eq(ev("64k"), 64LL << 10);
	ck_assert_int_eq(ev("64K"), 64LL << 10);
	ck_assert_int_eq(ev("64M"), 64LL << 20);
	ck_assert_int_eq(ev("3g"), 3LL << 30);
	ck_assert_int_eq(ev("2T"), 2LL << 40);
	ck_assert_int_eq(ev(" 1M "), 1LL << 20);
	ck_assert_int_eq(ev("9223372036854775807"), LLONG_MAX);
}
END_TEST

START_TEST(precedence_and_parens)
{
	ck_assert_int_eq(ev("1+2*3"), 7);
	ck_assert_int_eq(ev("(1+2)*3"), 9);
	ck_assert_int_eq(ev("10-4-3"), 3);
	ck_assert_int_eq(ev("100/10/5"), 2);
	ck_assert_int_eq(ev("7/2"), 3);
	ck_assert_int_eq(ev("1-5"), -4);
	ck_assert_int_eq(ev("((((1))))"), 1);
	ck_assert_int_eq(ev("2 * ( 3 + 4 ) - 1"), 13);
}
END_TEST

START_TEST(names)
{
	ck_assert_int_eq(ev("ram+swap+64M"), (256LL + 128 + 64) << 20);
	ck_assert_int_eq(ev("commit_limit-committed_as+64M"), (200LL - 10 + 64) << 20);
	ck_assert_int_eq(ev("2*ram"), 512LL << 20);
	ck_assert_int_eq(ev("ram*2"), 512LL << 20);
	ck_assert_int_eq(ev("(ram+swap)/2"), 192LL << 20);
}
END_TEST

START_TEST(lookup_is_called_per_name)
{
	struct facts f = F;
	char err[64];
	long long v;

	ck_assert(sizeexpr_eval("ram+ram+swap", lookup, &f, &v, err, sizeof(err)));
	ck_assert_int_eq(f.lookups, 3);
	f.lookups = 0;
	ck_assert(sizeexpr_eval("64M", lookup, &f, &v, err, sizeof(err)));
	ck_assert_int_eq(f.lookups, 0);
	/* No callback: any name is unknown. */
	ck_assert(!sizeexpr_eval("ram", NULL, NULL, &v, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unknown name 'ram'"));
}
END_TEST

START_TEST(syntax_errors)
{
	ev_fails("", "empty expression");
	ev_fails("   ", "empty expression");
	ev_fails("1+", "unexpected end at offset 2");
	ev_fails("+1", "unexpected '+' at offset 0");
	ev_fails("(1+2", "expected ')' at offset 4");
	ev_fails("1+2)", "unexpected ')' at offset 3");
	ev_fails("64MB", "bad number at offset 0");
	ev_fails("0x10", "bad number at offset 0");
	ev_fails("1 2", "unexpected '2' at offset 2");
	ev_fails("1;rm", "unexpected ';' at offset 1");
	ev_fails("1\x01", "unexpected byte 0x01 at offset 1");
	ev_fails("free", "unknown name 'free'");
	ev_fails("rams", "unknown name 'rams'");
	ev_fails("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "name too long");
}
END_TEST

START_TEST(arithmetic_errors)
{
	ev_fails("9223372036854775808", "number too large at offset 0");
	ev_fails("8388608T", "number too large");
	ev_fails("9223372036854775807+1", "overflow at offset 19");
	ev_fails("0-9223372036854775807-2", "overflow");
	ev_fails("4T*4T", "overflow at offset 2");
	ev_fails("1/0", "division by zero at offset 1");
	ev_fails("ram/(swap-128M)", "division by zero");
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char deep[256];
	size_t n = 100;

	memset(deep, '(', n);
	deep[n] = '1';
	memset(deep + n + 1, ')', n);
	deep[2 * n + 1] = '\0';
	ev_fails(deep, "nested too deep");
	ck_assert(!sizeexpr_check(deep, NULL, 0));
	/* 32 levels are fine. */
	memset(deep, '(', 32);
	deep[32] = '7';
	memset(deep + 33, ')', 32);
	deep[65] = '\0';
	ck_assert_int_eq(ev(deep), 7);
}
END_TEST

START_TEST(check_accepts_known_names_only)
{
	char err[128];

	for (size_t i = 0; sizeexpr_names[i]; i++)
		ck_assert_msg(sizeexpr_check(sizeexpr_names[i], err, sizeof(err)), "%s: %s",
			      sizeexpr_names[i], err);
	ck_assert(sizeexpr_check("ram+swap+64M", err, sizeof(err)));
	ck_assert(sizeexpr_check("commit_limit-committed_as-32M", err, sizeof(err)));
	ck_assert(sizeexpr_check("memcg_max/2", err, sizeof(err)));
	ck_assert(sizeexpr_check("available - free", err, sizeof(err)));
	/* A syntax check: arithmetic on the placeholder values is not an error. */
	ck_assert(sizeexpr_check("ram/(swap-1)", err, sizeof(err)));
	ck_assert(!sizeexpr_check("ramm", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unknown name 'ramm' at offset 0"));
	ck_assert(!sizeexpr_check("ram+", err, sizeof(err)));
	ck_assert(sizeexpr_check("1", NULL, 0));
	ck_assert(!sizeexpr_check(NULL, err, sizeof(err)));
	ck_assert(sizeexpr_check("ram", err, 0));
}
END_TEST

START_TEST(error_message_is_bounded)
{
	char err[8];

	memset(err, 'x', sizeof(err));
	ck_assert(!sizeexpr_check("unknownname", err, sizeof(err)));
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
}
END_TEST

Suite *suite_sizeexpr(void)
{
	Suite *s = suite_create("sizeexpr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, numbers_and_units);
	tcase_add_test(tc, precedence_and_parens);
	tcase_add_test(tc, names);
	tcase_add_test(tc, lookup_is_called_per_name);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, arithmetic_errors);
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, check_accepts_known_names_only);
	tcase_add_test(tc, error_message_is_bounded);
	suite_add_tcase(s, tc);
	return s;
}
