/*
 * common/id.c — es_id_parse(): see common/id.h.
 */
#include "common/id.h"

int
es_id_parse(const char *s, size_t len, uint32_t *out)
{
	unsigned long v = 0;
	size_t i;

	if (s == NULL || len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		/* Checked before it is multiplied: no wrap, whatever len. */
		if (v > (ES_ID_MAX - (unsigned long)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	*out = (uint32_t)v;
	return 0;
}
