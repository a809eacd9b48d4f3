/* tests/unit/test_common.c — error channel, exit mapping, secure buffers. */
#include "common/envseal.h"
#include "tests/unit/t.h"

#include <errno.h>
#include <string.h>
#include <sodium.h>

int
main(void)
{
	struct es_sbuf b = { 0 };
	unsigned char big[1000];
	size_t i;
	char hex[7];
	int r;

	T_CHECK("sodium_init", sodium_init() >= 0);
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
	return t_done();
}
