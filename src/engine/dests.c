/*
 * dests.c — the Coolify servers' destinations read in this run: one
 * GET /servers/{uuid}/destinations per server and run, shared by every app
 * created on it (the list changes only when an operator adds a Docker
 * network, not during an apply). Callers waiting while the server is read
 * are called back together; a failed read is tried again by the next
 * caller, like zones.c's zone reads.
 */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>

struct dest_waiter {
	dests_fn fn;
	void *ud;
};

struct run_dest {
	struct run *run;
	char *server_uuid;
	struct coolify_server_list *l; /* NULL until read */
	bool reading;
	struct dest_waiter *wait;
	size_t nwait, await;
};

struct run_dests {
	struct run_dest **v;
	size_t n;
};

static struct run_dest *dest_of(struct run *run, const char *server_uuid)
{
	struct run_dests *ds = run->dests;
	struct run_dest **v, *d;

	if (ds == NULL && (ds = run->dests = calloc(1, sizeof(*ds))) == NULL)
		return NULL;
	for (size_t i = 0; i < ds->n; i++)
		if (strcmp(ds->v[i]->server_uuid, server_uuid) == 0)
			return ds->v[i];
	if ((v = realloc(ds->v, (ds->n + 1) * sizeof(*v))) == NULL)
		return NULL;
	ds->v = v;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->server_uuid = strdup(server_uuid)) == NULL) {
		free(d);
		return NULL;
	}
	d->run = run;
	ds->v[ds->n++] = d;
	return d;
}

static void on_read(void *ud, int rc, void *res, struct vrs_err *err)
{
	struct run_dest *d = ud;
	struct dest_waiter *wait = d->wait;
	size_t n = d->nwait;

	d->wait = NULL;
	d->nwait = d->await = 0;
	d->reading = false;
	if (rc == 0)
		d->l = res;
	for (size_t i = 0; i < n; i++)
		wait[i].fn(d->run, wait[i].ud, rc == 0 ? d->l : NULL, err);
	free(wait);
}

void run_dests_read(struct run *run, const char *server_uuid, dests_fn fn, void *ud)
{
	struct run_dest *d = dest_of(run, server_uuid);
	struct vrs_err err;

	err_clear(&err);
	if (d == NULL) {
		err_setc(&err, VRS_E_NOMEM, "out of memory");
		fn(run, ud, NULL, &err);
		return;
	}
	if (d->l) {
		fn(run, ud, d->l, &err);
		return;
	}
	if (d->nwait == d->await) {
		size_t na = d->await ? d->await * 2 : 8;
		struct dest_waiter *v = realloc(d->wait, na * sizeof(*v));
		if (v == NULL) {
			err_setc(&err, VRS_E_NOMEM, "out of memory");
			fn(run, ud, NULL, &err);
			return;
		}
		d->wait = v;
		d->await = na;
	}
	d->wait[d->nwait++] = (struct dest_waiter){fn, ud};
	if (d->reading)
		return;
	d->reading = true;
	if (coolify_server_destinations_async(run->pv->coolify, d->server_uuid, on_read, d, &err) <
	    0)
		on_read(d, -1, NULL, &err);
}

void run_dests_release(struct run *run)
{
	struct run_dests *ds = run->dests;

	for (size_t i = 0; ds && i < ds->n; i++) {
		if (ds->v[i]->l)
			coolify_server_list_free(ds->v[i]->l);
		free(ds->v[i]->server_uuid);
		free(ds->v[i]->wait);
		free(ds->v[i]);
	}
	if (ds)
		free(ds->v);
	free(ds);
	run->dests = NULL;
}
