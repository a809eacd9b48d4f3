/*
 * policy/policy.c — load and validate policy v1 (policy/policy.h).
 *
 * The YAML is loaded as a libyaml document and walked against a table per
 * section. Every error names FILE:LINE: KEY.PATH. Scalars are taken as
 * written (a plain `0750` is the text "0750", never the YAML 1.1 octal
 * integer 488), so a mode may be quoted or not and means the same.
 */
#include "policy/policy.h"
#include "common/envseal.h"
#include "common/id.h"
#include "fs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <yaml.h>

/* Longest key path in a message ("env_files[255].vars.NAME..."). */
#define KEYPATH_MAX 320
/* Longest free-text message part before the detail is formatted. */
#define MSG_MAX 256
/* Env names are bounded only by the 131071-byte NAME=VALUE limit; a
 * policy name longer than this is a typo, not a variable. */
#define ENVNAME_MAX 255
/* A static value, like any env entry, fits the kernel's per-string limit. */
#define STATIC_VALUE_MAX 131071
/* Vault variable names and gecos: short human text. */
#define TEXT_MAX 256
/* Highest id we pin: below the 32-bit "nobody"/-1 values and the 16-bit
 * overflow id 65534 that NFS and user namespaces map unknown ids to. */
#define ID_MAX 2147483646L

struct pctx {
	const char *name;          /* file name for messages */
	yaml_document_t *doc;
	struct es_policy *p;
};

enum ftype {
	F_NAME,        /* user or group name (or a numeric id) */
	F_UNITNAME,    /* unit name without .service */
	F_ID,          /* uid/gid */
	F_PORT,
	F_ABSPATH,
	F_UNITPATH,    /* absolute path ending in .service */
	F_RELPATH,     /* vault: relative or absolute */
	F_TEXT,        /* gecos */
	F_MODE,
	F_PATHLIST,
	F_IPLIST,
	F_VARS,        /* env_files[].vars */
	F_STATIC,      /* env_files[].static */
	F_BOOL,        /* true or false, plain */
	F_RECIPLIST,   /* env_files[].recipients: age1... or a file path */
};

struct field {
	const char *key;
	enum ftype type;
	size_t off;        /* where the value goes in the section's struct */
	size_t cnt_off;    /* lists: where the count goes */
	int required;
};

static int
failn(struct pctx *c, const yaml_node_t *n, const char *kp,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
failn(struct pctx *c, const yaml_node_t *n, const char *kp,
    const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		msg[0] = '\0';
	/* A cut message still names the file, line and key. */
	return es_failf(ES_EPOLICY, "%s:%zu: %s: %s", c->name,
	    n ? (size_t)n->start_mark.line + 1 : (size_t)1, kp, msg);
}

static int
keypath(char *out, size_t sz, const char *base, const char *key)
{
	int r;

	if (*base)
		r = snprintf(out, sz, "%s.%s", base, key);
	else
		r = snprintf(out, sz, "%s", key);
	if (r < 0 || (size_t)r >= sz)
		return es_failf(ES_ELIMIT, "policy key path too long");
	return 0;
}

/* --- scalar checks ------------------------------------------------------ */

/* The scalar's text when n is a scalar without NUL; else NULL. */
static const char *
scalar(const yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* A plain ~, null or empty scalar: YAML's null, never a string. */
static int
is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	    !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *
node_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return "a null";
}

static int
want_string(struct pctx *c, const yaml_node_t *n, const char *kp,
    const char **out)
{
	const char *s = scalar(n);

	if (s == NULL && n->type == YAML_SCALAR_NODE)
		return failn(c, n, kp, "contains a NUL byte");
	if (s == NULL || is_null(n))
		return failn(c, n, kp, "must be a string, not %s",
		    node_kind(n));
	*out = s;
	return 0;
}

static int
has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Account names as shadow-utils accepts them, numeric ids included. */
static int
valid_account(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 31)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    ch == '_' || (ch >= '0' && ch <= '9'))
			continue;
		if (i > 0 && (ch == '-' || ch == '.'))
			continue;
		return 0;
	}
	return 1;
}

static int
valid_unitname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ES_NAME_MAX || *s == '-' || *s == '.')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") == n;
}

/* Paths go into unit files and passwd lines: a conservative charset with
 * no whitespace, quotes, '%' (unit specifiers), ':' (passwd fields), '$' or
 * '\\', and no "." or ".." component. */
static int
valid_path_chars(const char *s)
{
	const char *comp;
	size_t n = strlen(s), len;

	if (n == 0 || n >= ES_PATH_MAX)
		return 0;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.@+,=/-") != n)
		return 0;
	for (comp = s; *comp;) {
		len = strcspn(comp, "/");
		if ((len == 1 && comp[0] == '.') ||
		    (len == 2 && comp[0] == '.' && comp[1] == '.'))
			return 0;
		comp += len;
		if (*comp == '/')
			comp++;
	}
	return 1;
}

static int
valid_abspath(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != '/' || strstr(s, "//") != NULL)
		return 0;
	if (n > 1 && s[n - 1] == '/')
		return 0;
	return valid_path_chars(s);
}

static int
valid_envname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ENVNAME_MAX || (*s >= '0' && *s <= '9'))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_") == n;
}

/* IPAddressAllow= items: symbolic names or an address with prefix. */
static int
valid_ip(const char *s)
{
	size_t n = strlen(s);

	if (!strcmp(s, "any") || !strcmp(s, "localhost") ||
	    !strcmp(s, "link-local") || !strcmp(s, "multicast"))
		return 1;
	return n > 0 && n < 64 &&
	    strspn(s, "0123456789abcdefABCDEF.:/") == n;
}

/* Decimal digits only, no sign, no leading zero, at most max. */
static int
parse_num(const char *s, long max, long *out)
{
	long v = 0;

	if (!*s || (*s == '0' && s[1]) || strspn(s, "0123456789") != strlen(s))
		return -1;
	for (; *s; s++) {
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* An id as common/id.h reads it, plus the policy's own rules: no leading
 * zero (YAML 1.1 reads 0100 as octal) and at most ID_MAX. */
static int
parse_id(const char *s, long *out)
{
	uint32_t v;

	if ((s[0] == '0' && s[1] != '\0') || es_id_parse(s, strlen(s), &v) != 0 ||
	    v > (uint32_t)ID_MAX)
		return -1;
	*out = (long)v;
	return 0;
}

/* "0750", "01750": a leading 0 and three or four octal digits. */
static int
parse_mode(const char *s, mode_t *out)
{
	size_t n = strlen(s);
	mode_t m = 0;

	if ((n != 4 && n != 5) || s[0] != '0' ||
	    strspn(s, "01234567") != n)
		return -1;
	for (; *s; s++)
		m = (m << 3) | (mode_t)(*s - '0');
	*out = m;
	return 0;
}

static char *
dup_or_fail(const char *s, int *r)
{
	char *d = strdup(s);

	if (d == NULL)
		*r = -ENOMEM;
	return d;
}

/* --- typed fields -------------------------------------------------------- */

static int
set_string(struct pctx *c, const yaml_node_t *n, const char *kp,
    enum ftype t, char **dst)
{
	const char *s;
	long id;
	int r;

	if ((r = want_string(c, n, kp, &s)) != 0)
		return r;
	switch (t) {
	case F_NAME:
		if (!valid_account(s))
			return failn(c, n, kp, "'%s' is not a valid account "
			    "name ([A-Za-z_][A-Za-z0-9_.-]*, at most 31)", s);
		/* A numeric id must fit: (uid_t)-1 would mean "unchanged"
		 * to chown. */
		if (strspn(s, "0123456789") == strlen(s) &&
		    (parse_id(s, &id) != 0))
			return failn(c, n, kp, "numeric id '%s' is not from 0 "
			    "to %ld", s, ID_MAX);
		break;
	case F_UNITNAME:
		if (!valid_unitname(s))
			return failn(c, n, kp, "not a valid unit name "
			    "([A-Za-z0-9_.-], without .service)");
		break;
	case F_ABSPATH:
	case F_UNITPATH:
		if (s[0] != '/')
			return failn(c, n, kp, "'%s' is relative; an absolute "
			    "path is required", s);
		if (!valid_abspath(s))
			return failn(c, n, kp, "path has a character, '.' or "
			    "'..' component or '//' envseal refuses "
			    "(allowed: A-Za-z0-9_.@+,=/-)");
		if (t == F_UNITPATH && (strlen(s) < 9 ||
		    strcmp(s + strlen(s) - 8, ".service") != 0))
			return failn(c, n, kp, "must end in .service");
		break;
	case F_RELPATH:
		if (strlen(s) >= ES_PATH_MAX || has_ctrl(s))
			return failn(c, n, kp, "not a usable path");
		break;
	case F_TEXT:
		if (strlen(s) > TEXT_MAX || has_ctrl(s) || strchr(s, ':') ||
		    strchr(s, '\\'))
			return failn(c, n, kp, "must be at most %d characters "
			    "without ':', '\\' or control characters",
			    TEXT_MAX);
		break;
	default:
		BUG("set_string: not a string type");
	}
	free(*dst);
	r = 0;
	*dst = dup_or_fail(s, &r);
	return r;
}

static int
set_list(struct pctx *c, const yaml_node_t *n, const char *kp,
    enum ftype t, char ***dst, size_t *cnt)
{
	yaml_node_item_t *it;
	char ekp[KEYPATH_MAX];
	size_t k = 0, total;
	char **v;
	int r;

	if (n->type != YAML_SEQUENCE_NODE)
		return failn(c, n, kp, "must be a list");
	total = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (total > ES_POLICY_MAX_ITEMS)
		return failn(c, n, kp, "more than %d items",
		    ES_POLICY_MAX_ITEMS);
	if ((v = calloc(total + 1, sizeof *v)) == NULL)
		return -ENOMEM;
	*dst = v;
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++, k++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		const char *s;

		r = snprintf(ekp, sizeof ekp, "%s[%zu]", kp, k);
		if (r < 0 || (size_t)r >= sizeof ekp)
			return es_failf(ES_ELIMIT, "policy key path too long");
		if ((r = want_string(c, e, ekp, &s)) != 0)
			return r;
		if (t == F_PATHLIST && !valid_abspath(s))
			return failn(c, e, ekp, s[0] == '/' ? "path has a "
			    "character or component envseal refuses" :
			    "relative; an absolute path is required");
		if (t == F_RECIPLIST && (*s == '\0' || has_ctrl(s)))
			return failn(c, e, ekp, "not an age1 recipient or a "
			    "file of them");
		if (t == F_IPLIST && !valid_ip(s))
			return failn(c, e, ekp, "'%s' is not an address, "
			    "prefix or any/localhost/link-local/multicast", s);
		r = 0;
		if ((v[k] = dup_or_fail(s, &r)) == NULL)
			return r;
		*cnt = k + 1;
	}
	return 0;
}

static int
set_number(struct pctx *c, const yaml_node_t *n, const char *kp,
    enum ftype t, void *dst)
{
	const char *s;
	long v;
	int r;

	if ((r = want_string(c, n, kp, &s)) != 0)
		return r;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return failn(c, n, kp, "must be a number, not a quoted "
		    "string");
	if (t == F_ID) {
		if (parse_id(s, &v) != 0 || v == 0 || v == 65534)
			return failn(c, n, kp, "must be an id from 1 to %ld "
			    "(not 0, not 65534)", ID_MAX);
		/* A service under the worker's ids could signal workers. */
		if (ES_ID_IS_WORKER(v))
			return failn(c, n, kp, "%ld is in %lu..%lu, the ids "
			    "envseal reserves for its sandboxed worker", v,
			    ES_WORKER_ID_BASE, ES_WORKER_ID_BASE +
			    ES_WORKER_ID_COUNT - 1);
		*(long *)dst = v;
	} else {
		if (parse_num(s, 65535, &v) != 0 || v == 0)
			return failn(c, n, kp, "must be a port from 1 to "
			    "65535");
		*(unsigned *)dst = (unsigned)v;
	}
	return 0;
}

static int
set_mode(struct pctx *c, const yaml_node_t *n, const char *kp, mode_t *dst)
{
	const char *s;
	int r;

	if ((r = want_string(c, n, kp, &s)) != 0)
		return r;
	/* "4640" is octal enough to be meant, and its first digit is a
	 * set-id or sticky bit: say that, not "not octal". An env file takes
	 * none (check_env_file); a directory takes them behind the 0. */
	if (strlen(s) == 4 && s[0] != '0' && strspn(s, "01234567") == 4 &&
	    !strncmp(kp, "env_files", 9))
		return failn(c, n, kp, "'%s': set-id and sticky bits are not "
		    "allowed in an env file's mode; a mode is a leading 0 and "
		    "3 octal digits, like \"0%s\"", s, s + 1);
	if (strlen(s) == 4 && s[0] != '0' && strspn(s, "01234567") == 4)
		return failn(c, n, kp, "'%s' has no leading 0: write \"0%s\" "
		    "for the set-id/sticky digit %c, or \"0%s\" without it",
		    s, s, s[0], s + 1);
	if (parse_mode(s, dst) != 0)
		return failn(c, n, kp, "'%s' is not an octal mode like "
		    "\"0750\" (a leading 0 and 3 or 4 octal digits)", s);
	return 0;
}

/* A plain true or false (YAML 1.2's core spellings). Nothing else: a
 * quoted "true" or YAML 1.1's yes/on would read differently elsewhere, and
 * this switch weakens a security check. */
static int
set_bool(struct pctx *c, const yaml_node_t *n, const char *kp, int *dst)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	const char *s;
	size_t i;
	int r;

	if ((r = want_string(c, n, kp, &s)) != 0)
		return r;
	for (i = 0; n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && i < 3;
	    i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*dst = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return failn(c, n, kp, "must be true or false (plain, unquoted)");
}

/* One pair of a mapping: its key (scalar) and value node. */
static int
pair_key(struct pctx *c, const yaml_node_pair_t *pr, const char *base,
    const char **key, yaml_node_t **val)
{
	yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);

	*val = yaml_document_get_node(c->doc, pr->value);
	*key = scalar(k);
	if (*key == NULL || is_null(k))
		return failn(c, k, *base ? base : "(top)", "keys must be "
		    "strings");
	return 0;
}

/* A key that occurs twice in one mapping (YAML says keys are unique; a
 * loader that keeps the last one hides a typo or an attack). */
static int
check_dups(struct pctx *c, const yaml_node_t *map, const char *base)
{
	yaml_node_pair_t *a, *b;
	char kp[KEYPATH_MAX];
	int r;

	for (a = map->data.mapping.pairs.start;
	    a < map->data.mapping.pairs.top; a++) {
		const char *ka = scalar(yaml_document_get_node(c->doc, a->key));

		for (b = map->data.mapping.pairs.start; b < a; b++) {
			const char *kb = scalar(yaml_document_get_node(c->doc,
			    b->key));

			if (ka == NULL || kb == NULL || strcmp(ka, kb) != 0)
				continue;
			if ((r = keypath(kp, sizeof kp, base, ka)) != 0)
				return r;
			return failn(c, yaml_document_get_node(c->doc, a->key),
			    kp, "duplicate key (first at line %zu)",
			    (size_t)yaml_document_get_node(c->doc,
			    b->key)->start_mark.line + 1);
		}
	}
	return 0;
}

static int
want_mapping(struct pctx *c, const yaml_node_t *n, const char *kp)
{
	size_t total;

	if (n->type != YAML_MAPPING_NODE)
		return failn(c, n, kp, "must be a mapping");
	total = (size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start);
	if (total > ES_POLICY_MAX_ITEMS)
		return failn(c, n, kp, "more than %d entries",
		    ES_POLICY_MAX_ITEMS);
	return check_dups(c, n, kp);
}

/* vars / static: an ordered mapping NAME: text. */
static int
set_envmap(struct pctx *c, const yaml_node_t *n, const char *kp,
    enum ftype t, struct es_env_var **dst, size_t *cnt)
{
	yaml_node_pair_t *pr;
	char ekp[KEYPATH_MAX];
	size_t total;
	int r;

	if ((r = want_mapping(c, n, kp)) != 0)
		return r;
	total = (size_t)(n->data.mapping.pairs.top -
	    n->data.mapping.pairs.start);
	if ((*dst = calloc(total + 1, sizeof **dst)) == NULL)
		return -ENOMEM;
	for (pr = n->data.mapping.pairs.start;
	    pr < n->data.mapping.pairs.top; pr++) {
		struct es_env_var *e = &(*dst)[*cnt];
		const char *name, *s;
		yaml_node_t *v;

		if ((r = pair_key(c, pr, kp, &name, &v)) != 0)
			return r;
		if ((r = keypath(ekp, sizeof ekp, kp, name)) != 0)
			return r;
		if (!valid_envname(name))
			return failn(c, yaml_document_get_node(c->doc, pr->key),
			    ekp, "not a valid variable name "
			    "([A-Za-z_][A-Za-z0-9_]*)");
		if ((r = want_string(c, v, ekp, &s)) != 0)
			return r;
		if (t == F_VARS && (!*s || strlen(s) > TEXT_MAX ||
		    has_ctrl(s)))
			return failn(c, v, ekp, "not a usable vault variable "
			    "name");
		if (t == F_STATIC && strlen(name) + 1 + strlen(s) >
		    STATIC_VALUE_MAX)
			return failn(c, v, ekp, "NAME=VALUE longer than %d "
			    "bytes", STATIC_VALUE_MAX);
		e->line = (size_t)v->start_mark.line + 1;
		r = 0;
		if ((e->name = dup_or_fail(name, &r)) == NULL ||
		    (e->value = dup_or_fail(s, &r)) == NULL)
			return r;
		(*cnt)++;
	}
	return 0;
}

static int
set_field(struct pctx *c, const struct field *f, const yaml_node_t *n,
    const char *kp, void *obj)
{
	char *base = obj;

	switch (f->type) {
	case F_ID:
	case F_PORT:
		return set_number(c, n, kp, f->type, base + f->off);
	case F_MODE:
		return set_mode(c, n, kp, (mode_t *)(void *)(base + f->off));
	case F_BOOL:
		return set_bool(c, n, kp, (int *)(void *)(base + f->off));
	case F_PATHLIST:
	case F_IPLIST:
	case F_RECIPLIST:
		return set_list(c, n, kp, f->type,
		    (char ***)(void *)(base + f->off),
		    (size_t *)(void *)(base + f->cnt_off));
	case F_VARS:
	case F_STATIC:
		if (f->type == F_VARS)
			((struct es_env_file *)obj)->explicit_vars = 1;
		return set_envmap(c, n, kp, f->type,
		    (struct es_env_var **)(void *)(base + f->off),
		    (size_t *)(void *)(base + f->cnt_off));
	default:
		return set_string(c, n, kp, f->type,
		    (char **)(void *)(base + f->off));
	}
}

/* Walk a mapping against its field table. */
static int
walk_fields(struct pctx *c, const yaml_node_t *map, const char *base,
    const struct field *tab, size_t ntab, void *obj)
{
	char kp[KEYPATH_MAX];
	yaml_node_pair_t *pr;
	size_t i;
	int r, seen[32] = { 0 };

	BUG_ON(ntab > sizeof seen / sizeof seen[0]);
	if ((r = want_mapping(c, map, base)) != 0)
		return r;
	for (pr = map->data.mapping.pairs.start;
	    pr < map->data.mapping.pairs.top; pr++) {
		const char *key;
		yaml_node_t *v;

		if ((r = pair_key(c, pr, base, &key, &v)) != 0)
			return r;
		if ((r = keypath(kp, sizeof kp, base, key)) != 0)
			return r;
		for (i = 0; i < ntab && strcmp(tab[i].key, key) != 0; i++)
			;
		if (i == ntab)
			return failn(c, yaml_document_get_node(c->doc, pr->key),
			    kp, "unknown key");
		seen[i] = 1;
		if ((r = set_field(c, &tab[i], v, kp, obj)) != 0)
			return r;
	}
	for (i = 0; i < ntab; i++) {
		if (!tab[i].required || seen[i])
			continue;
		if ((r = keypath(kp, sizeof kp, base, tab[i].key)) != 0)
			return r;
		return failn(c, map, kp, "required key is missing");
	}
	return 0;
}

/* --- sections ------------------------------------------------------------ */

#define SVC(k, t, m, req) { k, t, offsetof(struct es_service, m), 0, req }
#define SVCL(k, t, m, n) { k, t, offsetof(struct es_service, m), \
	offsetof(struct es_service, n), 0 }
static const struct field service_fields[] = {
	SVC("name", F_UNITNAME, name, 1),
	SVC("user", F_NAME, user, 1),
	SVC("group", F_NAME, group, 1),
	SVC("uid", F_ID, uid, 0),
	SVC("gid", F_ID, gid, 0),
	SVC("gecos", F_TEXT, gecos, 0),
	SVC("home", F_ABSPATH, home, 1),
	SVC("shell", F_ABSPATH, shell, 0),
	SVC("exec", F_ABSPATH, exec, 1),
	SVC("listen_port", F_PORT, listen_port, 0),
	SVCL("ip_allow", F_IPLIST, ip_allow, n_ip_allow),
	SVCL("read_write_paths", F_PATHLIST, read_write_paths,
	    n_read_write_paths),
	SVC("unit", F_UNITPATH, unit, 0),
	SVC("env_service", F_BOOL, env_service, 0),
	SVC("env_credential", F_ABSPATH, env_credential, 0),
	SVC("env_credential_plain", F_BOOL, env_credential_plain, 0),
};

#define DIR(k, t, m) { k, t, offsetof(struct es_dir_entry, m), 0, 1 }
static const struct field dir_fields[] = {
	DIR("path", F_ABSPATH, path),
	DIR("owner", F_NAME, owner),
	DIR("group", F_NAME, group),
	DIR("mode", F_MODE, mode),
};

#define ENV(k, t, m, req) { k, t, offsetof(struct es_env_file, m), 0, req }
#define ENVL(k, t, m, n) { k, t, offsetof(struct es_env_file, m), \
	offsetof(struct es_env_file, n), 0 }
static const struct field env_fields[] = {
	ENV("path", F_ABSPATH, path, 1),
	ENV("vault", F_RELPATH, vault, 1),
	ENV("owner", F_NAME, owner, 1),
	ENV("group", F_NAME, group, 1),
	ENV("mode", F_MODE, mode, 1),
	ENVL("vars", F_VARS, vars, nvars),
	ENVL("static", F_STATIC, statics, nstatics),
	ENV("allow_plaintext", F_BOOL, allow_plaintext, 0),
	ENVL("recipients", F_RECIPLIST, recipients, nrecipients),
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
service_defaults(struct es_service *s)
{
	char unit[ES_PATH_MAX];
	int r;

	r = 0;
	if (s->gecos == NULL && (s->gecos = dup_or_fail(s->name, &r)) == NULL)
		return r;
	if (s->shell == NULL &&
	    (s->shell = dup_or_fail("/usr/sbin/nologin", &r)) == NULL)
		return r;
	if (s->unit == NULL) {
		r = snprintf(unit, sizeof unit, "/etc/systemd/system/%s.service",
		    s->name);
		if (r < 0 || (size_t)r >= sizeof unit)
			return es_failf(ES_ELIMIT, "unit path too long");
		r = 0;
		if ((s->unit = dup_or_fail(unit, &r)) == NULL)
			return r;
	}
	if (s->env_credential == NULL) {
		r = snprintf(unit, sizeof unit, "%s/%s.cred",
		    ES_POLICY_INSTALL_DIR, s->name);
		if (r < 0 || (size_t)r >= sizeof unit)
			return es_failf(ES_ELIMIT, "credential path too long");
		r = 0;
		if ((s->env_credential = dup_or_fail(unit, &r)) == NULL)
			return r;
	}
	return 0;
}

static int
load_service(struct pctx *c, const yaml_node_pair_t *pr, const yaml_node_t *n)
{
	struct es_service *s;
	int r;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return -ENOMEM;
	c->p->service = s;
	s->uid = -1;
	s->gid = -1;
	s->line = (size_t)n->start_mark.line + 1;
	s->key_line = (size_t)yaml_document_get_node(c->doc,
	    pr->key)->start_mark.line + 1;
	if ((r = walk_fields(c, n, "service", service_fields,
	    NELEM(service_fields), s)) != 0)
		return r;
	/* The service's own account gets created by name: useradd and
	 * sysusers refuse all-digit names (they read as ids). */
	if (strspn(s->user, "0123456789") == strlen(s->user))
		return failn(c, n, "service.user", "'%s' is a number, not an "
		    "account name", s->user);
	if (strspn(s->group, "0123456789") == strlen(s->group))
		return failn(c, n, "service.group", "'%s' is a number, not a "
		    "group name", s->group);
	return service_defaults(s);
}

static int
seq_items(struct pctx *c, const yaml_node_t *n, const char *kp, size_t *cnt)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return failn(c, n, kp, "must be a list");
	*cnt = (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
	if (*cnt > ES_POLICY_MAX_ITEMS)
		return failn(c, n, kp, "more than %d items",
		    ES_POLICY_MAX_ITEMS);
	return 0;
}

/*
 * A list of mappings into a calloc'd array of records (size bytes each,
 * with a size_t line at line_off), each record's fields walked from tab.
 * *count grows as records are filled, so a failure frees what was read.
 */
static int
load_list(struct pctx *c, const yaml_node_t *n, const char *name,
    const struct field *tab, size_t ntab, size_t size, size_t line_off,
    void **arr, size_t *count)
{
	char kp[KEYPATH_MAX];
	unsigned char *rec;
	size_t i, total = 0;
	int r;

	if ((r = seq_items(c, n, name, &total)) != 0)
		return r;
	if ((*arr = calloc(total + 1, size)) == NULL)
		return -ENOMEM;
	for (i = 0; i < total; i++) {
		yaml_node_t *e = yaml_document_get_node(c->doc,
		    n->data.sequence.items.start[i]);
		size_t line = (size_t)e->start_mark.line + 1;

		rec = (unsigned char *)*arr + i * size;
		*count = i + 1;
		memcpy(rec + line_off, &line, sizeof line);
		r = snprintf(kp, sizeof kp, "%s[%zu]", name, i);
		if (r < 0 || (size_t)r >= sizeof kp)
			return es_failf(ES_ELIMIT, "policy key path too long");
		if ((r = walk_fields(c, e, kp, tab, ntab, rec)) != 0)
			return r;
	}
	return 0;
}

static int
load_dirs(struct pctx *c, const yaml_node_t *n)
{
	return load_list(c, n, "directories", dir_fields, NELEM(dir_fields),
	    sizeof *c->p->dirs, offsetof(struct es_dir_entry, line),
	    (void **)&c->p->dirs, &c->p->ndirs);
}

static int
load_env_files(struct pctx *c, const yaml_node_t *n)
{
	return load_list(c, n, "env_files", env_fields, NELEM(env_fields),
	    sizeof *c->p->env_files, offsetof(struct es_env_file, line),
	    (void **)&c->p->env_files, &c->p->nenv_files);
}

/* --- cross-field invariants --------------------------------------------- */

static int
failat(struct pctx *c, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
failat(struct pctx *c, size_t line, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		msg[0] = '\0';
	return es_failf(ES_EPOLICY, "%s:%zu: %s", c->name, line, msg);
}

/* A name given twice across vars and static. */
static int
check_env_names(struct pctx *c, size_t fi, const struct es_env_file *f)
{
	size_t i, j, n = f->nvars + f->nstatics;

	for (i = 0; i < n; i++) {
		const struct es_env_var *a = i < f->nvars ? &f->vars[i] :
		    &f->statics[i - f->nvars];

		for (j = 0; j < i; j++) {
			const struct es_env_var *b = j < f->nvars ?
			    &f->vars[j] : &f->statics[j - f->nvars];

			if (strcmp(a->name, b->name) != 0)
				continue;
			return failat(c, a->line, "env_files[%zu].%s.%s: "
			    "variable given twice (also at line %zu)", fi,
			    i < f->nvars ? "vars" : "static", a->name,
			    b->line);
		}
	}
	return 0;
}

static int
is_root_name(const char *s)
{
	return !strcmp(s, "root") || !strcmp(s, "0");
}

/*
 * Paths under the root that envseal writes itself, which no policy entry
 * may name: an env file there would replace the audit log, its key or the
 * run lock with service data, or put a service's secrets in the passwd
 * family (fs/fs.h es_state_dirs, provision/pwdb.c es_acct_paths, the
 * backups ES_W_BACKUP makes, lckpwdf()'s lock). Trees (es_state_dirs)
 * are refused with everything inside them.
 */
static const char *const passwd_files[] = {
	"/etc/passwd", "/etc/passwd-", "/etc/shadow", "/etc/shadow-",
	"/etc/group", "/etc/group-", "/etc/gshadow", "/etc/gshadow-",
	"/etc/.pwd.lock",
};

/* 1 when path is dir or inside it (paths are valid_abspath: no "//",
 * ".", ".." or trailing '/', so a string prefix at a '/' is a tree). */
static int
path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return 1;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* 1 when path is a proper ancestor of other (a directory on its way). */
static int
path_above(const char *path, const char *other)
{
	return strcmp(path, other) != 0 && path_within(other, path);
}

/* Entry i of section what ("env_files", "directories") against envseal's
 * own files: one refusal naming the entry and the rule. */
static int
check_own_paths(struct pctx *c, size_t line, const char *what, size_t i,
    const char *path)
{
	const char *const *own_trees;
	size_t k, nown;

	own_trees = es_state_dirs(&nown);
	if (!strcmp(path, "/"))
		return failat(c, line, "%s[%zu].path: / is the root "
		    "directory", what, i);
	for (k = 0; k < nown; k++)
		if (path_within(path, own_trees[k]))
			return failat(c, line, "%s[%zu].path: %s is envseal's "
			    "own (%s holds its audit log, key and lock)", what,
			    i, path, own_trees[k]);
	for (k = 0; k < NELEM(passwd_files); k++)
		if (!strcmp(path, passwd_files[k]))
			return failat(c, line, "%s[%zu].path: %s is a "
			    "passwd-family file envseal writes itself", what, i,
			    path);
	return 0;
}

/* An env file's path against everything else envseal writes: its own
 * files, the service's unit and the directories entries, as the same
 * path or as a directory on their way (the env file would be written
 * where they must be, or they under a regular file). */
static int
check_env_path(struct pctx *c, size_t fi, const struct es_env_file *f)
{
	const struct es_policy *p = c->p;
	const char *unit = p->service ? p->service->unit : NULL;
	const char *const *own_trees;
	size_t k, nown;
	int r;

	own_trees = es_state_dirs(&nown);
	if ((r = check_own_paths(c, f->line, "env_files", fi, f->path)) != 0)
		return r;
	for (k = 0; k < nown; k++)
		if (path_above(f->path, own_trees[k]))
			return failat(c, f->line, "env_files[%zu].path: %s is "
			    "a directory on the way to %s", fi, f->path,
			    own_trees[k]);
	for (k = 0; k < NELEM(passwd_files); k++)
		if (path_above(f->path, passwd_files[k]))
			return failat(c, f->line, "env_files[%zu].path: %s is "
			    "a directory on the way to %s", fi, f->path,
			    passwd_files[k]);
	if (unit != NULL && !strcmp(f->path, unit))
		return failat(c, f->line, "env_files[%zu].path: %s is the "
		    "service's unit", fi, f->path);
	if (unit != NULL && path_above(f->path, unit))
		return failat(c, f->line, "env_files[%zu].path: %s is a "
		    "directory on the way to %s", fi, f->path, unit);
	for (k = 0; k < p->ndirs; k++) {
		if (!strcmp(f->path, p->dirs[k].path))
			return failat(c, f->line, "env_files[%zu].path: %s is "
			    "also directories[%zu]", fi, f->path, k);
		if (path_above(f->path, p->dirs[k].path))
			return failat(c, f->line, "env_files[%zu].path: %s is "
			    "a directory on the way to directories[%zu] %s", fi,
			    f->path, k, p->dirs[k].path);
	}
	return 0;
}

/* The hard invariants (envseal-policy(5) ENV_FILES): an env file is never
 * group- or world-writable nor world-readable; its directory is not
 * writable by anyone but root. */
static int
check_env_file(struct pctx *c, size_t fi, const struct es_env_file *f)
{
	const struct es_policy *p = c->p;
	size_t i, dl;
	int r;

	if (f->mode & 07000)
		return failat(c, f->line, "env_files[%zu].mode: %04o: no "
		    "set-id or sticky bit on an env file", fi,
		    (unsigned)f->mode);
	if (f->mode & 0027)
		return failat(c, f->line, "env_files[%zu].mode: %04o would "
		    "make the env file group-writable or world-accessible "
		    "(mode & 0027 must be 0)", fi, (unsigned)f->mode);
	if ((r = check_env_path(c, fi, f)) != 0)
		return r;
	for (i = 0; i < fi; i++)
		if (!strcmp(p->env_files[i].path, f->path))
			return failat(c, f->line, "env_files[%zu].path: %s "
			    "is also env_files[%zu]", fi, f->path, i);
	dl = (size_t)(strrchr(f->path, '/') - f->path);
	for (i = 0; i < p->ndirs; i++) {
		const struct es_dir_entry *d = &p->dirs[i];

		if (strlen(d->path) != (dl ? dl : 1) ||
		    strncmp(d->path, f->path, dl ? dl : 1) != 0)
			continue;
		if (!is_root_name(d->owner) || (d->mode & 0022))
			return failat(c, d->line, "directories[%zu]: %s holds "
			    "env_files[%zu] and must be owned by root and "
			    "writable by no one else", i, d->path, fi);
	}
	if ((r = check_env_names(c, fi, f)) != 0)
		return r;
	return 0;
}

static int
check_policy(struct pctx *c)
{
	const struct es_policy *p = c->p;
	size_t i, j;
	int r;

	for (i = 0; i < p->ndirs; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(p->dirs[i].path, p->dirs[j].path))
				return failat(c, p->dirs[i].line,
				    "directories[%zu].path: %s is also "
				    "directories[%zu]", i, p->dirs[i].path, j);
	for (i = 0; i < p->ndirs; i++)
		if ((r = check_own_paths(c, p->dirs[i].line, "directories", i,
		    p->dirs[i].path)) != 0)
			return r;
	for (i = 0; i < p->nenv_files; i++)
		if ((r = check_env_file(c, i, &p->env_files[i])) != 0)
			return r;
	return 0;
}

/* --- top level ----------------------------------------------------------- */

static int
load_version(struct pctx *c, const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    strcmp(s, "1") != 0)
		return failn(c, n, "envseal", "must be 1 (the policy version "
		    "this envseal reads)");
	return 0;
}

static int
load_top(struct pctx *c, const yaml_node_t *root)
{
	yaml_node_pair_t *pr;
	int r, have_version = 0;

	if (root->type != YAML_MAPPING_NODE)
		return failn(c, root, "(top)", "must be a mapping");
	if ((r = check_dups(c, root, "")) != 0)
		return r;
	for (pr = root->data.mapping.pairs.start;
	    pr < root->data.mapping.pairs.top; pr++) {
		const char *key;
		yaml_node_t *v;

		if ((r = pair_key(c, pr, "", &key, &v)) != 0)
			return r;
		if (!strcmp(key, "envseal")) {
			r = load_version(c, v);
			have_version = 1;
		} else if (!strcmp(key, "service"))
			r = load_service(c, pr, v);
		else if (!strcmp(key, "directories"))
			r = load_dirs(c, v);
		else if (!strcmp(key, "env_files"))
			r = load_env_files(c, v);
		else
			r = failn(c, yaml_document_get_node(c->doc, pr->key),
			    key, "unknown key");
		if (r != 0)
			return r;
	}
	if (!have_version)
		return failn(c, root, "envseal", "required key is missing "
		    "(envseal: 1)");
	return check_policy(c);
}

/* A policy is one document: a second one would be silently ignored. */
static int
more_documents(struct pctx *c, yaml_parser_t *parser)
{
	yaml_document_t next;
	int more, r = 0;

	if (!yaml_parser_load(parser, &next))
		return es_failf(ES_EPOLICY, "%s:%zu: yaml: %s", c->name,
		    (size_t)parser->problem_mark.line + 1,
		    parser->problem ? parser->problem : "parse error");
	more = yaml_document_get_root_node(&next) != NULL;
	if (more)
		r = es_failf(ES_EPOLICY, "%s:%zu: (top): more than one YAML "
		    "document in a policy", c->name,
		    (size_t)next.start_mark.line + 1);
	yaml_document_delete(&next);
	return r;
}

static int
parse_doc(struct pctx *c, const unsigned char *buf, size_t len,
    yaml_document_t *doc)
{
	yaml_parser_t parser;
	yaml_node_t *root;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, doc)) {
		r = es_failf(ES_EPOLICY, "%s:%zu: yaml: %s", c->name,
		    (size_t)parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		return r;
	}
	root = yaml_document_get_root_node(doc);
	if (root == NULL) {
		yaml_parser_delete(&parser);
		yaml_document_delete(doc);
		return es_failf(ES_EPOLICY, "%s:1: (top): empty policy",
		    c->name);
	}
	r = more_documents(c, &parser);
	yaml_parser_delete(&parser);
	if (r != 0)
		yaml_document_delete(doc);
	return r;
}

int
es_policy_load_buf(const char *name, const unsigned char *buf, size_t len,
    struct es_policy **out)
{
	struct es_policy *p = NULL;
	yaml_document_t doc;
	struct pctx c;
	int r;

	*out = NULL;
	if (len > ES_POLICY_MAX_BYTES)
		return es_failf(ES_ELIMIT, "%s: policy larger than %zu bytes",
		    name, ES_POLICY_MAX_BYTES);
	if (memchr(buf, '\0', len) != NULL)
		return es_failf(ES_EPOLICY, "%s:1: (top): NUL byte in policy",
		    name);
	if ((p = calloc(1, sizeof *p)) == NULL ||
	    (p->source = strdup(name)) == NULL) {
		free(p);
		return -ENOMEM;
	}
	crypto_hash_sha256(p->sha256, buf, len);
	/* Kept whole: provision installs these very bytes for the env unit. */
	if ((p->raw = malloc(len ? len : 1)) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(p->raw, buf, len);
	p->raw_len = len;
	c.name = name;
	c.doc = &doc;
	c.p = p;
	if ((r = parse_doc(&c, buf, len, &doc)) != 0)
		goto out;
	r = load_top(&c, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	if (r == 0) {
		*out = p;
		p = NULL; /* transferred */
	}
out:
	es_policy_free(p);
	return r;
}

/*
 * The policy says where root writes and what it runs, so it is read under
 * the trusted-input rule (fs/fs.h), like the vaults and password files; a
 * refusal is a policy error (exit 2), and the detail names the rule.
 */
static int
read_policy_file(const char *path, unsigned char **buf, size_t *len)
{
	int r = es_trust_read(path, "policy", ES_POLICY_MAX_BYTES, buf, len);

	return r == ES_EUNSAFE ? ES_EPOLICY : r;
}

int
es_policy_load(const char *path, struct es_policy **out)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (path == NULL)
		return es_policy_load_buf("<embedded>",
		    (const unsigned char *)es_policy_default_yaml,
		    strlen(es_policy_default_yaml), out);
	if ((r = read_policy_file(path, &buf, &len)) != 0)
		return r;
	r = es_policy_load_buf(path, buf, len, out);
	free(buf);
	return r;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_vars(struct es_env_var *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static void
free_service(struct es_service *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->user);
	free(s->group);
	free(s->gecos);
	free(s->home);
	free(s->shell);
	free(s->exec);
	free_strv(s->ip_allow, s->n_ip_allow);
	free_strv(s->read_write_paths, s->n_read_write_paths);
	free(s->unit);
	free(s->env_credential);
	free(s);
}

void
es_policy_free(struct es_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->raw);
	free_service(p->service);
	for (i = 0; i < p->ndirs; i++) {
		free(p->dirs[i].path);
		free(p->dirs[i].owner);
		free(p->dirs[i].group);
	}
	free(p->dirs);
	for (i = 0; i < p->nenv_files; i++) {
		struct es_env_file *f = &p->env_files[i];

		free(f->path);
		free(f->vault);
		free(f->owner);
		free(f->group);
		free_vars(f->vars, f->nvars);
		free_vars(f->statics, f->nstatics);
		free_strv(f->recipients, f->nrecipients);
	}
	free(p->env_files);
	free(p->source);
	free(p);
}

int
es_policy_require(const struct es_policy *p, const char *section)
{
	int have;

	if (!strcmp(section, "service"))
		have = p->service != NULL;
	else if (!strcmp(section, "directories"))
		have = p->dirs != NULL;
	else if (!strcmp(section, "env_files"))
		have = p->nenv_files > 0;
	else
		BUG("es_policy_require: unknown section");
	if (!have)
		return es_failf(ES_EPOLICY, "%s: policy has no %s section, "
		    "which this command needs", p->source, section);
	return 0;
}
