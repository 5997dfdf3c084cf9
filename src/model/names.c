/*
 * names.c — the naming rules in one place: the Coolify project name of a
 * project ("vrs-<slug>"), the names, types and plan keys of the DNS records
 * of a domain, a domain's zone, and a project's domain by name. Pure
 * functions over model/ types; no allocation.
 */
#include "model/model.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* snprintf's result as 0 / -1 (did not fit) */
static int fits(int k, size_t n)
{
	return k >= 0 && (size_t)k < n ? 0 : -1;
}

int model_coolify_name(char *buf, size_t n, const char *slug)
{
	return fits(snprintf(buf, n, "vrs-%s", slug), n);
}

const char *m_rec_kind_type(enum m_rec_kind k)
{
	return k == MREC_A ? "A" : k == MREC_AAAA ? "AAAA" : "CNAME";
}

int model_record_name(char *buf, size_t n, enum m_rec_kind k, const char *fqdn)
{
	return fits(snprintf(buf, n, "%s%s", k == MREC_WWW ? "www." : "", fqdn), n);
}

int model_record_key(char *buf, size_t n, enum m_rec_kind k, const char *fqdn)
{
	if (k == MREC_A)
		return fits(snprintf(buf, n, "%s/A", fqdn), n);
	if (k == MREC_AAAA)
		return fits(snprintf(buf, n, "%s/AAAA", fqdn), n);
	return fits(snprintf(buf, n, "www.%s/CNAME", fqdn), n);
}

int model_record_parse(const char *key, enum m_rec_kind *k, char *fqdn, size_t n)
{
	const char *slash = strrchr(key, '/'), *name = key;
	size_t len;

	if (slash == NULL || slash == key)
		return -1;
	if (strcmp(slash + 1, "A") == 0)
		*k = MREC_A;
	else if (strcmp(slash + 1, "AAAA") == 0)
		*k = MREC_AAAA;
	else if (strcmp(slash + 1, "CNAME") == 0)
		*k = MREC_WWW;
	else
		return -1;
	len = (size_t)(slash - key);
	if (*k == MREC_WWW && len > 4 && strncmp(key, "www.", 4) == 0) {
		name += 4;
		len -= 4;
	}
	return fits(snprintf(fqdn, n, "%.*s", (int)len, name), n);
}

const char *domain_record_id(const struct m_domain *d, enum m_rec_kind k)
{
	if (d == NULL)
		return NULL;
	return k == MREC_A ? d->record_a : k == MREC_AAAA ? d->record_aaaa : d->record_www;
}

const char *domain_zone(const struct m_domain *d)
{
	return d->type == DT_SUBDOMAIN && d->base_domain ? d->base_domain : d->fqdn;
}

const struct m_domain *project_domain(const struct m_project *p, const char *fqdn)
{
	if (p == NULL || fqdn == NULL)
		return NULL;
	for (size_t i = 0; i < p->ndomains; i++)
		if (p->domains[i].fqdn && strcmp(p->domains[i].fqdn, fqdn) == 0)
			return &p->domains[i];
	return NULL;
}

bool model_record_content_same(const char *type, const char *a, const char *b)
{
	unsigned char x[16], y[16];
	size_t la, lb;

	if (type == NULL || a == NULL || b == NULL)
		return false;
	if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0) {
		int af = type[1] ? AF_INET6 : AF_INET;
		if (inet_pton(af, a, x) == 1 && inet_pton(af, b, y) == 1)
			return memcmp(x, y, af == AF_INET ? 4 : 16) == 0;
		return strcmp(a, b) == 0;
	}
	la = strlen(a);
	lb = strlen(b);
	la -= la && a[la - 1] == '.';
	lb -= lb && b[lb - 1] == '.';
	return la == lb && strncasecmp(a, b, la) == 0;
}
