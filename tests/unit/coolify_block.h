/*
 * coolify_block.h — blocking forms of the Coolify calls for the unit tests:
 * each queues the library's async call and waits on it with coolify_wait
 * (the library keeps only the four blocking forms the engine uses).
 * out may be NULL for acks (the result is then freed).
 */
#ifndef VRS_TEST_COOLIFY_BLOCK_H
#define VRS_TEST_COOLIFY_BLOCK_H

#include <string.h>

#include "providers/coolify.h"

#define COOLIFY_BLOCK(KIND, OUT, CALL)                                                             \
	do {                                                                                       \
		struct http_waiter w_;                                                             \
		void *r_ = NULL;                                                                   \
		memset(&w_, 0, sizeof(w_));                                                        \
		if (coolify_wait(c, (CALL), &w_, KIND, (OUT) ? &r_ : NULL, err) < 0)               \
			return -1;                                                                 \
		if (OUT)                                                                           \
			*(OUT) = r_;                                                               \
		return 0;                                                                          \
	} while (0)

static inline int coolify_version(struct coolify *c, char **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_TEXT, out, coolify_version_async(c, http_waiter_cb, &w_, err));
}
static inline int coolify_health(struct coolify *c, char **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_TEXT, out, coolify_health_async(c, http_waiter_cb, &w_, err));
}
static inline int coolify_server_get(struct coolify *c, const char *uuid,
				     struct coolify_server **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_SERVER, out,
		      coolify_server_get_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_project_create(struct coolify *c, const char *name,
					 const char *description, struct coolify_ack **out,
					 struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_project_create_async(c, name, description, http_waiter_cb, &w_, err));
}
static inline int coolify_project_get(struct coolify *c, const char *uuid,
				      struct coolify_project **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_PROJECT, out,
		      coolify_project_get_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_project_delete(struct coolify *c, const char *uuid,
					 struct coolify_ack **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_project_delete_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_app_get(struct coolify *c, const char *uuid, struct coolify_app **out,
				  struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_APP, out, coolify_app_get_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_app_create(struct coolify *c, const struct coolify_app_create *in,
				     struct coolify_ack **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_app_create_async(c, in, http_waiter_cb, &w_, err));
}
static inline int coolify_app_delete(struct coolify *c, const char *uuid, unsigned flags,
				     struct coolify_ack **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_app_delete_async(c, uuid, flags, http_waiter_cb, &w_, err));
}
static inline int coolify_app_start(struct coolify *c, const char *uuid, struct coolify_ack **out,
				    struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_app_start_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_app_stop(struct coolify *c, const char *uuid, struct coolify_ack **out,
				   struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_app_stop_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_app_restart(struct coolify *c, const char *uuid, struct coolify_ack **out,
				      struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_app_restart_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_envs_list(struct coolify *c, const char *app_uuid,
				    struct coolify_env_list **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ENVS, out,
		      coolify_envs_list_async(c, app_uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_env_create(struct coolify *c, const char *app_uuid,
				     const struct coolify_env_input *in, struct coolify_ack **out,
				     struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_env_create_async(c, app_uuid, in, http_waiter_cb, &w_, err));
}
static inline int coolify_env_patch(struct coolify *c, const char *app_uuid,
				    const struct coolify_env_input *in, struct coolify_env **out,
				    struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ENV, out,
		      coolify_env_patch_async(c, app_uuid, in, http_waiter_cb, &w_, err));
}
static inline int coolify_envs_bulk(struct coolify *c, const char *app_uuid,
				    const struct coolify_env_input *in, size_t n,
				    struct coolify_env_list **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ENVS, out,
		      coolify_envs_bulk_async(c, app_uuid, in, n, http_waiter_cb, &w_, err));
}
static inline int coolify_env_delete(struct coolify *c, const char *app_uuid, const char *env_uuid,
				     struct coolify_ack **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_ACK, out,
		      coolify_env_delete_async(c, app_uuid, env_uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_deploy(struct coolify *c, const char *const *uuids, size_t n, bool force,
				 struct coolify_deploy_result **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_DEPLOY_RESULT, out,
		      coolify_deploy_async(c, uuids, n, force, http_waiter_cb, &w_, err));
}
static inline int coolify_deployments_list(struct coolify *c, struct coolify_deployment_list **out,
					   struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_DEPLOYMENTS, out,
		      coolify_deployments_list_async(c, http_waiter_cb, &w_, err));
}
static inline int coolify_deployment_get(struct coolify *c, const char *uuid,
					 struct coolify_deployment **out, struct vrs_err *err)
{
	COOLIFY_BLOCK(COOLIFY_K_DEPLOYMENT, out,
		      coolify_deployment_get_async(c, uuid, http_waiter_cb, &w_, err));
}
static inline int coolify_app_deployments(struct coolify *c, const char *app_uuid, int skip,
					  int take, struct coolify_deployment_list **out,
					  struct vrs_err *err)
{
	COOLIFY_BLOCK(
	    COOLIFY_K_APP_DEPLOYMENTS, out,
	    coolify_app_deployments_async(c, app_uuid, skip, take, http_waiter_cb, &w_, err));
}

#endif
