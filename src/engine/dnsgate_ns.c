/*
 * dnsgate_ns.c — the DNS gate's nameservers: an INWX zone's NS records (one
 * nameserver.info per zone and run), or a TLD's (asked of the system's
 * resolvers, for the parent's view of a delegation), their host names
 * resolved through the system's resolvers (the only use of those). Under
 * VRS_NAMESERVER every zone's server is that one.
 */
#include "engine/dnsgate_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct gzone *zone_get(struct dnsgate *g, const char *name, bool tld)
{
	struct gzone **v, *z;

	for (size_t i = 0; i < g->nz; i++)
		if (g->z[i]->tld == tld && strcasecmp(g->z[i]->name, name) == 0)
			return g->z[i];
	if ((v = realloc(g->z, (g->nz + 1) * sizeof(*v))) == NULL)
		return NULL;
	g->z = v;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	z->g = g;
	z->tld = tld;
	snprintf(z->name, sizeof(z->name), "%s", name);
	g->z[g->nz++] = z;
	return z;
}

static void zone_fail(struct gzone *z, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void zone_fail(struct gzone *z, const char *fmt, ...)
{
	va_list ap;

	z->st = Z_FAILED;
	z->g->gen++;
	va_start(ap, fmt);
	vsnprintf(z->why, sizeof(z->why), fmt, ap);
	va_end(ap);
}

static void zone_have_names(struct gzone *z);

static void on_addr(void *ud, int rc, const struct dns_msg *m, struct vrs_err *err)
{
	struct gzone *z = ud;

	(void)err;
	if (z->g->closing)
		return;
	for (size_t i = 0; rc == 0 && i < m->nrr && z->nsrv < MAX_SERVERS; i++)
		if (m->rr[i].section == DNS_SEC_ANSWER && m->rr[i].type == DNS_T_A) {
			snprintf(z->srv[z->nsrv++], sizeof(z->srv[0]), "%s", m->rr[i].value);
			break;
		}
	if (--z->resolving == 0) {
		if (z->nsrv == 0)
			zone_fail(z, "none of the nameservers of %s resolved (%s)", z->name,
				  z->ns[0]);
		else
			z->st = Z_READY;
		z->g->gen++;
	}
}

/* the host names are known: the override, or each one's address */
static void zone_have_names(struct gzone *z)
{
	struct run *run = z->g->run;
	struct vrs_err err;

	if (run->pv->nameserver) {
		snprintf(z->srv[0], sizeof(z->srv[0]), "%s", run->pv->nameserver);
		z->nsrv = 1;
		z->st = Z_READY;
		z->g->gen++;
		return;
	}
	if (z->nns == 0) {
		zone_fail(z, "%s has no NS records%s", z->name,
			  z->tld ? "" : " at INWX: its nameservers are unknown");
		return;
	}
	z->st = Z_RESOLVING;
	z->resolving = z->nns;
	for (size_t i = 0; i < z->nns; i++) {
		err_clear(&err);
		if (dns_query_async(z->g->dns, NULL, z->ns[i], DNS_T_A, on_addr, z, &err) < 0)
			on_addr(z, -1, NULL, &err);
	}
}

static void on_zone_info(struct run *run, void *ud, const struct inwx_zone_info *zi,
			 const struct vrs_err *err)
{
	struct gzone *z = ud;

	(void)run;
	if (zi == NULL) {
		if (!z->g->closing)
			zone_fail(z, "reading the nameservers of %s at INWX: %s", z->name,
				  err->msg);
		return;
	}
	for (size_t i = 0; i < zi->n_records && z->nns < MAX_SERVERS; i++) {
		const struct inwx_record *r = &zi->records[i];
		if (r->type && strcmp(r->type, "NS") == 0 && r->content && r->name &&
		    strcasecmp(r->name, z->name) == 0)
			snprintf(z->ns[z->nns++], sizeof(z->ns[0]), "%s", r->content);
	}
	if (z->g->closing)
		return;
	for (size_t i = 0; i < z->nns; i++) { /* compared as DNS names: lower case, no final dot */
		size_t l = strlen(z->ns[i]);
		for (size_t k = 0; k < l; k++)
			z->ns[i][k] =
			    (char)(z->ns[i][k] >= 'A' && z->ns[i][k] <= 'Z' ? z->ns[i][k] + 32
									    : z->ns[i][k]);
		if (l && z->ns[i][l - 1] == '.')
			z->ns[i][l - 1] = '\0';
	}
	zone_have_names(z);
}

static void on_tld_ns(void *ud, int rc, const struct dns_msg *m, struct vrs_err *err)
{
	struct gzone *z = ud;

	if (z->g->closing)
		return;
	if (rc < 0) {
		zone_fail(z, "asking for the nameservers of %s: %s", z->name, err->msg);
		return;
	}
	for (size_t i = 0; i < m->nrr && z->nns < MAX_SERVERS; i++)
		if (m->rr[i].type == DNS_T_NS && strcmp(m->rr[i].name, z->name) == 0)
			snprintf(z->ns[z->nns++], sizeof(z->ns[0]), "%s", m->rr[i].value);
	zone_have_names(z);
}

bool zone_ready(struct gzone *z, struct vrs_err *err)
{
	struct run *run = z->g->run;

	if (z->st != Z_NEW)
		return z->st == Z_READY;
	if (z->tld && run->pv->nameserver) {
		zone_have_names(z);
		return true;
	}
	z->st = Z_READING;
	if (z->tld) {
		if (dns_query_async(z->g->dns, NULL, z->name, DNS_T_NS, on_tld_ns, z, err) < 0)
			zone_fail(z, "asking for the nameservers of %s: %s", z->name, err->msg);
	} else
		run_zone_read(run, z->name, on_zone_info, z); /* shared with dns.c's creates */
	return z->st == Z_READY;
}
