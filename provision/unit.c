/*
 * provision/unit.c — the service's hardened systemd unit, rendered from the
 * policy. Every directive below exists in systemd 252 (Debian 12); the set
 * is the research note's "best" unit (systemd-analyze security 0.9 SAFE),
 * verified to still let the service bind its port, reach its TCP peers,
 * write its read_write_paths and read its env file (PID 1 reads
 * EnvironmentFile= as root, before dropping to User=).
 *
 * Policy paths and names are restricted by policy/ to characters that need
 * no quoting in a unit file (no whitespace, '%', quotes or '\\'); the gecos
 * (Description=) may hold '%', which is doubled (a unit specifier).
 */
#include "provision/provision.h"
#include "common/envseal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ports below this need CAP_NET_BIND_SERVICE. */
#define PRIVILEGED_PORT_MAX 1023

/* Fixed hardening: each line with the exposure it removes or why it is
 * safe for this service. */
static const char *const hardening[] = {
	/* Filesystem: the OS read-only, writes only to read_write_paths. */
	"ProtectSystem=strict",
	"ProtectHome=yes",
	"PrivateTmp=yes",
	"PrivateDevices=yes",
	"PrivateMounts=yes",
	"PrivateIPC=yes",
	"UMask=0077",
	"ProtectProc=invisible",
	"ProcSubset=pid",
	/* Privileges: none to gain, none held. */
	"NoNewPrivileges=yes",
	"RestrictSUIDSGID=yes",
	"RemoveIPC=yes",
	"KeyringMode=private",
	/* Kernel surfaces the service never needs. */
	"ProtectKernelTunables=yes",
	"ProtectKernelModules=yes",
	"ProtectKernelLogs=yes",
	"ProtectControlGroups=yes",
	/* Implies DeviceAllow=char-rtc r under PrivateDevices (systemd
	 * #32513); dropping it costs more exposure than it saves. */
	"ProtectClock=yes",
	"ProtectHostname=yes",
	"LockPersonality=yes",
	"MemoryDenyWriteExecute=yes",
	"RestrictRealtime=yes",
	"RestrictNamespaces=yes",
	/* TCP/IP only: no AF_UNIX, no netlink, no raw sockets. */
	"RestrictAddressFamilies=AF_INET AF_INET6",
	"SystemCallArchitectures=native",
	/* Go and glibc use prlimit64 (in @default), so @resources may go;
	 * EPERM instead of a kill for anything else blocked. */
	"SystemCallFilter=@system-service",
	"SystemCallFilter=~@privileged @resources",
	"SystemCallErrorNumber=EPERM",
};

static void
put_description(FILE *f, const char *text)
{
	fputs("Description=", f);
	for (; *text; text++) {
		if (*text == '%')
			fputc('%', f);
		fputc(*text, f);
	}
	fputc('\n', f);
}

static void
put_list(FILE *f, const char *key, char *const *v, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	fprintf(f, "%s=", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", v[i]);
	fputc('\n', f);
}

static void
put_identity(FILE *f, const struct es_policy *p)
{
	const struct es_service *s = p->service;
	size_t i;

	fputs("[Service]\nType=exec\n", f);
	fprintf(f, "User=%s\nGroup=%s\n", s->user, s->group);
	for (i = 0; i < p->nenv_files; i++)
		fprintf(f, "EnvironmentFile=%s\n", p->env_files[i].path);
	fprintf(f, "ExecStart=%s\n", s->exec);
	fprintf(f, "WorkingDirectory=%s\n", s->home);
	fputs("Restart=on-failure\nRestartSec=2s\n", f);
}

/* Everything that depends on the policy's paths, port and peers. */
static void
put_policy_hardening(FILE *f, const struct es_service *s)
{
	int low = s->listen_port && s->listen_port <= PRIVILEGED_PORT_MAX;

	put_list(f, "ReadWritePaths", s->read_write_paths,
	    s->n_read_write_paths);
	/* Only the binary and the libraries its loader maps may run. */
	fputs("NoExecPaths=/\n", f);
	fprintf(f, "ExecPaths=%s /usr/lib\n", s->exec);
	if (low) {
		/* A privileged port needs the one capability, and a user
		 * namespace would hide it from the host's network. */
		fputs("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"
		    "AmbientCapabilities=CAP_NET_BIND_SERVICE\n", f);
	} else {
		fputs("CapabilityBoundingSet=\nAmbientCapabilities=\n"
		    "PrivateUsers=yes\n", f);
	}
	/* Peers by address (cgroup BPF, enforced on 252). */
	fputs("IPAddressDeny=any\n", f);
	put_list(f, "IPAddressAllow", s->ip_allow, s->n_ip_allow);
	/* Not enforced by Debian 12's systemd (built without BPF
	 * framework); kept for builds that have it. */
	if (s->listen_port)
		fprintf(f, "SocketBindAllow=tcp:%u\n", s->listen_port);
	fputs("SocketBindDeny=any\n", f);
}

int
es_unit_render(const struct es_policy *p, char **out, size_t *len)
{
	const struct es_service *s = p->service;
	char *buf = NULL;
	size_t n = 0, i;
	FILE *f;

	*out = NULL;
	if (s == NULL)
		return es_failf(ES_EPOLICY, "%s: policy has no service section, "
		    "which provisioning needs", p->source);
	if ((f = open_memstream(&buf, &n)) == NULL)
		return -ENOMEM;
	fputs("# Managed by envseal (`envseal provision`); local edits are "
	    "overwritten.\n[Unit]\n", f);
	put_description(f, s->gecos);
	fputs("After=network-online.target\nWants=network-online.target\n",
	    f);
	/* The env file exists before the service starts, at every boot; a
	 * failed render keeps the service down (fail closed). */
	if (s->env_service)
		fprintf(f, "Requires=%s-env.service\nAfter=%s-env.service\n",
		    s->name, s->name);
	fputc('\n', f);
	put_identity(f, p);
	put_policy_hardening(f, s);
	for (i = 0; i < sizeof hardening / sizeof hardening[0]; i++)
		fprintf(f, "%s\n", hardening[i]);
	fputs("\n[Install]\nWantedBy=multi-user.target\n", f);
	if (ferror(f) || fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (n > ES_UNIT_MAX) {
		free(buf);
		return es_failf(ES_ELIMIT, "unit for %s larger than %zu bytes",
		    s->name, ES_UNIT_MAX);
	}
	*out = buf;
	*len = n;
	return 0;
}
