/*
 * common/id.h — numeric user and group ids: the one strict reader every
 * module uses for an id it reads (login.defs, passwd and group fields,
 * the policy's pins, numeric owner names), and the block of ids envseal
 * reserves for its sandboxed worker.
 *
 *	uint32_t id;
 *	if (es_id_parse(text, len, &id) != 0) ... refuse, naming the file,
 *	    the line and the value
 *
 * Errors: es_id_parse() returns 0 or -1 and records no detail: the caller
 * knows the file and line and says them.
 */
#ifndef ENVSEAL_ID_H
#define ENVSEAL_ID_H

#include <stddef.h>
#include <stdint.h>

/* Largest id we accept anywhere: (uid_t)-1 = 4294967295 is not an id
 * (setresuid, chown and friends read it as "leave unchanged"). A wider
 * value read as a long and cast to uid_t would wrap onto another account
 * (4294968296 is uid 1000). */
#define ES_ID_MAX 4294967294UL

/*
 * s[0..len) as an id: one or more decimal digits and nothing else (no
 * sign, no space, no "0x"), the value checked for overflow as it is read
 * and at most ES_ID_MAX. Leading zeros are the value glibc reads from
 * passwd ("01000" is 1000); readers with other rules (the policy: YAML
 * 1.1 reads a leading 0 as octal) add them on top.
 */
int es_id_parse(const char *s, size_t len, uint32_t *out);

/*
 * The worker's ids (sandbox/worker.h): one uid, equal gid, picked at
 * random per run from this block, so that no other process shares it and
 * none can signal or ptrace the worker (Linux lets a process signal
 * another of the same uid). 0x7E5E0000..0x7E5EFFFF (2120089600 ..
 * 2120155135): in the range systemd's UIDS-GIDS.md leaves unused between
 * the container ranges (524288..1879048191) and the foreign-UID range
 * (0x7FFE0000..), below 2^31 (tools that read ids as signed 32-bit
 * numbers see them as they are), above anything useradd or sysusers
 * allocate. The policy refuses to pin an id in it.
 */
#define ES_WORKER_ID_BASE 0x7E5E0000UL
#define ES_WORKER_ID_COUNT 65536UL

/* 1 when id lies in the worker's block. */
#define ES_ID_IS_WORKER(id)                                                    \
	((unsigned long)(id) >= ES_WORKER_ID_BASE &&                           \
	 (unsigned long)(id) < ES_WORKER_ID_BASE + ES_WORKER_ID_COUNT)

#endif
