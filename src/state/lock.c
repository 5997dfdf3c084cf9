/*
 * lock.c — one writer per state. SQLite: an exclusive flock on STATE.lock
 * holding the holder's pid. PostgreSQL: a session advisory lock on its own
 * connection (open_pg.c), whose holder is named by its application_name.
 * state_lock_wait retries while another process holds it (--lock-timeout).
 */
#include "state/state_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

struct state_lock {
	int fd;	       /* SQLite: the flock'ed STATE.lock */
	struct db *pg; /* PostgreSQL: the session holding the advisory lock */
	int backend;   /* its pg_backend_pid() */
};

static int read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return (int)strtol(buf, NULL, 10);
}

int state_lock(const char *state_path, struct state_lock **out, int *holder_pid,
	       struct vrs_err *err)
{
	char path[4096], pid[32];
	enum state_kind kind;
	int fd, len;

	*out = NULL;
	if (holder_pid)
		*holder_pid = 0;
	if (state_where(state_path, &kind, err) < 0)
		return -1;
	if (kind == STATE_POSTGRES) {
		struct db *db = NULL;
		int backend = 0;
		if (st_lock_pg(state_path, &db, &backend, holder_pid, err) < 0)
			return -1;
		if ((*out = calloc(1, sizeof(**out))) == NULL) {
			db_close(db);
			return err_setc(err, VRS_E_NOMEM, "out of memory");
		}
		(*out)->fd = -1;
		(*out)->pg = db;
		(*out)->backend = backend;
		return 0;
	}
	if (snprintf(path, sizeof(path), "%s.lock", state_path) >= (int)sizeof(path))
		return err_setc(err, VRS_E_INVALID, "state %s: path too long", state_path);
	if (st_mkdir_parents(path, err) < 0)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		int e = errno;
		if (e == EROFS || e == EACCES || e == EPERM)
			return err_setc(err, VRS_E_IO,
					"state %s cannot be written: its lock file %s cannot be "
					"opened for writing (%s); nothing was changed",
					state_path, path, strerror(e));
		return err_setc(err, VRS_E_IO, "lock %s: %s", path, strerror(e));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno, holder = 0;
		if (e != EWOULDBLOCK) {
			close(fd);
			return err_setc(err, VRS_E_IO, "lock %s: %s", path, strerror(e));
		}
		/* the holder writes its pid right after locking; give it a moment */
		for (int i = 0; i < 50 && (holder = read_pid(fd)) == 0; i++)
			usleep(2000);
		close(fd);
		if (holder_pid)
			*holder_pid = holder;
		if (holder)
			return err_setc(err, VRS_E_LOCKED, "state %s is locked by pid %d",
					state_path, holder);
		return err_setc(err, VRS_E_LOCKED, "state %s is locked by another process",
				state_path);
	}
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		err_setc(err, VRS_E_IO, "lock %s: writing pid: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((*out = malloc(sizeof(**out))) == NULL) {
		close(fd);
		return err_setc(err, VRS_E_NOMEM, "out of memory");
	}
	(*out)->fd = fd;
	(*out)->pg = NULL;
	return 0;
}

int state_lock_wait(const char *state_path, long long wait_ms, struct state_lock **out,
		    int *holder_pid, struct vrs_err *err)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		long long spent;

		if (state_lock(state_path, out, holder_pid, err) == 0)
			return 0;
		if (err->code != VRS_E_LOCKED)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &t);
		spent = (t.tv_sec - t0.tv_sec) * 1000LL + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= wait_ms)
			return -1;
		/* the holder may be a long apply: poll gently */
		usleep((useconds_t)(wait_ms - spent < 100 ? wait_ms - spent : 100) * 1000);
	}
}

void state_unlock(struct state_lock *lk)
{
	if (lk == NULL)
		return;
	if (lk->pg) {
		st_unlock_pg(lk->pg);
		free(lk);
		return;
	}
	/* truncate first so a reader never sees a stale pid after release */
	if (ftruncate(lk->fd, 0) < 0) {
		/* nothing to do: the lock goes away with the descriptor anyway */
	}
	flock(lk->fd, LOCK_UN);
	close(lk->fd);
	free(lk);
}

void state_attach_lock(struct state *st, struct state_lock *lk)
{
	if (st && lk && lk->pg && st->pg) {
		st->lockdb = lk->pg;
		st->lockpid = lk->backend;
	}
}

int state_writer_check(struct state *st, struct vrs_err *err)
{
	if (st == NULL || st->lockdb == NULL)
		return 0;
	return st_lock_pg_check(st->lockdb, st->lockpid, st->path, err);
}

int state_lock_holder(const char *state_path, char *out, size_t n, struct vrs_err *err)
{
	enum state_kind kind;

	*out = 0;
	if (state_where(state_path, &kind, err) < 0)
		return -1;
	return kind == STATE_POSTGRES ? st_lock_holder_pg(state_path, out, n, err) : 0;
}

bool state_is_postgres(const char *state_path)
{
	enum state_kind kind;
	struct vrs_err e;

	err_clear(&e);
	return state_where(state_path, &kind, &e) == 0 && kind == STATE_POSTGRES;
}

/* LISTEN on the lock's session: only the leader holds one, and it is idle
 * between the per-write checks (which queue what arrives meanwhile) */
int state_notify_fd(struct state *st, struct vrs_err *err)
{
	if (st == NULL || st->lockdb == NULL)
		return -1;
	if (db_exec(st->lockdb, "LISTEN vrsctl") < 0) {
		err_setc(err, VRS_E_IO, "state %s: LISTEN vrsctl: %s", st->path,
			 db_errmsg(st->lockdb));
		return -1;
	}
	return db_pg_socket(st->lockdb);
}

int state_notify_drain(struct state *st, void (*fn)(void *ud, const char *payload), void *ud,
		       struct vrs_err *err)
{
	int n;

	if (st == NULL || st->lockdb == NULL)
		return 0;
	if ((n = db_pg_drain(st->lockdb, fn, ud)) < 0)
		return err_setc(err, VRS_E_LOCKED,
				"state %s: the writer lock's session is gone (%s); not writing",
				st->path, db_errmsg(st->lockdb));
	return n;
}
