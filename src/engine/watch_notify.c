/*
 * watch_notify.c — the PostgreSQL wake-up of `vrsctl watch`: the writer
 * lock's session LISTENs on channel "vrsctl"; the application's
 * NOTIFY vrsctl, 'slug' (a known project, or empty) arms the debounce as a
 * spec change does, anything else is logged and ignored (docs/POSTGRESQL.md).
 */
#include "engine/watch_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

/* LISTEN for the application's NOTIFY vrsctl (PostgreSQL only) */
int watch_notify_open(struct watcher *w, struct vrs_err *err)
{
	struct epoll_event ev;

	if ((w->notify = state_notify_fd(w->st, err)) < 0)
		return err->msg[0] ? -1 : 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = w->notify;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->notify, &ev) < 0)
		return err_set(err, "watch: epoll: %s", strerror(errno));
	return 0;
}

static bool desired_has(const struct watcher *w, const char *slug)
{
	for (size_t i = 0; w->have_good && i < w->good.desired.nprojects; i++)
		if (strcmp(w->good.desired.projects[i].slug, slug) == 0)
			return true;
	return false;
}

/* one NOTIFY: an empty payload or a project's slug (in the specs or the
 * state) wakes the loop; anything else is logged and ignored */
static void on_notify(void *ud, const char *payload)
{
	struct watcher *w = ud;
	struct vrs_err err;
	char msg[200];
	int known = 1;

	err_clear(&err);
	if (*payload && !desired_has(w, payload))
		known = state_project_known(w->st, payload, &err);
	if (known > 0) {
		if (!w->notified)
			watch_emit(w, "info", "notify", *payload ? payload : NULL, NULL, -1, NULL);
		w->notified = true;
		return;
	}
	snprintf(msg, sizeof(msg), "NOTIFY vrsctl, '%.64s%s': %s; ignored", payload,
		 strlen(payload) > 64 ? "..." : "",
		 known < 0 ? err.msg : "no project has this slug");
	/* the payload is the application's: no control character reaches a log line */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	watch_emit(w, known < 0 ? "error" : "info", "notify_ignored", NULL, NULL, -1, msg);
}

/* NOTIFYs arrived (read by libpq during the lock checks, or on the socket):
 * arm the debounce; -1 when the lock's session is gone */
int watch_notify_check(struct watcher *w)
{
	bool before = w->notified;

	if (w->notify < 0)
		return 0;
	if (state_notify_drain(w->st, on_notify, w, &w->lost) < 0) {
		w->stop = true;
		return -1;
	}
	if (w->notified && !before)
		watch_arm(w->debounce, w->o->debounce_ms, 0);
	return 0;
}
