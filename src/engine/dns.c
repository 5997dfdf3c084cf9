/*
 * dns.c — the INWX side of apply: a domain's A, AAAA and www CNAME records
 * in the right zone (a subdomain's base domain, else the domain itself).
 * Record ids are kept per domain in `inwx_record_ids` ({"a","aaaa","www"}).
 * Before a create, the zone's records are read once per run (one
 * nameserver.info per zone, shared by every create in it): a record at the
 * name identical to the one wanted (name, type, content) is adopted, not
 * created; a different one is a conflict (a CNAME cannot stand beside
 * anything, a second A/AAAA would make round-robin DNS) that fails only its
 * project, naming the record, and changes nothing. A create that failed
 * unclearly, or met "object exists", looks the record up by zone + name +
 * type and adopts it instead of creating a second one.
 */
#include "engine/engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum rec_kind { RK_A, RK_AAAA, RK_WWW };

struct dns_job {
	char name[300], type[16], zone[260], content[300];
	const struct m_domain *want; /* desired domain, NULL when removed */
	const struct m_domain *rec;  /* recorded domain */
	char fqdn[260];
	enum rec_kind kind;
};

/* the ids recorded for a domain, as updated by this run */
static struct dom_ids *dom_ids_get(struct run *eng, const char *fqdn)
{
	for (size_t i = 0; i < eng->ndoms; i++)
		if (strcmp(eng->doms[i].fqdn, fqdn) == 0)
			return &eng->doms[i].ids;
	if (eng->ndoms == eng->adoms) {
		size_t n = eng->adoms ? eng->adoms * 2 : 64;
		struct dom_rt *v = realloc(eng->doms, n * sizeof(*v));
		if (v == NULL)
			return NULL;
		eng->doms = v;
		eng->adoms = n;
	}
	{
		struct dom_rt *d = &eng->doms[eng->ndoms++];
		const struct m_domain *rec = NULL;
		memset(d, 0, sizeof(*d));
		d->fqdn = strdup(fqdn);
		for (size_t i = 0; i < eng->recorded->nprojects && !rec; i++) {
			const struct m_project *p = &eng->recorded->projects[i];
			for (size_t k = 0; k < p->ndomains && !rec; k++)
				if (strcmp(p->domains[k].fqdn, fqdn) == 0)
					rec = &p->domains[k];
		}
		if (rec) {
			d->ids.a = rec->record_a ? strdup(rec->record_a) : NULL;
			d->ids.aaaa = rec->record_aaaa ? strdup(rec->record_aaaa) : NULL;
			d->ids.www = rec->record_www ? strdup(rec->record_www) : NULL;
		}
		return &d->ids;
	}
}

static void dns_free_all(struct run *eng)
{
	for (size_t i = 0; i < eng->ndoms; i++) {
		free(eng->doms[i].fqdn);
		free(eng->doms[i].ids.a);
		free(eng->doms[i].ids.aaaa);
		free(eng->doms[i].ids.www);
	}
	free(eng->doms);
	run_zones_release(eng);
}

static char **id_slot(struct dom_ids *ids, enum rec_kind k)
{
	return k == RK_A ? &ids->a : k == RK_AAAA ? &ids->aaaa : &ids->www;
}

/* "<name>/<TYPE>" -> the record, its domain and zone */
static int dns_describe(struct run *eng, struct job *j, struct dns_job *dj, struct vrs_err *err)
{
	const char *slash = strrchr(j->a->key, '/');
	const struct m_domain *d;
	const char *v;

	if (slash == NULL || (size_t)(slash - j->a->key) >= sizeof(dj->name))
		return err_set(err, "dns record key '%s' is not NAME/TYPE", j->a->key);
	snprintf(dj->name, sizeof(dj->name), "%.*s", (int)(slash - j->a->key), j->a->key);
	snprintf(dj->type, sizeof(dj->type), "%s", slash + 1);
	dj->kind = strcmp(dj->type, "AAAA") == 0 ? RK_AAAA
		   : strcmp(dj->type, "A") == 0	 ? RK_A
						 : RK_WWW;
	snprintf(dj->fqdn, sizeof(dj->fqdn), "%s",
		 dj->kind == RK_WWW && strncmp(dj->name, "www.", 4) == 0 ? dj->name + 4 : dj->name);
	dj->want = project_domain(j->p->want, dj->fqdn);
	dj->rec = project_domain(j->p->rec, dj->fqdn);
	d = dj->want ? dj->want : dj->rec;
	if (d == NULL)
		return err_set(err, "dns record %s: no domain %s in the project", j->a->key,
			       dj->fqdn);
	v = action_change_new(j->a, "zone");
	snprintf(dj->zone, sizeof(dj->zone), "%s", v ? v : d->zone ? d->zone : domain_zone(d));
	v = action_change_new(j->a, "content");
	if (v == NULL && j->a->op != OP_DELETE) {
		const struct m_server *s =
		    j->p->server ? world_server(eng->desired, j->p->server) : NULL;
		if (dj->kind == RK_WWW)
			v = dj->fqdn;
		else if (s)
			v = dj->kind == RK_A ? s->ip_address : s->ipv6_address;
		if (v == NULL)
			return err_set(err, "dns record %s: no address (is the project placed?)",
				       j->a->key);
	}
	snprintf(dj->content, sizeof(dj->content), "%s", v ? v : "");
	return 0;
}

static int record_ids_tx(struct run *eng, struct job *j, const char *id, struct vrs_err *err)
{
	struct dns_job *dj = j->ctx;
	struct dom_ids *ids = dom_ids_get(eng, dj->fqdn);
	char **slot;
	bool wrote;

	if (ids == NULL)
		return err_set(err, "out of memory");
	slot = id_slot(ids, dj->kind);
	wrote = id != NULL || *slot != NULL;
	free(*slot);
	*slot = (j->a->op == OP_DELETE || id == NULL) ? NULL : strdup(id);
	/*
	 * A removed domain's row goes after its records (a no-op UPDATE when it is
	 * gone already); until then each deleted record's id is cleared with the
	 * delete's log row, so a run killed between two deletes does not delete
	 * (and log) the first one again.
	 */
	/* a watch tick need not read back a zone vrsctl has just written (zonepick.c) */
	if (wrote && state_zone_mark_written(eng->st, dj->zone, err) < 0)
		return -1;
	/* the domain goes active when its nameservers serve it (dnsgate.c), not at the write */
	return state_domain_set_records(eng->st, dj->fqdn, ids->a, ids->aaaa, ids->www, err);
}

static void dns_done(struct job *j, const char *id, const char *log, const char *progress)
{
	struct dns_job *dj = j->ctx;
	char msg[700];

	snprintf(msg, sizeof(msg), "%s %s %s in %s%s", dj->name, dj->type, dj->content, dj->zone,
		 log && strcmp(log, "adopted") == 0
		     ? ": already in the zone, identical; adopted, not created"
		     : "");
	engine_finish(j->eng, j, id, log, msg, record_ids_tx, progress);
	free(j->ctx);
	j->ctx = NULL;
}

static void dns_failed(struct job *j, const struct vrs_err *err)
{
	job_fail_err(j->eng, j, err);
	free(j->ctx);
	j->ctx = NULL;
}

static void on_created(void *ud, int rc, void *res, struct vrs_err *err);

/* ---- the zones read before creates (zones.c) ------------------------------------ */

/* is this record id one vrsctl recorded (at the start, or in this run)? */
static bool own_record(const struct run *eng, const char *id)
{
	for (size_t i = 0; i < eng->recorded->nprojects; i++) {
		const struct m_project *p = &eng->recorded->projects[i];
		for (size_t k = 0; k < p->ndomains; k++) {
			const struct m_domain *d = &p->domains[k];
			if ((d->record_a && strcmp(d->record_a, id) == 0) ||
			    (d->record_aaaa && strcmp(d->record_aaaa, id) == 0) ||
			    (d->record_www && strcmp(d->record_www, id) == 0))
				return true;
		}
	}
	for (size_t i = 0; i < eng->ndoms; i++) {
		const struct dom_ids *x = &eng->doms[i].ids;
		if ((x->a && strcmp(x->a, id) == 0) || (x->aaaa && strcmp(x->aaaa, id) == 0) ||
		    (x->www && strcmp(x->www, id) == 0))
			return true;
	}
	return false;
}

static void dns_create_send(struct job *j);

/*
 * What the zone holds at the wanted name decides: an identical record is
 * adopted; a CNAME wanted beside anything, or an A/AAAA wanted beside a
 * CNAME or beside another A/AAAA of other content, is a conflict; else create.
 */
static void dns_check_zone(struct job *j, const struct inwx_zone_info *zi)
{
	struct dns_job *dj = j->ctx;
	const struct inwx_record *same = NULL, *clash = NULL;
	bool cname = strcmp(dj->type, "CNAME") == 0;

	for (size_t i = 0; i < zi->n_records && clash == NULL; i++) {
		const struct inwx_record *r = &zi->records[i];
		bool same_type;
		if (r->name == NULL || r->type == NULL || r->id == NULL ||
		    strcasecmp(r->name, dj->name) != 0 || own_record(j->eng, r->id))
			continue;
		same_type = strcmp(r->type, dj->type) == 0;
		if (same_type && r->content &&
		    model_record_content_same(dj->type, r->content, dj->content))
			same = same ? same : r;
		else if (cname || same_type || strcmp(r->type, "CNAME") == 0)
			clash = r;
	}
	if (clash) {
		char msg[900];
		snprintf(msg, sizeof(msg),
			 "%s %s: the zone %s already has %s %s %s (record %s) at that name; %s; "
			 "vrsctl changes nothing there: remove or change that record at INWX",
			 dj->name, dj->type, dj->zone, clash->name, clash->type,
			 clash->content ? clash->content : "", clash->id,
			 cname ? "a CNAME cannot stand beside other records of its name"
			 : strcmp(clash->type, "CNAME") == 0
			     ? "no other record can stand beside a CNAME"
			     : "a second record would make round-robin DNS");
		job_fail(j->eng, j, msg);
		free(j->ctx);
		j->ctx = NULL;
		return;
	}
	if (same) {
		char *id = strdup(same->id);
		dns_done(j, id, "adopted", "record adopted");
		free(id);
		return;
	}
	dns_create_send(j);
}

static void on_zone_read(struct run *eng, void *ud, const struct inwx_zone_info *zi,
			 const struct vrs_err *err)
{
	(void)eng;
	/* a failed read is tried again by the next create in the zone (zones.c) */
	if (zi)
		dns_check_zone(ud, zi);
	else
		dns_failed(ud, err);
}

/* a create: the zone read once per run (or the read under way waited for), then checked */
static void dns_create(struct run *eng, struct job *j)
{
	struct dns_job *dj = j->ctx;

	run_zone_read(eng, dj->zone, on_zone_read, j);
}

static void on_lookup(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dns_job *dj = j->ctx;
	struct inwx_zone_info *z = res;

	if (rc < 0) {
		dns_failed(j, err);
		return;
	}
	for (size_t i = 0; i < z->n_records; i++) {
		const struct inwx_record *r = &z->records[i];
		if (r->name && r->type && r->id && strcasecmp(r->name, dj->name) == 0 &&
		    strcmp(r->type, dj->type) == 0 &&
		    model_record_content_same(dj->type, r->content, dj->content)) {
			char *id = strdup(r->id);
			inwx_zone_info_free(z);
			dns_done(j, id, "dns_created", "record adopted");
			free(id);
			return;
		}
	}
	inwx_zone_info_free(z);
	/* not there: a transient failure of the create may be retried */
	if (j->saved_err.transient && ++j->step < 4) {
		struct inwx_record_input in = {.domain = dj->zone,
					       .name = dj->name,
					       .type = dj->type,
					       .content = dj->content,
					       .ttl = 3600};
		struct vrs_err e2;
		err_clear(&e2);
		if (inwx_record_create_async(j->eng->pv->inwx, &in, on_created, j, &e2) == 0)
			return;
	}
	dns_failed(j, &j->saved_err);
}

static void on_created(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;
	struct dns_job *dj = j->ctx;
	struct inwx_created *c = res;
	struct inwx_record_filter f = {.type = dj->type, .name = dj->name};
	struct vrs_err e2;

	if (rc < 0) {
		/* "object exists", or an unclear failure: find it before giving up */
		j->saved_err = *err;
		err_clear(&e2);
		if (inwx_zone_info_async(j->eng->pv->inwx, dj->zone, &f, on_lookup, j, &e2) < 0)
			dns_failed(j, err);
		return;
	}
	{
		char *id = c->id ? strdup(c->id) : NULL;
		inwx_created_free(c);
		dns_done(j, id, "dns_created", "record created");
		free(id);
	}
}

static void on_changed(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct job *j = ud;

	(void)res;
	/* not found: the record is already gone */
	if (rc < 0 && !(j->a->op == OP_DELETE && err->code == VRS_E_NOT_FOUND)) {
		dns_failed(j, err);
		return;
	}
	if (j->a->op == OP_DELETE)
		dns_done(j, NULL, "dns_deleted", "record deleted");
	else
		dns_done(j, j->remote_id, "dns_updated", "record updated");
}

static void dns_create_send(struct job *j)
{
	struct dns_job *dj = j->ctx;
	struct inwx_record_input in = {.domain = dj->zone,
				       .name = dj->name,
				       .type = dj->type,
				       .content = dj->content,
				       .ttl = 3600};
	struct vrs_err err;
	char summary[600];

	err_clear(&err);
	/* "ZONE CONTENT": crash recovery adopts only a record of this content */
	snprintf(summary, sizeof(summary), "%s %s", dj->zone, dj->content);
	if (engine_journal_open(j->eng, j, j->a->key, summary, &err) < 0 ||
	    inwx_record_create_async(j->eng->pv->inwx, &in, on_created, j, &err) < 0)
		dns_failed(j, &err);
}

static void dns_start(struct run *eng, struct job *j)
{
	struct dns_job *dj = calloc(1, sizeof(*dj));
	struct vrs_err err;
	struct dom_ids *ids;
	char **slot;
	int rc;

	err_clear(&err);
	if (dj == NULL) {
		job_fail(eng, j, "out of memory");
		return;
	}
	j->ctx = dj;
	if (dns_describe(eng, j, dj, &err) < 0 || (ids = dom_ids_get(eng, dj->fqdn)) == NULL) {
		dns_failed(j, &err);
		return;
	}
	slot = id_slot(ids, dj->kind);
	if (j->a->op != OP_CREATE && *slot == NULL) {
		/* nothing recorded to change or delete */
		dns_done(j, NULL, NULL, NULL);
		return;
	}
	if (j->a->op == OP_CREATE) {
		dns_create(eng, j);
		return;
	}
	if (engine_journal_open(eng, j, j->a->key, dj->zone, &err) < 0) {
		dns_failed(j, &err);
		return;
	}
	if (j->a->op == OP_DELETE) {
		rc = inwx_record_delete_async(eng->pv->inwx, *slot, false, on_changed, j, &err);
	} else {
		struct inwx_record_update up = {.content = dj->content};
		j->remote_id = strdup(*slot);
		rc = inwx_record_update_async(eng->pv->inwx, *slot, &up, on_changed, j, &err);
	}
	if (rc < 0)
		dns_failed(j, &err);
}

const struct executor dns_executor = {"inwx dns", dns_start, NULL, dns_free_all};
