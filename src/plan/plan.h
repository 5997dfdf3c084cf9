/*
 * plan.h — the plan: a pure diff of (desired, recorded[, observed], now) into
 * an ordered list of actions (DESIGN §6, §7), its renderers and the reader of
 * saved plans.
 *
 * Nothing here does I/O or reads a clock; the same inputs give a
 * byte-identical plan. Both worlds must be sorted (world_sort), as spec/ and
 * state/ return them; plan_build refuses an unsorted world.
 *
 * Action keys: server name, base domain, project type code, plugin name,
 * bundle code, project slug, fqdn (project_domain, domain_registration),
 * "vrs-<slug>" (coolify_project), "<slug>" (coolify_app, app_env,
 * deployment), "<fqdn>/A", "<fqdn>/AAAA", "www.<fqdn>/CNAME" (dns_record).
 *
 * Order: topological over `requires`; among the actions that are ready, the
 * smallest (resource in enum order, key, op) goes first. Ids are 1..n in
 * that order; `requires` lists ids, ascending.
 */
#ifndef VRS_PLAN_H
#define VRS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/err.h"

struct plan_opts {
	/*
	 * "KIND/KEY" with KIND a resource name: "project/pizzeria-roma" keeps
	 * every action of that project, "server/fsn1-01" the actions on that
	 * object; the actions they require are kept too (transitively).
	 */
	const char *const *targets;
	size_t ntargets;
	long long now;	   /* unix seconds, from the caller */
	bool verbose;	   /* also list noop actions (converged objects, waiting projects) */
	bool allow_delete; /* false: destructive actions say they need --allow-delete */
};

/*
 * Cross-checks that need both worlds: a placed project whose `server:` names
 * another server; a server removed from the specs that still hosts recorded
 * projects. Appends errors to diags; returns 0, or -1 when it added any.
 */
int plan_check(const struct m_world *desired, const struct m_world *recorded,
	       struct diag_list *diags);

/*
 * Build the plan into out (plan_init'ed by the caller or zeroed; the caller
 * frees it with plan_release). observed may be NULL or !present (no refresh).
 * Returns 0, or -1 with err set (out of memory, an unsorted world, a target
 * that names no object); out is then empty.
 */
int plan_build(const struct m_world *desired, const struct m_world *recorded,
	       const struct m_observed *observed, const struct plan_opts *opts, struct m_plan *out,
	       struct vrs_err *err);

/*
 * plan_build for `watch`, in proportion to the edit (memo.c): the memo keeps
 * the last plan and what each slug's actions were made of; when only some
 * projects changed, only their actions are built again and spliced into the
 * previous order. The result is byte-identical to plan_build's. out
 * borrows the memo's actions (m_plan.borrowed): valid until the memo's next
 * build or plan_memo_free; plan_release it as any plan. st (may be NULL)
 * says what was done. Same result convention as plan_build.
 */
struct plan_memo;
struct plan_memo_stats {
	bool incremental; /* spliced; false: the full build ran */
	const char *why;  /* the full build: why (a static string), or NULL for the first */
	size_t rebuilt;	  /* slugs whose actions were built again */
	size_t gone;	  /* slugs whose previous actions were dropped */
	size_t actions;	  /* in the plan */
	bool in_place;	  /* spliced without moving an action: the edit kept the plan's shape */
};
struct plan_memo *plan_memo_new(void);
void plan_memo_free(struct plan_memo *m);
int plan_build_memo(struct plan_memo *m, const struct m_world *desired,
		    const struct m_world *recorded, const struct m_observed *observed,
		    const struct plan_opts *opts, struct m_plan *out, struct plan_memo_stats *st,
		    struct vrs_err *err);

/* summary counts of a plan (noop from plan->nnoop, never from listed noop actions) */
struct plan_summary {
	size_t create, update, delete, deploy, start, stop, reg, transfer, noop;
	long long cost_cents;
};
void plan_summarize(const struct m_plan *p, struct plan_summary *s);
/* true when the plan changes anything (an action other than noop) */
bool plan_has_changes(const struct m_plan *p);

/*
 * Renderers append to out and return 0, or -1 when out of memory. desired
 * (may be NULL) gives each project block its spec position. The text
 * summary line is "Plan: X to create, Y to change, Z to delete[, N
 * purchase(s) (P)]." where deploy/start/stop count as change, or "No
 * changes. The world matches the specs." for an empty plan.
 */
int plan_render_text(const struct m_plan *p, const struct m_world *desired, bool color,
		     bool verbose, struct buf *out);
int plan_render_json(const struct m_plan *p, const struct m_world *desired, bool color,
		     bool verbose, struct buf *out);
int plan_render_markdown(const struct m_plan *p, const struct m_world *desired, bool color,
			 bool verbose, struct buf *out);
int plan_render_dot(const struct m_plan *p, const struct m_world *desired, bool color, bool verbose,
		    struct buf *out);

/*
 * Read a saved JSON plan (plan_render_json's output) back; strict:
 * format_version must be 1, every field of an action present with its
 * type, ids 1..n in order, requires naming earlier actions. A parsed
 * action's source.file points into the same allocation as its key (freed
 * with it by plan_release). Returns 0, or -1 with err set and out empty.
 */
int plan_parse_json(const char *json, size_t len, struct m_plan *out, struct vrs_err *err);

#endif
