/* common/err.c — the error-detail channel and exit-status mapping. */
#include "common/envseal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static char detail[ES_ERRDETAIL_MAX];

int
es_failf(int code, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if (n < 0)
		detail[0] = '\0';
	/* A cut detail is still a useful one; mark it. */
	else if ((size_t)n >= sizeof detail)
		memcpy(detail + sizeof detail - 4, "...", 4);
	return code;
}

const char *
es_errdetail(void)
{
	return detail;
}

void
es_errclear(void)
{
	detail[0] = '\0';
}

static const struct {
	int code;
	const char *text;
	int exit_status;
} domain_errors[] = {
	{ ES_EUSAGE, "usage error", ES_EXIT_USAGE },
	{ ES_EPOLICY, "invalid policy", ES_EXIT_USAGE },
	{ ES_ENOTVAULT, "not an Ansible Vault", ES_EXIT_USAGE },
	{ ES_EFORMAT, "malformed vault", ES_EXIT_INTEGRITY },
	{ ES_EKEY, "no vault secret could decrypt", ES_EXIT_INTEGRITY },
	{ ES_EINTEGRITY, "integrity check failed", ES_EXIT_INTEGRITY },
	{ ES_ESANDBOX, "sandbox violation", ES_EXIT_SANDBOX },
	{ ES_EYAML, "invalid YAML", ES_EXIT_USAGE },
	{ ES_EVALUE, "value cannot be rendered", ES_EXIT_USAGE },
	{ ES_ENAME, "invalid variable name", ES_EXIT_USAGE },
	{ ES_EMISSING, "missing variable", ES_EXIT_USAGE },
	{ ES_ELIMIT, "size limit exceeded", ES_EXIT_USAGE },
	{ ES_EUNSAFE, "unsafe filesystem object", ES_EXIT_RUNTIME },
	{ ES_ECONFLICT, "conflict", ES_EXIT_RUNTIME },
	{ ES_EKEYSRC, "key source failed", ES_EXIT_RUNTIME },
	{ ES_ELOCKED, "lock busy", ES_EXIT_RUNTIME },
	{ ES_ENOSYS, "kernel feature missing", ES_EXIT_RUNTIME },
	{ ES_EINTERNAL, "runtime failure", ES_EXIT_RUNTIME },
	{ ES_EAGE, "malformed age file", ES_EXIT_USAGE },
	{ ES_EBUG, "internal error (a bug in envseal)", ES_EXIT_SOFTWARE },
};

const char *
es_strerror(int code)
{
	size_t i;

	/* The domain codes first: they run from -1000 upwards, so a plain
	 * "above -1000 is an errno" test would take them for errnos. */
	for (i = 0; i < sizeof domain_errors / sizeof domain_errors[0]; i++)
		if (domain_errors[i].code == code)
			return domain_errors[i].text;
	if (code > ES_EUSAGE && code < 0)
		return strerror(-code);
	return "unknown error";
}

int
es_exit_status(int code)
{
	size_t i;

	if (code == 0)
		return ES_EXIT_OK;
	for (i = 0; i < sizeof domain_errors / sizeof domain_errors[0]; i++)
		if (domain_errors[i].code == code)
			return domain_errors[i].exit_status;
	return ES_EXIT_RUNTIME;
}

static es_bug_handler_fn bug_handler;

void
es_bug_set_handler(es_bug_handler_fn fn)
{
	bug_handler = fn;
}

void
es_bug(const char *file, int line, const char *msg)
{
	if (bug_handler != NULL)
		bug_handler(file, line, msg);
	fprintf(stderr, "envseal: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}
