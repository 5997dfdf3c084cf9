/*
 * watch.c — the event loop of `vrsctl watch`.
 *
 * One epoll set over four file descriptors, and nothing else, so that an
 * idle watch uses no CPU:
 *   - inotify on every directory of the specs tree (new directories are
 *     added as they appear; the root's own deletion is noticed and the root
 *     re-watched when it comes back),
 *   - a timerfd for the debounce: every spec event re-arms it, so an
 *     editor's write-and-rename or a `git checkout` touching 100 files
 *     gives one reconcile,
 *   - a timerfd for the periodic refresh (drift): a tick reads the Coolify
 *     lists and a share of the zones (zonepick.c); a spec edit that comes
 *     while a refresh reads zones is taken between two zone reads (on_yield):
 *     the edit is planned with what was read so far, the rest is read right
 *     after (resume),
 *   - a signalfd: SIGTERM/SIGINT stop (calls in flight get 2 s, then
 *     they, queued retries and deployment waits are cut: engine.c stop_run;
 *     the next run resumes), SIGHUP reloads now,
 *   - on PostgreSQL, the socket of the writer lock's session, which LISTENs
 *     on channel "vrsctl": the application's NOTIFY vrsctl, 'slug' arms the
 *     debounce as a spec change does (a burst gives one reconcile), and the
 *     session's end (the server terminated it) ends the loop with
 *     VRS_E_LOCKED, as a reconcile whose writes found the lock lost does.
 * Invalid specs are reported and nothing is applied; the last good desired
 * world stays in force for the periodic refresh until the specs are valid
 * again. The caller holds the state lock for the whole life of the loop.
 * The specs are read through a spec cache (spec/cache.c): a save decodes
 * again only the files whose bytes changed, and the inotify events name the
 * files to look at (a directory event walks the tree); the plan is spliced
 * from the last one (plan/memo.c) when only projects changed; the `planned`
 * event says how long the reload and the plan took, how many files were
 * parsed, and whether the tree was walked and the plan spliced.
 */
#include "engine/engine_int.h"
#include "engine/watch_int.h"

#include "util/buf.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MASK                                                                                 \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF |   \
	 IN_MOVE_SELF | IN_ONLYDIR)

void watch_emit(struct watcher *w, const char *level, const char *event, const char *project,
		const char *action, long long duration_ms, const char *msg)
{
	struct watch_event ev = {.level = level,
				 .event = event,
				 .project = project,
				 .action = action,
				 .duration_ms = duration_ms,
				 .message = msg};

	if (w->o->event)
		w->o->event(w->o->event_ud, &ev);
}

void watch_arm(int fd, long long first_ms, long long every_ms)
{
	struct itimerspec it = {0};

	it.it_value.tv_sec = first_ms / 1000;
	it.it_value.tv_nsec = (first_ms % 1000) * 1000000;
	if (first_ms == 0 && every_ms == 0)
		it.it_value.tv_nsec = 0; /* disarm */
	else if (it.it_value.tv_sec == 0 && it.it_value.tv_nsec == 0)
		it.it_value.tv_nsec = 1;
	it.it_interval.tv_sec = every_ms / 1000;
	it.it_interval.tv_nsec = (every_ms % 1000) * 1000000;
	timerfd_settime(fd, 0, &it, NULL);
}

static void drain(int fd)
{
	uint64_t n;

	while (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
}

/* ---- the watched tree ------------------------------------------------------------ */

static void add_dir(struct watcher *w, const char *path, int depth)
{
	int wd;
	DIR *d;
	struct dirent *de;

	if (depth > 32)
		return;
	wd = inotify_add_watch(w->ino, path, WATCH_MASK);
	if (wd < 0)
		return;
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			goto scan; /* already known (symlinked twice): no loop */
	if (w->ndirs == w->adirs) {
		size_t n = w->adirs ? w->adirs * 2 : 32;
		struct wdir *v = realloc(w->dirs, n * sizeof(*v));
		if (v == NULL)
			return;
		w->dirs = v;
		w->adirs = n;
	}
	w->dirs[w->ndirs].wd = wd;
	w->dirs[w->ndirs].path = strdup(path);
	w->ndirs++;
	if (depth == 0)
		w->root_watched = true;
	/* a directory created with files in it before the watch was added */
scan:
	d = opendir(path);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char sub[PATH_MAX];
		struct stat sb;
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			bool known = false;
			for (size_t i = 0; i < w->ndirs && !known; i++)
				known = strcmp(w->dirs[i].path, sub) == 0;
			if (!known)
				add_dir(w, sub, depth + 1);
		}
	}
	closedir(d);
}

static const char *dir_of(const struct watcher *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return w->dirs[i].path;
	return NULL;
}

static void forget_dir(struct watcher *w, int wd)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		if (w->dirs[i].wd == wd) {
			if (i == 0 && strcmp(w->dirs[0].path, w->o->specs) == 0)
				w->root_watched = false;
			free(w->dirs[i].path);
			w->dirs[i] = w->dirs[--w->ndirs];
			return;
		}
	}
}

/* a spec file the events name, for the cache's next load (relative to the specs dir) */
static void note_file(struct watcher *w, const char *dir, const char *name)
{
	const char *root = w->o->specs, *sub;
	size_t rl = strlen(root);
	char rel[PATH_MAX];

	while (rl > 0 && root[rl - 1] == '/')
		rl--;
	if (dir == NULL || strncmp(dir, root, rl) != 0 || (dir[rl] != 0 && dir[rl] != '/')) {
		inputs_cache_dirty(w->cache, NULL); /* not known where: walk */
		return;
	}
	for (sub = dir + rl; *sub == '/'; sub++)
		;
	if (snprintf(rel, sizeof(rel), "%s%s%s", sub, *sub ? "/" : "", name) >= (int)sizeof(rel))
		inputs_cache_dirty(w->cache, NULL);
	else
		inputs_cache_dirty(w->cache, rel);
}

/*
 * read inotify events; true when a spec file or directory changed. The
 * files named go to the spec cache, which then stats only those; anything
 * else (a directory, an overflow, the root itself) makes its next load walk.
 */
static bool read_events(struct watcher *w)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(w->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			const char *dir = dir_of(w, ev->wd);
			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				inputs_cache_dirty(w->cache, NULL);
				changed = true;
				continue;
			}
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
				if (dir && strcmp(dir, w->o->specs) == 0) {
					w->root_watched = false;
					watch_emit(
					    w, "error", "specs_root_gone", NULL, NULL, 0,
					    "the specs directory was removed; waiting for it to "
					    "come back (the last good specs stay in force)");
				}
				inputs_cache_dirty(w->cache, NULL);
				changed = true;
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				forget_dir(w, ev->wd);
				continue;
			}
			if (ev->len == 0 || ev->name[0] == '.')
				continue;
			if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR) &&
			    dir) {
				char sub[PATH_MAX];
				snprintf(sub, sizeof(sub), "%s/%s", dir, ev->name);
				add_dir(w, sub, 1);
				inputs_cache_dirty(w->cache, NULL);
				changed = true;
				continue;
			}
			if (ev->mask & IN_ISDIR) {
				inputs_cache_dirty(w->cache, NULL);
				changed = true;
				continue;
			}
			{
				size_t l = strlen(ev->name);
				if ((l > 5 && strcmp(ev->name + l - 5, ".yaml") == 0) ||
				    (l > 4 && strcmp(ev->name + l - 4, ".yml") == 0)) {
					note_file(w, dir, ev->name);
					changed = true;
				}
			}
		}
	}
	return changed;
}

/* ---- reconciling ------------------------------------------------------------------ */

static void on_progress(void *ud, const char *subject, const char *msg, const char *line)
{
	struct watcher *w = ud;
	(void)line;
	watch_emit(w, strstr(msg, "failed") ? "error" : "info", "action", subject, msg, -1, NULL);
}

/* SIGTERM while the engine runs: stop starting new calls */
static void on_tick(void *ud)
{
	struct watcher *w = ud;
	struct signalfd_siginfo si;

	while (read(w->sig, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			w->reload = true;
		} else {
			w->stop = true;
			w->stop_flag = 1;
		}
	}
}

static void report_specs(struct watcher *w, struct diag_list *dl)
{
	struct buf b;

	diag_sort(dl);
	buf_init(&b);
	for (size_t i = 0; i < dl->n; i++) {
		const struct diag *d = &dl->v[i];
		if (d->file)
			buf_printf(&b, "%s%s:%d:%d: error: %s", i ? "\n" : "", d->file, d->line,
				   d->col, d->msg);
		else
			buf_printf(&b, "%svrsctl: error: %s", i ? "\n" : "", d->msg);
	}
	if (w->last_error == NULL || strcmp(w->last_error, b.data) != 0) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "%zu error%s in the specs; nothing applied, the last good specs stay in "
			 "force",
			 dl->n, dl->n == 1 ? "" : "s");
		watch_emit(w, "error", "specs_invalid", NULL, NULL, -1, msg);
		for (size_t i = 0; i < dl->n; i++) {
			const struct diag *d = &dl->v[i];
			char line[1200];
			if (d->file)
				snprintf(line, sizeof(line), "%s:%d:%d: error: %s", d->file,
					 d->line, d->col, d->msg);
			else
				snprintf(line, sizeof(line), "vrsctl: error: %s", d->msg);
			watch_emit(w, "error", "spec_error", NULL, NULL, -1, line);
		}
		free(w->last_error);
		w->last_error = buf_detach(&b);
	}
	buf_release(&b);
}

/* load the specs when they changed; true when a valid desired world is in force */
static bool load_specs(struct watcher *w)
{
	struct inputs in;
	struct vrs_err err;
	int rc;

	err_clear(&err);
	w->t0 = engine_now_ms();
	rc = inputs_load_specs_cached(w->cache, w->o->specs, &in, &w->loaded, &err);
	w->reload_ms = engine_now_ms() - w->t0;
	if (rc < 0) {
		if (in.diags.n == 0)
			diag_add(&in.diags, NULL, 0, 0, "%s", err.msg);
		report_specs(w, &in.diags);
		inputs_release(&in);
		return w->have_good;
	}
	free(w->last_error);
	w->last_error = NULL;
	if (w->have_good && strcmp(w->good.specs_digest, in.specs_digest) == 0) {
		inputs_release(&in);
		return true;
	}
	if (w->have_good)
		inputs_release(&w->good);
	w->good = in;
	w->have_good = true;
	watch_emit(w, "info", "specs_loaded", NULL, NULL, -1, w->good.specs_digest);
	return true;
}

/* the plan is built: how long since the reload began; --plan-out */
static void on_planned(void *ud, const struct m_plan *plan, const struct m_world *desired)
{
	struct watcher *w = ud;
	const struct plan_memo_stats *ms = &w->memo_st;
	char msg[240], how[96];

	if (ms->incremental)
		snprintf(how, sizeof(how), "plan spliced: %zu projects rebuilt", ms->rebuilt);
	else
		snprintf(how, sizeof(how), "full plan%s%s", ms->why ? ": " : "",
			 ms->why ? ms->why : "");
	if (w->loaded.files == 0 && w->reload_ms < 0)
		snprintf(msg, sizeof(msg), "%zu actions; no reload; %s", plan->nactions, how);
	else
		snprintf(
		    msg, sizeof(msg),
		    "%zu actions; %zu spec files, %zu read, %zu parsed (reload %lld ms, %s); %s",
		    plan->nactions, w->loaded.files, w->loaded.read, w->loaded.parsed, w->reload_ms,
		    w->loaded.walked ? "tree walked" : "the files named stat'ed", how);
	watch_emit(w, "info", "planned", NULL, NULL, engine_now_ms() - w->t0, msg);
	if (w->o->planned)
		w->o->planned(w->o->planned_ud, plan, desired);
}

/*
 * While a refresh reads zones (between two reads, and whenever the epoll fd
 * is readable during one): true when a spec edit's debounce has run out and
 * a changed, valid desired world is now in w->good. Signals are
 * read as on_tick does; inotify events re-arm the debounce as the loop does.
 */
static bool on_yield(void *ud)
{
	struct watcher *w = ud;
	struct epoll_event evs[8];
	bool due = false;
	char *before;
	int n = epoll_wait(w->ep, evs, 8, 0);

	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (fd == w->sig) {
			on_tick(w);
		} else if (fd == w->ino) {
			if (read_events(w))
				watch_arm(w->debounce, w->o->debounce_ms, 0);
		} else if (fd == w->debounce) {
			drain(w->debounce);
			due = true;
		} else if (fd == w->interval) {
			/* drained, or the epoll fd would stay readable; the loop ticks after */
			drain(w->interval);
			w->tick_due = true;
		}
	}
	if (!due || w->stop)
		return false;
	before = w->have_good ? strdup(w->good.specs_digest) : NULL;
	due = load_specs(w) && (before == NULL || strcmp(before, w->good.specs_digest) != 0);
	free(before);
	return due;
}

static void note_refresh(struct watcher *w, const struct reconcile_result *rr, bool resuming,
			 char *msg, size_t len)
{
	const struct engine_refresh_stats *s = &rr->refresh;
	size_t l = strlen(msg);

	if (s->reads == 0)
		return;
	snprintf(msg + l, len - l, "; refresh: %zu read%s, %zu of %zu zone%s read", s->reads,
		 s->reads == 1 ? "" : "s", s->zones, s->zones_total,
		 s->zones_total == 1 ? "" : "s");
	l = strlen(msg);
	if (s->zones_skipped)
		snprintf(msg + l, len - l, ", %zu just written skipped", s->zones_skipped);
	w->resume = s->yielded && s->zones_picked > s->zones ? s->zones_picked - s->zones : 0;
	/* a resumed refresh that yields again keeps the first one's start */
	if (w->resume && !resuming)
		w->resume_since = s->started;
	if (s->yielded) {
		char m[200];
		snprintf(m, sizeof(m),
			 "a spec edit planned after %zu of %zu zone reads; the other %zu are read "
			 "next",
			 s->zones, s->zones_picked, w->resume);
		watch_emit(w, "info", "refresh_yielded", NULL, NULL, -1, m);
	}
}

static void reconcile(struct watcher *w, enum refresh_mode refresh, const char *why)
{
	struct reconcile_result rr;
	struct diag_list conflicts;
	struct reconcile_opts ro = w->o->base;
	struct refresh_share share = w->o->share;
	bool resuming;
	struct vrs_err err;
	long long t0 = engine_now_ms();
	int rc;
	char msg[512], *commit, *who;

	if (!w->have_good)
		return;
	diag_init(&conflicts);
	err_clear(&err);
	ro.refresh = refresh;
	/* the specs' commit and author may have moved since the last reconcile */
	commit = engine_spec_commit(w->o->specs);
	who = engine_triggered_by(w->o->specs);
	ro.spec_commit = commit;
	ro.triggered_by = who;
	ro.progress = on_progress;
	ro.progress_ud = w;
	ro.stop = &w->stop_flag;
	ro.tick = on_tick;
	ro.tick_ud = w;
	ro.planned = on_planned;
	ro.planned_ud = w;
	ro.plan_memo = w->memo;
	ro.plan_memo_stats = &w->memo_st;
	/* ticks and their resumption read a share of the zones; the start reads them all */
	share.interval_s = w->o->interval_ms > 0 ? (w->o->interval_ms + 999) / 1000 : 0;
	resuming = refresh != REFRESH_NONE && w->resume > 0;
	if (refresh != REFRESH_NONE) {
		share.resume = w->resume;
		share.resume_since = w->resume_since;
		if (w->resume || strcmp(why, "interval") == 0)
			ro.share = &share;
		w->resume = 0;
		if (!w->o->once) {
			ro.yield = on_yield;
			ro.yield_ud = w;
			ro.yield_fd = w->ep;
		}
	}
	watch_emit(w, "info", "reconcile_started", NULL, why, -1, NULL);
	rc = engine_reconcile(w->st, w->pv, &w->good, &ro, &rr, &conflicts, &err);
	/* writes refused for a lost lock (or one failed run, asked afterwards):
	 * this process stops leading; cmd/ decides what comes next */
	if (rc < 0 && (err.code == VRS_E_LOCKED || state_writer_check(w->st, &w->lost) < 0)) {
		if (err.code == VRS_E_LOCKED)
			w->lost = err;
		w->stop = true;
	}
	if (conflicts.n)
		report_specs(w, &conflicts);
	snprintf(msg, sizeof(msg), "%zu action%s: %zu done, %zu failed, %zu skipped; %zu drift%s",
		 rr.actions, rr.actions == 1 ? "" : "s", rr.stats.ok, rr.stats.failed,
		 rr.stats.skipped, rr.drift, rc < 0 && err.msg[0] ? "; " : "");
	if (rc < 0 && err.msg[0])
		strncat(msg, err.msg, sizeof(msg) - strlen(msg) - 1);
	note_refresh(w, &rr, resuming, msg, sizeof(msg));
	/* --refresh=report plans without applying: the edit gets its own reconcile */
	w->edit_due = rr.refresh.yielded && refresh == REFRESH_REPORT;
	watch_emit(w, rc < 0 ? "error" : "info", "reconcile_finished", NULL, why,
		   engine_now_ms() - t0, msg);
	if (w->o->after)
		w->o->after(w->o->after_ud, rc, &rr, engine_now_ms() - t0);
	diag_release(&conflicts);
	free(commit);
	free(who);
}

/* the signals blocked and read from a signalfd, the inotify set, the timers, one epoll */
static int watcher_open(struct watcher *w, struct vrs_err *err)
{
	int fds[4];
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (w->sig = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (w->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    (w->debounce = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    (w->interval = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
	    (w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return err_set(err, "watch: setting up the event loop: %s", strerror(errno));
	fds[0] = w->sig;
	fds[1] = w->ino;
	fds[2] = w->debounce;
	fds[3] = w->interval;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fds[i];
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			return err_set(err, "watch: epoll: %s", strerror(errno));
	}
	return 0;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void watcher_release(struct watcher *w)
{
	if (w->have_good)
		inputs_release(&w->good);
	inputs_cache_free(w->cache);
	plan_memo_free(w->memo);
	free(w->last_error);
	for (size_t i = 0; i < w->ndirs; i++)
		free(w->dirs[i].path);
	free(w->dirs);
	close_fd(w->ep);
	close_fd(w->ino);
	close_fd(w->debounce);
	close_fd(w->interval);
	close_fd(w->sig);
}

int engine_watch(struct state *st, struct providers **pv, const struct watch_opts *o,
		 struct vrs_err *err)
{
	struct watcher w;
	int rc = -1;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.st = st;
	w.pv = pv;
	w.ep = w.ino = w.debounce = w.interval = w.sig = w.notify = -1;
	err_clear(&w.lost);
	w.cache = inputs_cache_new();
	w.memo = plan_memo_new();
	if (w.cache == NULL || w.memo == NULL) {
		err_set(err, "watch: out of memory");
		goto out;
	}
	if (watcher_open(&w, err) < 0 || watch_notify_open(&w, err) < 0)
		goto out;
	inputs_cache_watch(w.cache); /* from here on the events name what changed */
	add_dir(&w, o->specs, 0);
	if (!w.root_watched) {
		err_set(err, "watch: cannot watch %s: %s", o->specs, strerror(errno));
		goto out;
	}
	watch_emit(&w, "info", "watch_started", NULL, NULL, -1, o->specs);
	/* the first reconcile reads the remote world too: a daemon starts from the truth */
	if (load_specs(&w))
		reconcile(&w, o->refresh == REFRESH_NONE ? REFRESH_HEAL : o->refresh, "start");
	if (o->once || w.stop) {
		rc = w.lost.msg[0] ? -1 : 0;
		if (rc < 0)
			*err = w.lost;
		goto out;
	}
	if (o->interval_ms > 0)
		watch_arm(w.interval, o->interval_ms, o->interval_ms);
	while (!w.stop) {
		struct epoll_event evs[8];
		bool changed = false, tick = false;
		int n;

		if (w.reload) {
			w.reload = false;
			watch_emit(&w, "info", "reload", NULL, NULL, -1, "SIGHUP");
			inputs_cache_dirty(w.cache, NULL); /* a reload asked for: the whole tree */
			if (load_specs(&w))
				reconcile(&w, REFRESH_NONE, "sighup");
			continue;
		}
		/* the root came back after its deletion */
		if (!w.root_watched) {
			struct stat sb;
			if (stat(o->specs, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				add_dir(&w, o->specs, 0);
				inputs_cache_dirty(w.cache, NULL);
				watch_arm(w.debounce, o->debounce_ms, 0);
			}
		}
		/* NOTIFYs libpq queued during a reconcile's lock checks count too */
		if (w.stop || watch_notify_check(&w) < 0)
			break;
		/* a refresh that yielded to an edit goes on at once */
		n = epoll_wait(w.ep, evs, 8,
			       w.resume || w.edit_due || w.tick_due ? 0
			       : w.root_watched			    ? -1
								    : 1000);
		if (n < 0 && errno != EINTR) {
			err_set(err, "watch: epoll_wait: %s", strerror(errno));
			goto out;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == w.sig) {
				on_tick(&w);
			} else if (fd == w.ino) {
				if (read_events(&w))
					changed = true;
			} else if (fd == w.debounce) {
				bool notified = w.notified;
				drain(w.debounce);
				w.notified = false;
				if (load_specs(&w))
					reconcile(&w, REFRESH_NONE,
						  notified ? "notify" : "specs changed");
			} else if (fd == w.interval) {
				drain(w.interval);
				tick = true;
				w.t0 = engine_now_ms();
				memset(&w.loaded, 0, sizeof(w.loaded));
				w.reload_ms = -1;
			}
		}
		if (w.stop)
			break;
		tick |= w.tick_due;
		w.tick_due = false;
		if (changed)
			watch_arm(w.debounce, o->debounce_ms, 0); /* re-armed by every event */
		if (w.edit_due) {
			w.edit_due = false;
			reconcile(&w, REFRESH_NONE, "specs changed");
		}
		if (tick || w.resume)
			reconcile(&w, o->refresh == REFRESH_NONE ? REFRESH_HEAL : o->refresh,
				  tick ? "interval" : "refresh resumed");
	}
	if (w.lost.msg[0]) {
		*err = w.lost;
		goto out;
	}
	watch_emit(&w, "info", "watch_stopped", NULL, NULL, -1, "signal");
	rc = 0;
out:
	watcher_release(&w);
	return rc;
}
