/*
 * watch.h — `vrsctl watch`'s event loop (see watch.c): inotify on the specs,
 * a debounce, a periodic refresh, signals; one reconcile per burst of
 * changes and per tick.
 */
#ifndef VRS_WATCH_H
#define VRS_WATCH_H

#include "engine/engine.h"

/* one structured event (cmd/watch.c prints it as text or one JSON line) */
struct watch_event {
	const char *level;     /* info, error */
	const char *event;     /* watch_started, specs_loaded, specs_invalid, spec_error,
				  reconcile_started, planned, action, reconcile_finished, reload,
				  refresh_yielded, specs_root_gone, watch_stopped */
	const char *project;   /* or NULL */
	const char *action;    /* or NULL */
	long long duration_ms; /* -1 when not timed */
	const char *message;   /* or NULL */
};

struct watch_opts {
	const char *specs;
	int debounce_ms;	    /* default 300 */
	long long interval_ms;	    /* periodic refresh; 0 = none */
	bool once;		    /* one reconcile (with refresh), then return */
	enum refresh_mode refresh;  /* for ticks: HEAL (default) or REPORT */
	struct reconcile_opts base; /* flags shared by every reconcile */
	/* a tick's share of the zones (zones/percent/full_s; watch.c sets the rest) */
	struct refresh_share share;
	void (*event)(void *ud, const struct watch_event *ev);
	void *event_ud;
	/* after every reconcile (metrics) */
	void (*after)(void *ud, int rc, const struct reconcile_result *r, long long duration_ms);
	void *after_ud;
	/* each plan once built, before it is applied (--plan-out); NULL: none */
	void (*planned)(void *ud, const struct m_plan *plan, const struct m_world *desired);
	void *planned_ud;
};

/*
 * Run until SIGTERM/SIGINT (0) or a setup failure (-1). The caller holds
 * the state lock for the whole time; st is open for writing.
 */
int engine_watch(struct state *st, struct providers **pv, const struct watch_opts *o,
		 struct vrs_err *err);

#endif
