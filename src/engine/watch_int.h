/*
 * watch_int.h — what the files of `vrsctl watch` share: the watcher (the
 * loop's state, owned by engine_watch in watch.c) and the helpers the
 * NOTIFY wake-up (watch_notify.c) uses.
 */
#ifndef VRS_ENGINE_WATCH_INT_H
#define VRS_ENGINE_WATCH_INT_H

#include "engine/watch.h"
#include "plan/plan.h"

#include <signal.h>

struct wdir {
	int wd;
	char *path;
};

struct watcher {
	const struct watch_opts *o;
	struct state *st;
	struct providers **pv;
	int ep, ino, debounce, interval, sig;
	int notify; /* PostgreSQL: the LISTEN vrsctl session's socket, or -1 */
	struct wdir *dirs;
	size_t ndirs, adirs;
	bool root_watched;
	bool stop;
	bool reload;	     /* SIGHUP during a reconcile */
	bool notified;	     /* a NOTIFY of a known project armed the debounce */
	struct vrs_err lost; /* msg set: the writer lock was lost (VRS_E_LOCKED/INVALID) */
	volatile sig_atomic_t stop_flag;
	struct inputs good; /* the last valid desired world */
	bool have_good;
	size_t resume;		/* zones left of a refresh that yielded to an edit */
	long long resume_since; /* when that refresh began */
	bool edit_due;		/* report mode: the edit a refresh yielded to is applied next */
	bool tick_due;		/* the interval ran out during a refresh (on_yield drained it) */
	char *last_error;	/* last spec error report, not repeated */
	struct spec_cache *cache;
	struct plan_memo *memo;		/* the last plan, spliced for an edit (plan/memo.c) */
	struct plan_memo_stats memo_st; /* what the last plan_build_memo did */
	struct inputs_reload loaded;	/* of the load before this plan (all 0: none, a tick) */
	long long reload_ms;
	long long t0; /* when the current reload (or tick) began */
};

/* one event to the caller's callback */
void watch_emit(struct watcher *w, const char *level, const char *event, const char *project,
		const char *action, long long duration_ms, const char *msg);
/* arm timerfd fd: first after first_ms, then every every_ms (0, 0: disarm) */
void watch_arm(int fd, long long first_ms, long long every_ms);
/* PostgreSQL: LISTEN vrsctl on the lock's session, its socket in the epoll set */
int watch_notify_open(struct watcher *w, struct vrs_err *err);
/* NOTIFYs arrived: arm the debounce; -1 (w->lost set) when the lock's session is gone */
int watch_notify_check(struct watcher *w);

#endif
