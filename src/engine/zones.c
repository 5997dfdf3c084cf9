/*
 * zones.c — the INWX zones read in this run: one nameserver.info per zone,
 * shared by every part that needs a zone's records (dns.c before creating a
 * record, dnsgate_ns.c for the zone's NS records). Callers waiting while the
 * zone is read are called back together; a failed read is tried again by
 * the next caller.
 */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct zone_waiter {
	zone_fn fn;
	void *ud;
};

struct run_zone {
	struct run *run;
	char *zone;
	struct inwx_zone_info *zi; /* NULL until read */
	bool reading;
	struct zone_waiter *wait;
	size_t nwait, await;
};

struct run_zones {
	struct run_zone **v;
	size_t n;
};

static struct run_zone *zone_of(struct run *run, const char *zone)
{
	struct run_zones *zs = run->zones;
	struct run_zone **v, *z;

	if (zs == NULL && (zs = run->zones = calloc(1, sizeof(*zs))) == NULL)
		return NULL;
	for (size_t i = 0; i < zs->n; i++)
		if (strcasecmp(zs->v[i]->zone, zone) == 0)
			return zs->v[i];
	if ((v = realloc(zs->v, (zs->n + 1) * sizeof(*v))) == NULL)
		return NULL;
	zs->v = v;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return NULL;
	if ((z->zone = strdup(zone)) == NULL) {
		free(z);
		return NULL;
	}
	z->run = run;
	zs->v[zs->n++] = z;
	return z;
}

static void on_read(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct run_zone *z = ud;
	struct zone_waiter *wait = z->wait;
	size_t n = z->nwait;

	z->wait = NULL;
	z->nwait = z->await = 0;
	z->reading = false;
	if (rc == 0)
		z->zi = res;
	for (size_t i = 0; i < n; i++)
		wait[i].fn(z->run, wait[i].ud, rc == 0 ? z->zi : NULL, err);
	free(wait);
}

void run_zone_read(struct run *run, const char *zone, zone_fn fn, void *ud)
{
	struct run_zone *z = zone_of(run, zone);
	struct vrs_err err;

	err_clear(&err);
	if (z == NULL) {
		err_setc(&err, VRS_E_NOMEM, "out of memory");
		fn(run, ud, NULL, &err);
		return;
	}
	if (z->zi) {
		fn(run, ud, z->zi, &err);
		return;
	}
	if (z->nwait == z->await) {
		size_t na = z->await ? z->await * 2 : 8;
		struct zone_waiter *v = realloc(z->wait, na * sizeof(*v));
		if (v == NULL) {
			err_setc(&err, VRS_E_NOMEM, "out of memory");
			fn(run, ud, NULL, &err);
			return;
		}
		z->wait = v;
		z->await = na;
	}
	z->wait[z->nwait++] = (struct zone_waiter){fn, ud};
	if (z->reading)
		return;
	z->reading = true;
	if (run->pv->inwx == NULL) {
		err_set(&err, "zone %s: no INWX credentials to read it", zone);
		on_read(z, -1, NULL, &err);
	} else if (inwx_zone_info_async(run->pv->inwx, z->zone, NULL, on_read, z, &err) < 0)
		on_read(z, -1, NULL, &err);
}

void run_zones_release(struct run *run)
{
	struct run_zones *zs = run->zones;

	for (size_t i = 0; zs && i < zs->n; i++) {
		if (zs->v[i]->zi)
			inwx_zone_info_free(zs->v[i]->zi);
		free(zs->v[i]->zone);
		free(zs->v[i]->wait);
		free(zs->v[i]);
	}
	if (zs)
		free(zs->v);
	free(zs);
	run->zones = NULL;
}
