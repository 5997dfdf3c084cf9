/*
 * plan_int.h — private to src/plan/: the plan builder shared by the files
 * that diff one concern each (globals.c, place.c, project.c, app.c,
 * domains.c), filter the targets (targets.c) and order the result
 * (order.c). builder.c holds the small helpers that add actions, changes,
 * requirements and reasons. Nothing here does I/O or reads a clock.
 */
#ifndef VRS_PLAN_INT_H
#define VRS_PLAN_INT_H

#include "model/limits.h"
#include "plan/plan.h"
#include "util/arena.h"

#define SECRET "(secret)"
#define NF     16 /* room for the longest field list (struct fv) */

/* an action under construction; requires are indices into builder.v */
struct pact {
	struct m_action a;
	int *req;
	size_t nreq, areq;
	size_t achg; /* room in a.changes (the arena's: a full array is copied to one twice the
			size) */
	int seq;
	bool keep;
};

struct builder {
	const struct m_world *d, *r;
	const struct m_observed *o; /* NULL unless present */
	const struct plan_opts *opts;
	struct pact *v;
	size_t n, alloc;
	struct arena *arena; /* the actions' strings (pb_keep), handed to the plan */
	size_t nnoop;
	bool oom;
	/* action index of the create/update of each desired global object, -1 if none */
	int *srv_act, *bd_act, *pt_act, *pl_act, *bu_act;
	int *proj_act; /* create/update of each desired project */
	/* placement per desired project (parallel to d->projects) */
	const char **place;
	signed char *place_auto; /* 1: chosen by auto placement, -1: no room */
	/* observed, sorted pointer indexes */
	const struct o_app **oapps;
	const struct o_record **orecs;
	int *order_src;	    /* plan_order: when set, the builder index of each ordered action */
	size_t nglob;	    /* pb_all: plan_globals' actions, the first ones */
	char *last_project; /* pb_act: the arena's copy of the last action's project,
				     shared by the next ones of that project */
};

/* a field list for create/update diffs: value NULL means "none" */
struct fv {
	const char *field;
	const char *val;
	const char *dflt; /* a create does not show the field when val equals it */
	char num[32];
};

/* an int list that grows */
struct ilist {
	int *v;
	size_t n, alloc;
};

/* ---- builder.c: adding to the plan; out of memory sets b->oom ---------------- */

char *pb_strdup(struct builder *b, const char *s);
/* a copy owned by the builder's arena (then the plan's): an action's own strings */
char *pb_keep(struct builder *b, const char *s);
bool pb_str_eq(const char *a, const char *b);
/* add an action; returns its index or -1 (out of memory) */
int pb_act(struct builder *b, enum m_op op, enum m_resource res, const char *key,
	   const char *project, enum m_service svc, struct m_pos src);
/* the calls below do nothing for an index < 0 */
void pb_chg(struct builder *b, int i, const char *field, const char *old, const char *new);
void pb_req(struct builder *b, int i, int dep);
void pb_reason(struct builder *b, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* a repair of what changed outside vrsctl: the reason, and the action's drift flag */
void pb_drift(struct builder *b, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void fv_str(struct fv *f, const char *field, const char *val, const char *dflt);
void fv_int(struct fv *f, const char *field, long long v, const char *dflt);
void fv_bool(struct fv *f, const char *field, bool v, const char *dflt);
/* create: every field with a value other than its default */
void pb_chg_create(struct builder *b, int i, const struct fv *nv, size_t n);
/* number of fields that differ between two parallel lists */
size_t fv_ndiff(const struct fv *ov, const struct fv *nv, size_t n);
void pb_chg_diff(struct builder *b, int i, const struct fv *ov, const struct fv *nv, size_t n);
const char *pb_destructive_note(const struct builder *b);
void pb_ilist_add(struct builder *b, struct ilist *l, int x);
/* a converged or waiting project: counted, listed only when verbose */
void pb_noop(struct builder *b, const char *slug, struct m_pos src, const char *why);
/* names sorted and joined (NULL and b->oom when out of memory) */
char *pb_join_sorted(struct builder *b, char *const *v, size_t n, const char *sep);
void pact_release(struct pact *p);

/* ---- globals.c: servers, base domains, project types, plugins, bundles ------- */

void plan_globals(struct builder *b);

/* ---- catrefs.c: the catalogue rows still used (plan_check), deletes ordered ---- */

int plan_check_catalogue(const struct m_world *d, const struct m_world *r, struct diag_list *diags);
/* each catalogue delete requires the updates and deletes that move its users off it */
void plan_order_catalogue(struct builder *b);

/* ---- place.c: the project gates and server: auto ------------------------------ */

bool payment_gated(const struct m_project *dp, const struct m_project *rp);
bool retries_exhausted(const struct m_project *rp);
/* observed objects by uuid / record id (NULL without a refresh) */
int cmp_oapp(const void *x, const void *y);
int cmp_orec(const void *x, const void *y);
const struct o_app *find_oapp(const struct builder *b, const char *uuid);
const struct o_record *find_orec(const struct builder *b, const char *id);
/* fills b->place and b->place_auto; returns 0, or -1 when out of memory */
int plan_place(struct builder *b);

/* ---- project.c, app.c, domains.c: the diff of one desired project ------------ */

/* what the parts of one project's diff share */
struct pctx {
	size_t di;
	const struct m_project *dp, *rp;
	const char *slug, *sname, *status_new;
	struct m_pos src;
	const struct m_server *ds, *rs;
	const struct o_app *oapp;
	bool app_rec, gated, noroom, suspended, remote, need_reg, app_missing;
	bool app_susp;	      /* suspended by the marketplace application: honoured */
	struct m_project eff; /* the desired project as applied to rp (project_effective) */
	size_t nd;
	int a_proj, a_cp, a_app, a_env, a_start;
	int *a_pd, *a_reg; /* per desired domain: its local record, its registration */
	struct ilist dns;  /* the DNS record actions */
	char cpkey[300];   /* the Coolify project's name */
};

void plan_project(struct builder *b, size_t di);
/* lifecycle archived (dp) or removed from the specs (dp NULL) */
void plan_archive(struct builder *b, const struct m_project *dp, const struct m_project *rp);
/* app.c */
void plan_app(struct builder *b, struct pctx *c);
void plan_env(struct builder *b, struct pctx *c);
/* domains.c */
bool pctx_needs_registration(const struct pctx *c);
void plan_domain_rows(struct builder *b, struct pctx *c);
void plan_registrations(struct builder *b, struct pctx *c);
void plan_dns(struct builder *b, struct pctx *c);
void plan_delete_records(struct builder *b, const char *slug, const struct m_domain *rd,
			 struct m_pos src, const char *why, int after, struct ilist *out);

/* ---- plan.c: the build in steps (plan_build, plan_memo) ------------------------ */

/* one fragment of the build: the actions of one slug, from index start to the next */
struct pb_group {
	const char *slug;
	bool removed; /* recorded only (plan_removed), else desired project `index` */
	size_t index; /* into d->projects, or r->projects when removed */
	size_t start, nnoop;
};
struct pb_rec {
	size_t nglob, glob_nnoop; /* plan_globals' actions (the first nglob) and noops */
	struct pb_group *g;	  /* desired projects in order, then the removed ones */
	size_t ng;
};
/* set up b (pb_release it whatever the result); 0, or -1 with err */
int pb_begin(struct builder *b, const struct m_world *desired, const struct m_world *recorded,
	     const struct m_observed *observed, const struct plan_opts *opts, struct vrs_err *err);
/* every action, unordered; rec (may be NULL) receives the fragments; -1 out of memory */
int pb_all(struct builder *b, struct pb_rec *rec);
void pb_release(struct builder *b);
/* a recorded project no spec names: archived (managed) or noted (the application's) */
void plan_removed(struct builder *b, const struct m_project *rp);

/* ---- memokey.c: what one fragment of the plan is a function of ------------------ */

/* the global objects of both worlds, serialized into out (appended); -1 out of memory */
int memo_key_globals(const struct m_world *d, const struct m_world *r, struct buf *out);
/*
 * one slug's inputs: its desired (may be NULL) and recorded (may be NULL)
 * rows, placement. With old (the previous key, may be NULL): *same is set
 * when the key equals it, and then nothing is written; else out has the key.
 */
int memo_key_project(const struct m_project *dp, const struct m_project *rp, const char *place,
		     int place_auto, const char *old, size_t oldlen, struct buf *out, bool *same);

/* ---- targets.c, order.c ------------------------------------------------------ */

/* keep the targeted actions and, transitively, what they require */
int plan_filter_targets(struct builder *b, struct vrs_err *err);
/* Kahn's algorithm; moves the actions into out in order, ids 1..n, requires as ids */
int plan_order(struct builder *b, struct m_plan *out, struct vrs_err *err);

/* ---- group.c: the renderers' blocks ------------------------------------------ */

/* the actions to show (noops only when verbose): global first, then by project
 * slug, plan order inside; NULL when out of memory */
const struct m_action **plan_grouped(const struct m_plan *p, bool verbose, size_t *n);

/* ---- render.c: text and JSON with the threads given (the public ones choose by size) ---- */

int plan_render_text_with(const struct m_plan *p, const struct m_world *desired, bool color,
			  bool verbose, struct buf *out, size_t workers);
int plan_render_json_with(const struct m_plan *p, const struct m_world *desired, bool color,
			  bool verbose, struct buf *out, size_t workers);

#endif
