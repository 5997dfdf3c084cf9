/*
 * zonepick.c — a refresh's zones. `plan --refresh`, `apply --refresh` and
 * watch's first reconcile read every managed zone; a watch tick reads a
 * share (reconcile_opts.share): every zone due (it would not otherwise be
 * read within the --full-refresh period) and up to the share more, the
 * least recently read first, skipping the zones vrsctl wrote since the last
 * tick (their records are what it just wrote). The zones not read are taken
 * as recorded (m_observed.zones_partial), and vrs_zone_read records when
 * each zone was read, so status and the metrics say so and never claim an
 * observation that was not made.
 */
#include "engine/engine_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct cand {
	const char *zone;
	long long read_at;
	bool due;
};

static int cmp_row(const void *a, const void *b)
{
	const struct state_zone_read *x = *(const struct state_zone_read *const *)a;
	const struct state_zone_read *y = *(const struct state_zone_read *const *)b;

	return strcmp(x->zone, y->zone);
}

/* due first, then the least recently read (never: 0), then by name */
static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->due != y->due)
		return x->due ? -1 : 1;
	if (x->read_at != y->read_at)
		return x->read_at < y->read_at ? -1 : 1;
	return strcmp(x->zone, y->zone);
}

static const struct state_zone_read *row_of(const struct state_zone_read **rows, size_t n,
					    const char *zone)
{
	struct state_zone_read key = {.zone = (char *)zone};
	const struct state_zone_read *kp = &key, **hit;

	if (n == 0)
		return NULL;
	hit = bsearch(&kp, rows, n, sizeof(*rows), cmp_row);
	return hit ? *hit : NULL;
}

/* how many zones a tick reads beyond the due ones */
static size_t share_of(size_t n, const struct refresh_share *sh, long long full, long long iv)
{
	size_t share, need;

	if (sh->resume)
		return sh->resume;
	share = sh->zones;
	if (sh->percent > 0) {
		size_t p = (n * (size_t)sh->percent + 99) / 100;
		share = p > share ? p : share;
	}
	/* the period holds: n zones in full / iv ticks */
	need = iv > 0 ? (size_t)(((long long)n * iv + full - 1) / full) : n;
	return need > share ? need : share;
}

size_t engine_pick_zones(const char *const *zones, size_t n, const struct state_zone_reads *rd,
			 const struct refresh_share *sh, long long now, const char **out,
			 size_t *skipped)
{
	long long full = sh->full_s > 0 ? sh->full_s : 3600, iv = sh->interval_s;
	const struct state_zone_read **rows = calloc(rd->n + 1, sizeof(*rows));
	struct cand *c = calloc(n + 1, sizeof(*c));
	size_t k = 0, ndue = 0, share;

	*skipped = 0;
	if (rows == NULL || c == NULL) {
		/* no memory to choose: read them all, as a full refresh does */
		free(rows);
		free(c);
		memcpy(out, zones, n * sizeof(*out));
		return n;
	}
	for (size_t i = 0; i < rd->n; i++)
		rows[i] = &rd->v[i];
	qsort(rows, rd->n, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < n; i++) {
		const struct state_zone_read *r = row_of(rows, rd->n, zones[i]);
		long long read_at = r ? r->read_at : 0, written = r ? r->written_at : 0;
		/* never read: its period runs from vrsctl's first write in it */
		long long ref = read_at ? read_at : written;
		/* the rest of a yielded tick: that tick counted what was due */
		bool due = !sh->resume && (ref == 0 || ref + full <= now + iv);
		/* since the last tick; one second more for the seconds' rounding */
		bool just_written = !sh->resume && written > read_at && written >= now - iv - 1;

		/* resuming: what this refresh read already is not read again, nor what the
		 * edit wrote */
		if (sh->resume && read_at >= sh->resume_since)
			continue;
		if (sh->resume && written >= sh->resume_since)
			just_written = true;
		if (just_written && !due) {
			(*skipped)++;
			continue;
		}
		c[k].zone = zones[i];
		c[k].read_at = read_at;
		c[k].due = due;
		ndue += due;
		k++;
	}
	qsort(c, k, sizeof(*c), cmp_cand);
	share = share_of(n, sh, full, iv);
	if (share < ndue)
		share = ndue;
	if (share > k)
		share = k;
	for (size_t i = 0; i < share; i++)
		out[i] = c[i].zone;
	free(rows);
	free(c);
	return share;
}

/* the least recently read zone's time once this refresh is recorded (0: one never read) */
static long long oldest_after(const char *const *zones, size_t n, const struct state_zone_reads *rd,
			      const struct m_observed *o, long long now)
{
	const struct state_zone_read **rows = calloc(rd->n + 1, sizeof(*rows));
	long long oldest = -1;

	if (rows == NULL)
		return 0;
	for (size_t i = 0; i < rd->n; i++)
		rows[i] = &rd->v[i];
	qsort(rows, rd->n, sizeof(*rows), cmp_row);
	for (size_t i = 0; i < n; i++) {
		const struct state_zone_read *r = row_of(rows, rd->n, zones[i]);
		long long t = observed_zone_read(o, zones[i]) ? now : r ? r->read_at : 0;
		if (oldest < 0 || t < oldest)
			oldest = t;
	}
	free(rows);
	return oldest < 0 ? 0 : oldest;
}

int engine_refresh(struct state *st, struct providers *pv, const struct m_world *desired,
		   const struct m_world *recorded, const struct reconcile_opts *o,
		   struct m_observed *observed, struct engine_refresh_stats *stats,
		   struct vrs_err *err)
{
	struct observe_zones z = {
	    .yield = o->yield, .yield_ud = o->yield_ud, .yield_fd = o->yield_fd, .stop = o->stop};
	struct state_zone_reads rd;
	const char **pick = NULL;
	long long now = (long long)time(NULL);
	size_t n = 0;
	char **zones = engine_managed_zones(recorded, &n);
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	memset(observed, 0, sizeof(*observed));
	memset(&rd, 0, sizeof(rd));
	stats->started = now;
	if (zones == NULL)
		return err_set(err, "out of memory");
	if (state_zone_reads_load(st, &rd, err) < 0)
		goto out;
	z.v = (const char *const *)zones;
	z.n = n;
	if (o->share) {
		pick = calloc(n + 1, sizeof(*pick));
		if (pick == NULL) {
			err_set(err, "out of memory");
			goto out;
		}
		z.n = engine_pick_zones(z.v, n, &rd, o->share, now, pick, &stats->zones_skipped);
		z.v = pick;
		z.partial = z.n < n;
	}
	if (engine_observe_zones(pv, desired, recorded, &z, observed, stats, err) < 0)
		goto out;
	stats->zones_total = n;
	if (state_zone_mark_read(st, (const char *const *)observed->zones_read,
				 observed->nzones_read, now, err) < 0) {
		observed_release(observed);
		goto out;
	}
	stats->oldest_read = oldest_after((const char *const *)zones, n, &rd, observed, now);
	rc = 0;
out:
	state_zone_reads_release(&rd);
	free(pick);
	free(zones);
	return rc;
}
