/* tests/unit/test_common.c — error channel, exit mapping, secure buffers,
 * the terminal escaper. */
#include "common/envseal.h"
#include "tests/unit/t.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

/* es_fput_esc of in (len bytes) gives want; es_esc_stream too, fed one
 * byte per write, so that split UTF-8 sequences are exercised. */
static void
esc_is(const char *name, const char *in, size_t len, unsigned flags,
    const char *want)
{
	char *a = NULL, *b = NULL;
	size_t na = 0, nb = 0, i;
	FILE *f, *e;
	int ok;

	if ((f = open_memstream(&a, &na)) != NULL) {
		es_fput_esc(f, in, len, flags);
		fclose(f);
	}
	if ((f = open_memstream(&b, &nb)) != NULL) {
		if ((e = es_esc_stream(f, flags)) != NULL) {
			setvbuf(e, NULL, _IONBF, 0);
			for (i = 0; i < len; i++)
				fwrite(in + i, 1, 1, e);
			fclose(e);
		}
		fclose(f);
	}
	ok = a && b && !strcmp(a, want) && !strcmp(b, want) &&
	    es_text_safe(in, len, flags) == !strcmp(want, in);
	if (!ok)
		printf("#  %s: got [%s] / stream [%s]\n", name, a ? a : "",
		    b ? b : "");
	T_CHECK(name, ok);
	free(a);
	free(b);
}
#define ESC(name, lit, flags, want) esc_is(name, lit, sizeof lit - 1, flags, want)

static void
test_escape(void)
{
	ESC("esc: plain ASCII unchanged", "abc /etc/x.env", 0, "abc /etc/x.env");
	ESC("esc: UTF-8 text unchanged", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 0,
	    "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
	ESC("esc: RLO U+202E", "a\xe2\x80\xae" "b", 0, "a\\u202eb");
	ESC("esc: every bidi control",
	    "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
	    "\xe2\x80\xad\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 0,
	    "\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u2066"
	    "\\u2067\\u2068\\u2069");
	ESC("esc: neighbours of bidi controls pass", "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa", 0,
	    "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xaa");
	ESC("esc: line/paragraph separators", "\xe2\x80\xa8\xe2\x80\xa9", 0,
	    "\\u2028\\u2029");
	ESC("esc: C1 controls (UTF-8)", "\xc2\x80\xc2\x9b\xc2\x9f\xc2\xa0", 0,
	    "\\u0080\\u009b\\u009f\xc2\xa0");
	ESC("esc: C0, DEL", "\x1b[31m\x01\x7f\r\t", 0, "\\x1b[31m\\x01\\x7f\\r\\t");
	ESC("esc: newline escaped", "a\nb", 0, "a\\nb");
	ESC("esc: newline kept with ES_ESC_KEEP_NL", "a\nb\x1b\n", ES_ESC_KEEP_NL,
	    "a\nb\\x1b\n");
	ESC("esc: raw 8-bit CSI byte", "a\x9b" "2J", 0, "a\\x9b" "2J");
	ESC("esc: invalid UTF-8 (lone cont, overlong, surrogate, > U+10FFFF)",
	    "\x80\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80", 0,
	    "\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xf4\\x90\\x80\\x80");
	ESC("esc: truncated sequence at the end", "ok\xe2\x80", 0, "ok\\xe2\\x80");
	ESC("esc: a lead byte then ASCII", "\xe2" "ab", 0, "\\xe2" "ab");
	ESC("esc: backslash passes", "a\\u202e", 0, "a\\u202e");
}

int
main(void)
{
	struct es_sbuf b = { 0 };
	unsigned char big[1000];
	size_t i;
	char hex[7];
	int r;

	T_CHECK("sodium_init", sodium_init() >= 0);
	test_escape();
	r = es_failf(ES_EPOLICY, "%s:%d: %s", "p.yml", 3, "unknown key");
	T_CHECK("failf returns its code", r == ES_EPOLICY);
	T_CHECK("failf records detail", !strcmp(es_errdetail(), "p.yml:3: unknown key"));
	es_errclear();
	T_CHECK("errclear", es_errdetail()[0] == '\0');
	T_CHECK("exit: policy 2", es_exit_status(ES_EPOLICY) == 2);
	T_CHECK("exit: wrong key 3", es_exit_status(ES_EKEY) == 3);
	T_CHECK("exit: format 3", es_exit_status(ES_EFORMAT) == 3);
	T_CHECK("exit: sandbox 4", es_exit_status(ES_ESANDBOX) == 4);
	T_CHECK("exit: not a vault 2", es_exit_status(ES_ENOTVAULT) == 2);
	T_CHECK("exit: errno 1", es_exit_status(-EIO) == 1);
	T_CHECK("exit: ok 0", es_exit_status(0) == 0);
	T_CHECK("strerror errno", !strcmp(es_strerror(-ENOENT), strerror(ENOENT)));
	/* Domain codes sit just below -999: each has its own text, never
	 * strerror's "Unknown error 999". */
	T_CHECK("strerror domain: policy", !strcmp(es_strerror(ES_EPOLICY),
	    "invalid policy"));
	T_CHECK("strerror domain: none is 'Unknown error'",
	    strstr(es_strerror(ES_EUNSAFE), "Unknown") == NULL &&
	    strstr(es_strerror(ES_EINTERNAL), "Unknown") == NULL &&
	    strstr(es_strerror(ES_EKEY), "Unknown") == NULL);

	/* Every domain code, ES_EUSAGE to ES_ECODE_LAST, has its own text
	 * and a status; a bug is EX_SOFTWARE, a runtime failure is not. */
	{
		int c, all = 1;

		for (c = ES_EUSAGE; c <= ES_ECODE_LAST; c++)
			if (!strcmp(es_strerror(c), "unknown error"))
				all = 0;
		T_CHECK("every domain code has a text", all);
	}
	T_CHECK("exit: bug 70 (EX_SOFTWARE)", es_exit_status(ES_EBUG) == 70);
	T_CHECK("exit: runtime failure 1", es_exit_status(ES_EINTERNAL) == 1);
	T_CHECK("strerror: bug says internal error",
	    strstr(es_strerror(ES_EBUG), "internal error") != NULL);

	/* A long detail is cut, marked, and never overflows. */
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	es_failf(ES_EYAML, "%s", (char *)big);
	T_CHECK("long detail cut", strlen(es_errdetail()) == ES_ERRDETAIL_MAX - 1);

	for (i = 0; i < 5000; i++)
		if (es_sbuf_putc(&b, (unsigned char)i) != 0)
			break;
	T_CHECK("sbuf grows", b.len == 5000 && b.cap >= 5000);
	T_CHECK("sbuf keeps bytes", b.p[4999] == (unsigned char)4999);
	es_sbuf_free(&b);
	T_CHECK("sbuf freed", b.p == NULL && b.len == 0 && b.cap == 0);
	T_CHECK("sbuf limit", es_sbuf_reserve(&b, ES_SBUF_MAX + 1) == ES_ELIMIT);

	T_CHECK("ct_equal same", es_ct_equal("abc", "abc", 3));
	T_CHECK("ct_equal differs", !es_ct_equal("abc", "abd", 3));
	es_hex(hex, (const unsigned char *)"\x01\xab\xff", 3);
	T_CHECK("hex lowercase", !strcmp(hex, "01abff"));

#define U8(s, want) T_CHECK("utf8_len " #s, es_utf8_len((const \
	unsigned char *)(s), sizeof(s) - 1) == (want))
	U8("a", 1);
	U8("\xc3\xa9", 2);
	U8("\xe2\x82\xac", 3);
	U8("\xf0\x9f\x98\x80", 4);
	U8("\xf4\x8f\xbf\xbf", 4);     /* U+10FFFF */
	U8("\xf4\x90\x80\x80", 0);     /* past U+10FFFF */
	U8("\xc0\xaf", 0);              /* overlong */
	U8("\xe0\x80\xaf", 0);          /* overlong */
	U8("\xed\xa0\x80", 0);          /* surrogate */
	U8("\xe2\x82", 0);              /* cut short */
	U8("\x80", 0);                  /* a continuation byte alone */
	U8("\xff", 0);
	T_CHECK("utf8_len of nothing", es_utf8_len((const unsigned char *)"", 0) == 0);
	return t_done();
}
