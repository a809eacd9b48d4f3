/*
 * policy/lint.c — the rules of `envseal policy lint` (policy/lint.h).
 * Pure: the loaded policy in, findings out. ES008, which renders and
 * scores units, is provision/exposure.c's (it needs provision's renderer).
 */
#include "policy/lint.h"
#include "common/envseal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A static value reads as a generated secret when it is at least
 * LINT_SECRET_MIN_LEN bytes with no space and either mixes lower case,
 * upper case and digits with few repeats (distinct bytes at least
 * LINT_DISTINCT_PCT percent of the first LINT_DISTINCT_SPAN: base64 and
 * most API tokens) or is LINT_HEX_MIN_LEN or more hex digits (a hex key).
 * Hostnames, ports, paths and lower-case URLs do not. A heuristic, as
 * every secret scanner's is; the name rule catches the rest. */
#define LINT_SECRET_MIN_LEN 20
#define LINT_DISTINCT_PCT 50
#define LINT_DISTINCT_SPAN 64
#define LINT_HEX_MIN_LEN 32
/* Longest CIDR text parsed (an IPv6 address and /128). */
#define LINT_CIDR_MAX 64

static const struct es_lint_rule rules[] = {
	{ "ES001", "binary-writable-by-service", ES_SEV_HIGH,
	    "the service binary or a directory above it is writable by the "
	    "service user or group" },
	{ "ES002", "env-file-readable", ES_SEV_HIGH,
	    "an env file is readable by someone other than root" },
	{ "ES003", "relative-vault-path", ES_SEV_MEDIUM,
	    "a vault path is relative to whatever directory the run starts "
	    "in" },
	{ "ES004", "static-secret", ES_SEV_HIGH,
	    "a static value looks like a secret; secrets belong in the vault" },
	{ "ES005", "rw-path-outside-dirs", ES_SEV_MEDIUM,
	    "a read_write_paths entry is under no policy directory" },
	{ "ES006", "allow-plaintext", ES_SEV_HIGH,
	    "an env file accepts a vault with no encrypted content" },
	{ "ES007", "ip-allow-wide", ES_SEV_MEDIUM,
	    "ip_allow reaches beyond loopback and private ranges" },
	{ "ES008", "unit-exposure", ES_SEV_MEDIUM,
	    "a rendered unit scores over the exposure threshold of "
	    "systemd-analyze security --offline" },
};

const struct es_lint_rule *
es_lint_rules(size_t *n)
{
	*n = sizeof rules / sizeof rules[0];
	return rules;
}

const struct es_lint_rule *
es_lint_rule_find(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}

const char *
es_lint_sev_name(enum es_lint_sev s)
{
	switch (s) {
	case ES_SEV_LOW: return "low";
	case ES_SEV_MEDIUM: return "medium";
	case ES_SEV_HIGH: return "high";
	}
	BUG("unknown severity");
}

int
es_lint_sev_parse(const char *s, enum es_lint_sev *out)
{
	if (!strcmp(s, "low"))
		*out = ES_SEV_LOW;
	else if (!strcmp(s, "medium"))
		*out = ES_SEV_MEDIUM;
	else if (!strcmp(s, "high"))
		*out = ES_SEV_HIGH;
	else
		return ES_EUSAGE;
	return 0;
}

int
es_lint_add(struct es_lint *l, const char *rule, enum es_lint_sev sev, size_t line,
    const char *fmt, ...)
{
	struct es_lint_finding *nv;
	char msg[ES_LINT_MSG_MAX];
	va_list ap;
	size_t cap;
	int n;

	if (es_lint_rule_find(rule) == NULL)
		BUG("unknown lint rule");
	if (l->n == ES_LINT_MAX)
		return 0;   /* the rest would say the same of more items */
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof msg)
		memcpy(msg + sizeof msg - 4, "...", 4);
	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 16;
		if ((nv = realloc(l->v, cap * sizeof *nv)) == NULL)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if ((l->v[l->n].message = strdup(msg)) == NULL)
		return -ENOMEM;
	l->v[l->n].rule = rule;
	l->v[l->n].severity = sev;
	l->v[l->n].line = line;
	l->n++;
	return 0;
}

/* a is b or lies beneath it. */
static int
under(const char *a, const char *b)
{
	size_t n = strlen(b);

	if (!strcmp(b, "/"))
		return 1;
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

static int
is_root_name(const char *s)
{
	return !strcmp(s, "root") || !strcmp(s, "0");
}

static int
is_service_user(const struct es_service *s, const char *owner)
{
	char id[24];

	(void)snprintf(id, sizeof id, "%ld", s->uid);
	return !strcmp(owner, s->user) || (s->uid >= 0 && !strcmp(owner, id));
}

static int
is_service_group(const struct es_service *s, const char *group)
{
	char id[24];

	(void)snprintf(id, sizeof id, "%ld", s->gid);
	return !strcmp(group, s->group) || (s->gid >= 0 && !strcmp(group, id));
}

/* ES001: who may write where the binary lives. */
static int
rule_binary(const struct es_policy *p, struct es_lint *l)
{
	const struct es_service *s = p->service;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < p->ndirs; i++) {
		const struct es_dir_entry *d = &p->dirs[i];

		if (!under(s->exec, d->path))
			continue;
		if (is_service_user(s, d->owner))
			r = es_lint_add(l, "ES001", ES_SEV_HIGH, d->line, "directories: "
			    "%s holds service.exec %s and is owned by the "
			    "service user %s", d->path, s->exec, d->owner);
		else if ((d->mode & 0020) && is_service_group(s, d->group))
			r = es_lint_add(l, "ES001", ES_SEV_HIGH, d->line, "directories: "
			    "%s holds service.exec %s and is writable by the "
			    "service group %s (mode %04o)", d->path, s->exec,
			    d->group, (unsigned)d->mode);
		else if (d->mode & 0022)
			r = es_lint_add(l, "ES001", ES_SEV_HIGH, d->line, "directories: "
			    "%s holds service.exec %s and is writable by group "
			    "%s or others (mode %04o)", d->path, s->exec,
			    d->group, (unsigned)d->mode);
	}
	for (i = 0; r == 0 && i < s->n_read_write_paths; i++)
		if (under(s->exec, s->read_write_paths[i]))
			r = es_lint_add(l, "ES001", ES_SEV_HIGH, s->line, "service."
			    "read_write_paths: %s holds service.exec %s: the "
			    "service may rewrite its own binary",
			    s->read_write_paths[i], s->exec);
	return r;
}

/* ES002 and ES006: each env file's readers and its vault's encryption. */
static int
rule_env_files(const struct es_policy *p, struct es_lint *l)
{
	const struct es_service *s = p->service;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < p->nenv_files; i++) {
		const struct es_env_file *e = &p->env_files[i];

		if ((e->mode & 0040) && s != NULL && is_service_group(s, e->group))
			r = es_lint_add(l, "ES002", ES_SEV_HIGH, e->line, "env_files[%zu]: "
			    "%s is readable by the service group %s (mode %04o): "
			    "PID 1 reads EnvironmentFile= as root; 0600 root is "
			    "the safe default", i, e->path, e->group,
			    (unsigned)e->mode);
		else if (e->mode & 0044)
			r = es_lint_add(l, "ES002", ES_SEV_MEDIUM, e->line, "env_files"
			    "[%zu]: %s is readable by group %s (mode %04o)", i,
			    e->path, e->group, (unsigned)e->mode);
		if (r == 0 && !is_root_name(e->owner))
			r = es_lint_add(l, "ES002", ES_SEV_MEDIUM, e->line, "env_files"
			    "[%zu]: %s is owned by %s, not root", i, e->path,
			    e->owner);
		if (r == 0 && e->vault != NULL && e->vault[0] != '/')
			r = es_lint_add(l, "ES003", ES_SEV_MEDIUM, e->line, "env_files"
			    "[%zu].vault: %s is relative: it resolves against "
			    "the directory the run starts in", i, e->vault);
		if (r == 0 && e->allow_plaintext)
			r = es_lint_add(l, "ES006", ES_SEV_HIGH, e->line, "env_files[%zu]"
			    ".allow_plaintext: whoever can write %s chooses the "
			    "service's environment without any key", i,
			    e->vault != NULL ? e->vault : "the vault");
	}
	return r;
}

/* The name says secret: *_PASSWORD, *_SECRET, *_TOKEN, *_KEY (or is one
 * of those words). */
static int
secret_name(const char *name)
{
	static const char *const tails[] = { "PASSWORD", "SECRET", "TOKEN",
	    "KEY", "PASSWD", "APIKEY" };
	size_t i, n = strlen(name), t;

	for (i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		t = strlen(tails[i]);
		if (n >= t && !strcasecmp(name + n - t, tails[i]) &&
		    (n == t || name[n - t - 1] == '_'))
			return 1;
	}
	return 0;
}

/* Long, spaceless, mixed and seldom repeating, or long hex. */
static int
random_looking(const char *s)
{
	unsigned char seen[256] = { 0 };
	size_t n = strlen(s), i, span, distinct = 0, hex = 0;
	int lower = 0, upper = 0, digit = 0;

	if (n < LINT_SECRET_MIN_LEN || strchr(s, ' ') != NULL)
		return 0;
	span = n < LINT_DISTINCT_SPAN ? n : LINT_DISTINCT_SPAN;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
		digit |= c >= '0' && c <= '9';
		hex += (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F');
		if (i < span && !seen[c]++)
			distinct++;
	}
	if (hex == n && n >= LINT_HEX_MIN_LEN)
		return 1;
	return lower && upper && digit &&
	    distinct * 100 >= span * LINT_DISTINCT_PCT;
}

/* ES004: a static value is in the policy, which is no secret store. */
static int
rule_statics(const struct es_policy *p, struct es_lint *l)
{
	size_t i, k;
	int r = 0;

	for (i = 0; r == 0 && i < p->nenv_files; i++) {
		const struct es_env_file *e = &p->env_files[i];

		for (k = 0; r == 0 && k < e->nstatics; k++) {
			const struct es_env_var *v = &e->statics[k];
			int by_name = secret_name(v->name);

			/* The value is never quoted: it may be a secret. */
			if (by_name || random_looking(v->value))
				r = es_lint_add(l, "ES004", ES_SEV_HIGH, v->line,
				    "env_files[%zu].static.%s: %s; put it in "
				    "the vault", i, v->name, by_name ?
				    "its name says it is a secret" :
				    "its value is long and random, like a "
				    "generated secret");
		}
	}
	return r;
}

/* ES005: the service may write only inside what the policy manages. */
static int
rule_rw_paths(const struct es_policy *p, struct es_lint *l)
{
	const struct es_service *s = p->service;
	size_t i, k;
	int r = 0, found;

	for (i = 0; r == 0 && i < s->n_read_write_paths; i++) {
		for (k = 0, found = 0; k < p->ndirs && !found; k++)
			found = under(s->read_write_paths[i], p->dirs[k].path);
		if (!found)
			r = es_lint_add(l, "ES005", ES_SEV_MEDIUM, s->line, "service."
			    "read_write_paths: %s is under no policy directory: "
			    "its owner and mode are nobody's to check",
			    s->read_write_paths[i]);
	}
	return r;
}

/* addr/prefix within net/len (IPv4 or IPv6, network byte order). */
static int
within(const unsigned char *a, int plen, const char *net, int nlen, int af)
{
	unsigned char n[16];
	int i;

	if (plen < nlen || inet_pton(af, net, n) != 1)
		return 0;
	for (i = 0; i < nlen / 8; i++)
		if (a[i] != n[i])
			return 0;
	return nlen % 8 == 0 ||
	    ((a[i] ^ n[i]) & (0xff << (8 - nlen % 8)) & 0xff) == 0;
}

/* Loopback, private, link-local (RFC 1918, RFC 4193, RFC 3927/4291). */
static int
private_cidr(const char *entry)
{
	static const struct { const char *net; int len; int af; } ok[] = {
		{ "127.0.0.0", 8, AF_INET }, { "10.0.0.0", 8, AF_INET },
		{ "172.16.0.0", 12, AF_INET }, { "192.168.0.0", 16, AF_INET },
		{ "169.254.0.0", 16, AF_INET }, { "::1", 128, AF_INET6 },
		{ "fc00::", 7, AF_INET6 }, { "fe80::", 10, AF_INET6 },
	};
	char buf[LINT_CIDR_MAX], *slash, *end;
	unsigned char a[16];
	size_t i;
	long plen;
	int af;

	if (!strcmp(entry, "localhost") || !strcmp(entry, "link-local"))
		return 1;
	if (strlen(entry) >= sizeof buf)
		return 0;
	strcpy(buf, entry);
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	plen = af == AF_INET ? 32 : 128;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (*end != '\0' || plen < 0 || plen > (af == AF_INET ? 32 : 128))
			return 0;
	}
	if (inet_pton(af, buf, a) != 1)
		return 0;
	for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (ok[i].af == af && within(a, (int)plen, ok[i].net, ok[i].len,
		    af))
			return 1;
	return 0;
}

/* ES007 */
static int
rule_ip_allow(const struct es_policy *p, struct es_lint *l)
{
	const struct es_service *s = p->service;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < s->n_ip_allow; i++) {
		const char *e = s->ip_allow[i];

		if (!strcmp(e, "any") || !strcmp(e, "0.0.0.0/0") ||
		    !strcmp(e, "::/0"))
			r = es_lint_add(l, "ES007", ES_SEV_HIGH, s->line, "service."
			    "ip_allow: %s lets the service reach any address",
			    e);
		else if (!private_cidr(e))
			r = es_lint_add(l, "ES007", ES_SEV_MEDIUM, s->line, "service."
			    "ip_allow: %s is wider than loopback and private "
			    "ranges", e);
	}
	return r;
}

int
es_lint_run(const struct es_policy *p, struct es_lint *out)
{
	int r = 0;

	if (p->service != NULL && ((r = rule_binary(p, out)) != 0 ||
	    (r = rule_rw_paths(p, out)) != 0 ||
	    (r = rule_ip_allow(p, out)) != 0))
		return r;
	if ((r = rule_env_files(p, out)) != 0)
		return r;
	return rule_statics(p, out);
}

void
es_lint_free(struct es_lint *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].message);
	free(l->v);
	memset(l, 0, sizeof *l);
}
