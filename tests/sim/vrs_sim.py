#!/usr/bin/python3
"""vrs_sim — loopback simulator of the Coolify API v1 and the INWX DomRobot JSON-RPC API.

Python 3 standard library only. One process, two loopback listeners (Coolify,
INWX), one in-memory state behind one lock. Follows
/work/shared/contracts/coolify-api.md and inwx-api.md (the repo's contracts).

CLI
---
  python3 tests/sim/vrs_sim.py --coolify 127.0.0.1:0 --inwx 127.0.0.1:0 --ready-file F [options]

  --coolify HOST:PORT     Coolify listener (loopback only; port 0 = any free port)
  --inwx HOST:PORT        INWX listener (loopback only)
  --ready-file F          once both listen, write {"coolify": PORT, "inwx": PORT, "dns_port": PORT,
                          "https_port": PORT, "ca_file": PATH} to F (atomically: temp file + rename)
  --dns HOST:PORT         the INWX zones served as a DNS server, UDP and TCP (loopback only;
                          default 127.0.0.1:0); see sim_dns.py (answers, the parent's delegation
                          table, the dns_delay / dns_serve / dns_delegate admin ops)
  --dns-delay S           a record created or changed is served over DNS S seconds later
                          (default 0); until then the old value or NXDOMAIN
  --https HOST:PORT       the deployed apps' HTTPS listener (Traefik's part; loopback only;
                          sim_https.py: a test CA, certificates by SNI, health knobs)
  --coolify-token T       accepted Bearer token (default sim-coolify-token); repeatable.
                          T:ABILITIES gives the token Coolify abilities, comma-separated, from
                          read, read:sensitive, write, write:sensitive, deploy, root
                          (e.g. "tok:read,write,deploy,read:sensitive", "tok:root", "tok:read").
                          Enforced as Coolify does (middleware api.ability:X, before any body
                          check): GET needs read; POST/PATCH/DELETE need write; POST /deploy,
                          applications/{uuid}/start|stop|restart and deployments/{uuid}/cancel
                          need deploy; root passes everything; otherwise 403
                          {"message":"Missing required permissions: write"}. Env value/real_value
                          and deployment logs only with read:sensitive or root.
                          A token given without ":" may do everything (read, write, deploy), and
                          sees sensitive values only with --coolify-sensitive.
  --coolify-sensitive     tokens without an ability list have read:sensitive: env
                          value/real_value are returned (default: omitted, as for a token without
                          read:sensitive). Tokens with an ability list ignore it.
  --coolify-api-disabled  the instance's API is off (Settings -> Advanced -> API Access): every
                          /api/v1/* route except /health answers, after the token check (401
                          first, as auth:sanctum runs before ApiAllowed),
                          403 {"success":true,"message":"API is disabled."}. See also the
                          set_api admin op.
  --inwx-user U           INWX account user (default sim-user)
  --inwx-password P       INWX password (default sim-password)
  --inwx-2fa BASE32       account needs account.unlock with a TOTP (RFC 6238, SHA1, 30 s,
                          6 digits, ±1 step; each TAN accepted once)
  --inwx-burst N          more than N INWX write calls per second per session -> 2400
                          (default 0 = off)
  --inwx-cookie-refresh N every Nth call of a session answers with a new domrobot cookie
                          (Set-Cookie) and the old one stops working (2200 "Not logged in"):
                          a client must keep the cookie of every answer, as a cookie jar does.
                          Default 0 (off: whether INWX does this is not documented).
                          account.login/account.logout are counted in meta.inwx_logins /
                          meta.inwx_logouts.
  --domain-polls N        domain.create/transfer become final after N domain.info calls (2)
  --state-file PATH       load at start if present; saved (atomically) shortly after every
                          mutation and at exit (SIGTERM/SIGINT)
  --seed-file PATH        initial state, same JSON shape as GET /_sim/state; /_sim/reset
                          returns to it. Without it: one server "sim-server-1".
  --seed N                random seed (uuids, ids, fault decisions): reproducible runs
  --deploy-time S         deployment queued -> in_progress -> finished over S seconds
                          (default 0.3; first third queued, computed lazily)
  --deploy-retry-after S  Retry-After of POST /deploy's 429 when a server's queue is full
                          (default 60, as Coolify). Builds run settings.concurrent_builds
                          (default 2) at a time per server, one per app; the rest wait queued;
                          more than settings.deployment_queue_limit (25) queued -> that 429
                          (counted in meta.deploy_queue_full). A batch uuid=a,b,c queues its
                          apps in order and answers that 429 at the first full server: the
                          apps before it stay queued (DeployController::by_uuids);
                          meta.deploy_batches lists how many uuids each POST /deploy named;
                          meta.deploy_calls [{"at","names","refused"}] when each came, the
                          apps it named and the one its 429 refused (null: no 429).
  --delete-time S         DELETE /applications/{uuid} only queues the deletion (Coolify's
                          DeleteResourceJob): the app stays listed and readable, and its
                          project/environment answer 400 "has resources", for S seconds
                          (default 1.0; 0 = gone at once). Each DELETE's query flags are
                          recorded in meta.app_deletions [{"uuid","name","query"}].
                          (GET /deployments answers an object keyed by row position, as
                          Coolify's sortBy() without values() does, whenever the rows'
                          positions differ from id order; meta.keyed_deployment_lists counts it.)
  --rate-limit N          Coolify requests per minute per user (default 200; 0 = off): Laravel's
                          fixed 60 s window from a key's first hit, keyed as Coolify's 'api'
                          limiter is (RouteServiceProvider: Limit::perMinute(...)->by(
                          $request->user()?->id ?: $request->ip())), so all tokens of one user
                          share one window; /api/health has its own 1000/min
  --token-user T:U        token T belongs to user U (default: every token is user 0's, the
                          instance's root user); repeatable
  --latency MS, --jitter MS   added to every API request (a "latency" fault rule)
  --fault JSON            fault rule (object) or {"rules":[...]}; repeatable
  --quiet                 no log on stderr

Admin endpoints (both ports, no auth, not counted, never faulted)
-----------------------------------------------------------------
  GET  /_sim/state        {"coolify":{"servers","projects","applications","deployments"},
                           "inwx":{"zones":[{"domain","roId","type","records":[...]}],
                                   "domains","contacts","taken_domains","auth_codes"},
                           "meta":{...counters}}
                          Applications carry the API fields plus sim-only project_uuid,
                          environment_uuid, server_uuid, tags and envs (with real values).
                          Deployments carry sim-only sim_created_at (unix seconds).
                          meta.coolify_max_in_flight: the most Coolify requests seen
                          being answered at once
  POST /_sim/state        patch the state; body: one op object, a list, or {"ops":[...]}:
      {"op":"delete_app","name":N | "uuid":U}
      {"op":"set_app","name":N | "uuid":U,"fields":{"status":"exited:unhealthy",...}}
      {"op":"delete_project","name":N | "uuid":U}
      {"op":"add_server","server":{"name":...,"ip":...}}
      {"op":"set_server","uuid":U | "name":N,"fields":{"is_reachable":false,...}}
           (is_reachable/is_usable are set both top-level and in settings; "settings" and
            "proxy" objects are merged, e.g. {"settings":{"deployment_queue_limit":1}})
      {"op":"set_deployment","uuid":U,"fields":{"status":"failed"}}
      {"op":"set_https","host":H,"fields":{"days":D,"fail":B,"fail_count":N,"flip":B,"status":S}}
           the app's HTTPS side (sim_https.py): certificate validity, failing health answers
      {"op":"set_app_health","name":N,"status":"running:unhealthy"}
           the status app N's deployments end in (default running:healthy; applied now too
           when the app runs)
      {"op":"finish_deployments"}              every active deployment -> finished now
      {"op":"finish_deletions"}                every queued app deletion -> done now
      {"op":"add_zone","domain":Z}              (with SOA + NS records)
      {"op":"delete_zone","domain":Z}
      {"op":"add_record","zone":Z,"name":N,"type":T,"content":C,"ttl":3600,"prio":0}
      {"op":"set_record","zone":Z,"name":N,"type":T[,"content":C] | "id":I,"fields":{...}}
      {"op":"delete_record","zone":Z,"name":N,"type":T[,"content":C] | "id":I}
           (record names: relative, FQDN or "@", as for createRecord)
      {"op":"set_domain","domain":D,"fields":{"status":"OK",...}}   (creates it if absent)
      {"op":"delete_domain","domain":D}
      {"op":"drop_sessions"}                   INWX sessions dropped: next call 2500, then 2200
      {"op":"set_api","enabled":false[,"allowed_ips":"10.0.0.1,10.0.0.2"]}
           Coolify API switch and IP allowlist (Settings -> Advanced): off -> 403 "API is
           disabled."; a client IP not in a non-empty list ("0.0.0.0" = all) -> 403
           {"success":true,"message":"You are not allowed to access the API."}; "allowed_ips":
           null or "" clears the list. /_sim/reset restores the flags' setting.
      → 200 {"ok":true,"results":[...]}; 400 {"error":"..."} (ops before the bad one applied)
  GET  /_sim/calls        {"coolify":{"GET /applications":N,"PATCH /applications/{uuid}":N,...},
                           "inwx":{"nameserver.createRecord":N,...}}  (templates as in OpenAPI;
                          unmatched paths counted as "METHOD /raw/path"; faulted calls count)
  GET  /_sim/calls/times  {"coolify":{"POST /deploy":[unix seconds, ...],...}}: when each
                          Coolify call arrived (same keys as /_sim/calls)
  GET  /_sim/calls/log    [[unix seconds, service, key, subject], ...]: every call in the order
                          it arrived (subject: INWX params "domain", or the Coolify names
                          concerned; at most 200000 kept)
  POST /_sim/calls/reset  zero the counters (and the times and the log)
  GET  /_sim/faults       {"rules":[...]} (with "remaining" for count rules)
  GET  /_sim/faults/stats {"coolify":{"http500":N,"drop+apply":N,"latency":N,...},"inwx":{...}}:
                          the faults injected, by kind ("+apply": the request was performed
                          first); zeroed by /_sim/calls/reset and /_sim/reset
  POST /_sim/faults       replace the rules: {"rules":[rule,...]}
  POST /_sim/reset        state back to the seed file (or empty + default server), counters,
                          sessions, rate windows and faults cleared (flag faults restored)
  POST /_sim/snapshot     the current state becomes what /_sim/reset restores (uuids drawn
                          after such a reset never repeat the snapshot's)
  GET  /_sim/routes       the Coolify route table [{"method","path","required","allowed","ability"}]
                          (ability: what the token needs, null for /health)
  GET  /_sim/health       "OK"

Faults
------
  A rule: {"match":PATTERN,"kind":KIND, ...options}.
  match   "*" (everything), a Coolify key "POST /applications/dockerimage" or an INWX method
          "nameserver.createRecord"; fnmatch wildcards allowed ("GET /applications*",
          "nameserver.*"). "coolify:*" / "inwx:*" limit a rule to one service.
  name    only when the request concerns this name: Coolify body "name", the app/project
          named by a path uuid, apps named by /deploy uuid=; INWX params domain or the zone of
          the record id (permanent "fail everything for X" when no rate/count is given)
  rate    probability 0..1 (seeded RNG);  count  fire for the next N matching calls only
  apply   true: perform the request first, then answer with the fault (the write landed
          but the answer was lost). Default false, except for "malformed".
  kinds   latency {ms, jitter}     added delay, the request proceeds
          http500 | http502 | http503 | http {status}   JSON {"message":"Server Error"}
          http429 {retry_after}    429 {"message":"Too Many Attempts."} + Retry-After
          inwx2400 | inwx2500      INWX error code (2500 also drops the session)
          timeout {seconds}        hold the connection (default 5 s), then close, no answer
          drop                     close the socket without any answer
          malformed                truncated JSON body (of the real answer)
          html {status}            text/html body (default status 200)
          huge {bytes}             a huge body (default 50 MB) of valid-looking JSON
          deploy_failed            deployments created for matching apps end "failed"
                                   (match "POST /deploy" or "*", use name)
  Deployments on a server that is not is_reachable/is_usable also end "failed".
  Example: {"rules":[{"match":"POST /applications/dockerimage","kind":"http500","rate":0.2},
                     {"match":"nameserver.createRecord","kind":"inwx2400","count":3},
                     {"match":"*","kind":"latency","ms":50,"jitter":10},
                     {"match":"POST /applications/dockerimage","kind":"http500","name":"kunde-7"}]}
"""

import argparse
import base64
import copy
import fnmatch
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import random
import re
import signal
import socket
import socketserver
import string
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

import sim_dns
import sim_https

VERSION = "4.3.11"
ALNUM = string.ascii_lowercase + string.digits
DEFAULT_NS = ["ns.inwx.de", "ns2.inwx.de", "ns3.inwx.eu"]
SENSITIVE_APP_KEYS = ("custom_labels", "http_basic_auth_password", "manual_webhook_secret_github",
                      "manual_webhook_secret_gitlab", "manual_webhook_secret_bitbucket",
                      "manual_webhook_secret_gitea", "dockerfile")
SIM_APP_KEYS = ("project_uuid", "environment_uuid", "server_uuid", "envs", "tags")
TERMINAL = ("finished", "failed", "cancelled-by-user")
ABILITIES = {"read", "read:sensitive", "write", "write:sensitive", "deploy", "root"}


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000000Z"


def inwx_date(t):
    t = int(t)
    return {"scalar": time.strftime("%Y%m%dT%H:%M:%S", time.gmtime(t)), "timestamp": t}


def human(key):
    return key.replace("_", " ")


# ---------------------------------------------------------------- OpenAPI-derived field sets

def _spec_dockerimage_fields():
    return set("""autogenerate_domain connect_to_docker_network custom_docker_run_options
    custom_internal_name custom_labels description destination_uuid disable_build_cache
    docker_images_to_keep docker_registry_image_name docker_registry_image_tag domains
    environment_name environment_uuid force_domain_override gpu_count gpu_device_ids gpu_driver
    gpu_options health_check_enabled health_check_host health_check_interval health_check_method
    health_check_path health_check_port health_check_response_text health_check_retries
    health_check_return_code health_check_scheme health_check_start_period health_check_timeout
    http_basic_auth_password http_basic_auth_username include_source_commit_in_build
    inject_build_args_to_dockerfile instant_deploy is_consistent_container_name_enabled
    is_container_label_escape_enabled is_env_sorting_enabled is_force_https_enabled
    is_git_lfs_enabled is_git_shallow_clone_enabled is_git_submodules_enabled is_gpu_enabled
    is_gzip_enabled is_http_basic_auth_enabled is_log_drain_enabled
    is_pr_deployments_public_enabled is_preview_deployments_enabled
    is_raw_compose_deployment_enabled is_stripprefix_enabled limits_cpu_shares limits_cpus
    limits_cpuset limits_memory limits_memory_reservation limits_memory_swap
    limits_memory_swappiness manual_webhook_secret_bitbucket manual_webhook_secret_gitea
    manual_webhook_secret_github manual_webhook_secret_gitlab max_restart_count name
    noindex_domains ports_exposes ports_mappings post_deployment_command
    post_deployment_command_container pre_deployment_command pre_deployment_command_container
    preview_url_template project_uuid redirect server_uuid stop_grace_period tags
    use_build_secrets use_build_server""".split())


DOCKERIMAGE_ALLOWED = _spec_dockerimage_fields()
PUBLIC_ALLOWED = (DOCKERIMAGE_ALLOWED - {"docker_registry_image_name", "docker_registry_image_tag"}) | set(
    """git_repository git_branch git_commit_sha build_pack base_directory publish_directory
    install_command build_command start_command is_static is_spa is_auto_deploy_enabled
    dockerfile_location docker_compose_location docker_compose_domains watch_paths""".split())
# PATCH: the create fields minus the ones the code forbids (contract §4.5)
PATCH_FORBIDDEN = {"project_uuid", "server_uuid", "environment_name", "environment_uuid",
                   "destination_uuid", "autogenerate_domain", "tags", "dockerfile"}
PATCH_ALLOWED = set("""base_directory build_command build_pack connect_to_docker_network
    custom_docker_run_options custom_internal_name custom_labels description disable_build_cache
    docker_compose_custom_build_command docker_compose_custom_start_command docker_compose_domains
    docker_compose_location docker_images_to_keep docker_registry_image_name docker_registry_image_tag
    dockerfile_location domains force_domain_override git_branch git_commit_sha git_repository
    github_app_uuid gpu_count gpu_device_ids gpu_driver gpu_options health_check_enabled
    health_check_host health_check_interval health_check_method health_check_path health_check_port
    health_check_response_text health_check_retries health_check_return_code health_check_scheme
    health_check_start_period health_check_timeout include_source_commit_in_build
    inject_build_args_to_dockerfile install_command instant_deploy is_auto_deploy_enabled
    is_consistent_container_name_enabled is_container_label_escape_enabled is_env_sorting_enabled
    is_force_https_enabled is_git_lfs_enabled is_git_shallow_clone_enabled is_git_submodules_enabled
    is_gpu_enabled is_gzip_enabled is_log_drain_enabled is_pr_deployments_public_enabled
    is_preserve_repository_enabled is_preview_deployments_enabled is_raw_compose_deployment_enabled
    is_spa is_static is_stripprefix_enabled limits_cpu_shares limits_cpus limits_cpuset limits_memory
    limits_memory_reservation limits_memory_swap limits_memory_swappiness
    manual_webhook_secret_bitbucket manual_webhook_secret_gitea manual_webhook_secret_github
    manual_webhook_secret_gitlab max_restart_count name noindex_domains ports_exposes ports_mappings
    post_deployment_command post_deployment_command_container pre_deployment_command
    pre_deployment_command_container preview_url_template publish_directory redirect start_command
    stop_grace_period use_build_secrets use_build_server watch_paths""".split())   # spec minus PATCH_FORBIDDEN
ENV_ALLOWED = {"key", "value", "is_preview", "is_literal", "is_multiline", "is_shown_once",
               "is_runtime", "is_buildtime", "comment"}
ENV_BOOLS = ("is_preview", "is_literal", "is_multiline", "is_shown_once", "is_runtime", "is_buildtime")
APP_STRINGS = ("project_uuid", "server_uuid", "environment_name", "environment_uuid", "name",
               "description", "domains", "ports_exposes", "ports_mappings", "destination_uuid",
               "docker_registry_image_name", "docker_registry_image_tag", "redirect",
               "git_repository", "git_branch", "git_commit_sha", "build_pack")
APP_BOOLS = ("autogenerate_domain", "force_domain_override", "instant_deploy", "is_force_https_enabled",
             "is_auto_deploy_enabled", "health_check_enabled", "is_static", "is_spa")
KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
PROJECT_NAME_RE = re.compile(r"^[A-Za-z0-9 \-_./@&()#,:+]{3,255}$")
PORTS_RE = re.compile(r"^\d+(,\d+)*$")
IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._\-/]*(:\d+)?[a-z0-9._\-/]*$")
# bootstrap/helpers/api.php (sharedDataApplications): health_check_path rule
HEALTH_PATH_RE = re.compile(r"^[a-zA-Z0-9/\-_.~%,;]+$")


def health_path_errors(b, errs):
    """422 for a health_check_path outside Coolify's rule (create and PATCH)."""
    v = b.get("health_check_path")
    if isinstance(v, str) and "health_check_path" not in errs and not HEALTH_PATH_RE.match(v):
        errs["health_check_path"] = ["The health check path field format is invalid."]


def health_never_ok(sim, app):
    """Coolify runs the check inside the container with curl or wget (with neither, every
    check fails): an image flagged --image-without-curl never gets healthy once checks are on."""
    if not app.get("health_check_enabled"):
        return False
    image = app.get("docker_registry_image_name") or ""
    tag = app.get("docker_registry_image_tag") or "latest"
    flagged = getattr(sim.opts, "image_without_curl", None) or []
    return image in flagged or "%s:%s" % (image, tag) in flagged


class ApiError(Exception):
    """A Coolify error answer."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class InwxError(Exception):
    def __init__(self, code, reason=None, reason_code=None):
        super().__init__(code)
        self.code, self.reason, self.reason_code = code, reason, reason_code


def validation(errors, message="Validation failed."):
    return ApiError(422, {"message": message, "errors": errors})


INWX_MSG = {
    1000: "Command completed successfully",
    1001: "Command completed successfully; action pending",
    1500: "Command completed successfully; ending session",
    2000: "Unknown command",
    2001: "Command syntax error",
    2002: "Command use error",
    2003: "Required parameter missing",
    2004: "Parameter value range error",
    2005: "Parameter value syntax error",
    2200: "Authentication error",
    2302: "Object exists",
    2303: "Object does not exist",
    2308: "Data management policy violation",
    2400: "Command failed",
    2500: "Command failed; server closing connection",
}
INWX_METHODS = ["account.login", "account.unlock", "account.logout", "account.info",
                "nameserver.list", "nameserver.create", "nameserver.info", "nameserver.createRecord",
                "nameserver.updateRecord", "nameserver.deleteRecord", "domain.check",
                "domain.getPrices", "domain.getRules", "domain.create", "domain.transfer",
                "domain.info", "domain.list", "domain.update", "contact.list", "contact.create"]
INWX_CANON = {m.lower(): m for m in INWX_METHODS}
INWX_WRITES = {"nameserver.create", "nameserver.createRecord", "nameserver.updateRecord",
               "nameserver.deleteRecord", "domain.create", "domain.transfer", "domain.update",
               "contact.create"}
RECORD_TYPES = {"A", "AAAA", "AFSDB", "ALIAS", "CAA", "CERT", "CNAME", "HINFO", "KEY", "LOC", "MX",
                "NAPTR", "NS", "OPENPGPKEY", "PTR", "RP", "SMIMEA", "SOA", "SRV", "SSHFP", "TLSA",
                "TXT", "URI", "URL"}
DOT_TYPES = {"CNAME", "MX", "NS", "SRV", "PTR", "ALIAS"}
TLD_PRICES = {"com": 9.99, "net": 11.99, "org": 10.99, "de": 4.99, "eu": 5.99, "io": 39.0,
              "dev": 12.0, "app": 14.0, "ch": 8.5, "at": 9.0}


def totp(secret_b32, counter):
    key = base64.b32decode(secret_b32.upper().replace(" ", "") + "=" * (-len(secret_b32.replace(" ", "")) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


# ---------------------------------------------------------------- the simulator state

class Sim:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.RLock()
        # token -> set of abilities, or None (no list given: read, write, deploy)
        self.tokens = {}
        for spec in opts.coolify_token or ["sim-coolify-token"]:
            tok, sep, abil = spec.partition(":")
            if not tok:
                raise ValueError("--coolify-token: empty token in %r" % spec)
            if not sep:
                self.tokens[tok] = None
                continue
            abilities = {a.strip() for a in abil.split(",") if a.strip()}
            unknown = sorted(abilities - ABILITIES)
            if unknown or not abilities:
                raise ValueError("--coolify-token %s: unknown abilities %s (known: %s)" % (
                    tok, ", ".join(unknown) or "(none given)", ", ".join(sorted(ABILITIES))))
            self.tokens[tok] = abilities
        # token -> user id: the rate limit's key (by user, not by token)
        self.token_user = {tok: "0" for tok in self.tokens}
        for spec in opts.token_user or []:
            tok, _, user = spec.partition(":")
            if tok not in self.tokens or not user:
                raise ValueError("--token-user %r: want TOKEN:USER for a --coolify-token" % spec)
            self.token_user[tok] = user
        self.flag_rules = []
        for spec in opts.fault or []:
            self.flag_rules.extend(parse_rules(json.loads(spec)))
        if opts.latency or opts.jitter:
            self.flag_rules.insert(0, {"match": "*", "kind": "latency", "ms": opts.latency, "jitter": opts.jitter})
        self.seed_data = None
        if opts.seed_file:
            with open(opts.seed_file) as f:
                self.seed_data = json.load(f)
        self.dirty = False
        self.reset(full=True)
        if opts.state_file and os.path.exists(opts.state_file):
            with open(opts.state_file) as f:
                self.load(json.load(f))

    # ---- lifecycle
    def reset(self, full=False):
        with self.lock:
            # after a snapshot, a reset draws new uuids: never one the snapshot already holds
            self.resets = getattr(self, "resets", 0) + 1
            self.snapshots = getattr(self, "snapshots", 0)
            self.rng = random.Random(self.opts.seed if not self.snapshots else
                                     "%s/%d" % (self.opts.seed, self.resets))
            self.fault_rng = random.Random((self.opts.seed or 0) + 7919)
            self.calls = {"coolify": {}, "inwx": {}}
            self.call_times = {}
            self.fault_stats = {}
            self.call_log = []
            self.rules = copy.deepcopy(self.flag_rules)
            self.rate = {}
            self.sessions = {}
            self.dropped = set()
            self.used_tans = set()
            self.burst = {}
            self.coolify_in_flight = 0
            self.meta = {"next_id": 1, "next_record_id": 2153811200, "next_roid": 980000, "next_contact": 4711}
            self.servers, self.projects, self.apps, self.deployments = [], [], [], []
            self.zones, self.domains, self.contacts = [], [], []
            self.failed_transfers = {}
            self.taken_domains, self.auth_codes = [], {}
            self.no_auth_code_tlds = []
            self.premium_domains = {}
            self.api_enabled = not self.opts.coolify_api_disabled
            self.allowed_ips = []
            self.app_health, self.https_sites = {}, {}
            if self.seed_data:
                self.load(self.seed_data)
            else:
                self.servers.append(self.make_server({"name": "sim-server-1", "ip": "203.0.113.10"}))
            if not self.contacts:
                self.contacts.append(self.make_contact({"name": "Sim Registrant", "email": "sim@example.org"}))
            self.dirty = True

    def next_id(self):
        n = self.meta["next_id"]
        self.meta["next_id"] = n + 1
        return n

    def uuid(self):
        return "".join(self.rng.choice(ALNUM) for _ in range(24))

    def load(self, data):
        """Load a state dump / seed (same shape as GET /_sim/state)."""
        c = data.get("coolify", {})
        i = data.get("inwx", {})
        self.meta.update(data.get("meta", {}))
        if "servers" in c:
            self.servers = [self.make_server(s) for s in c["servers"]]
        self.projects = [self.make_project(p) for p in c.get("projects", [])]
        self.apps = []
        for a in c.get("applications", []):
            a = dict(a)
            a.setdefault("id", self.next_id())
            a.setdefault("uuid", self.uuid())
            a.setdefault("status", "exited:unhealthy")
            a.setdefault("envs", [])
            a.setdefault("tags", [])
            a.setdefault("name", "app-%d" % a["id"])
            for k in ("fqdn", "project_uuid", "environment_uuid", "server_uuid", "git_commit_sha"):
                a.setdefault(k, None)
            self.apps.append(a)
        self.deployments = [dict(d) for d in c.get("deployments", [])]
        self.zones = [self.make_zone(z) for z in i.get("zones", [])]
        self.domains = [self.make_domain(d) for d in i.get("domains", [])]
        if i.get("contacts"):
            self.contacts = [self.make_contact(x) for x in i["contacts"]]
        self.taken_domains = list(i.get("taken_domains", data.get("taken_domains", [])))
        self.auth_codes = dict(i.get("auth_codes", data.get("auth_codes", {})))
        # TLDs whose transfers need no auth code (domain.getRules says "NO")
        self.no_auth_code_tlds = list(i.get("no_auth_code_tlds", []))
        # premium names: {"domain": {"create": EUR, "renew": EUR, "transfer": EUR}}
        self.premium_domains = dict(i.get("premium_domains", {}))
        self.failed_transfers = dict(i.get("failed_transfers", {}))

    def dump(self):
        with self.lock:
            self.settle()
            return {
                "coolify": {"servers": self.servers, "projects": self.projects,
                            "applications": self.apps, "deployments": self.deployments},
                "inwx": {"zones": self.zones, "domains": self.domains, "contacts": self.contacts,
                         "taken_domains": self.taken_domains, "auth_codes": self.auth_codes,
                         "failed_transfers": self.failed_transfers,
                         "premium_domains": self.premium_domains},
                "meta": self.meta,
                **({"dns": self.dns.meta()} if getattr(self, "dns", None) else {}),
            }

    def save(self):
        path = self.opts.state_file
        if not path:
            return
        with self.lock:
            if not self.dirty:
                return
            data = json.dumps(self.dump())
            self.dirty = False
        tmp = path + ".tmp.%d" % os.getpid()
        with open(tmp, "w") as f:
            f.write(data)
        os.replace(tmp, path)

    # ---- constructors (fill defaults)
    def make_server(self, s):
        s = copy.deepcopy(s)
        s.setdefault("id", self.next_id())
        s.setdefault("uuid", self.uuid())
        s.setdefault("name", "server-%d" % s["id"])
        s.setdefault("description", None)
        s.setdefault("ip", "203.0.113.%d" % (10 + s["id"] % 200))
        s.setdefault("user", "root")
        s.setdefault("port", 22)
        st = s.setdefault("settings", {})
        for k in ("is_reachable", "is_usable"):
            v = s.get(k, st.get(k, True))
            s[k] = st[k] = v
        st.setdefault("wildcard_domain", None)
        st.setdefault("concurrent_builds", 2)
        st.setdefault("deployment_queue_limit", 25)
        st.setdefault("is_build_server", False)
        st.setdefault("dynamic_timeout", 3600)
        s.setdefault("proxy", {"type": "traefik", "status": "running"})
        dests = s.get("destinations")
        if dests is None or isinstance(dests, int):
            dests = [{} for _ in range(dests or 1)]
        out = []
        for n, d in enumerate(dests):
            d = dict(d)
            d.setdefault("id", self.next_id())
            d.setdefault("uuid", self.uuid())
            d.setdefault("name", "coolify" if n == 0 else "network-%d" % n)
            d.setdefault("network", d["name"])
            d.setdefault("type", "standalone")
            out.append(d)
        s["destinations"] = out
        return s

    def make_env(self, project_id, name, e=None):
        e = dict(e or {})
        t = time.time()
        e.setdefault("id", self.next_id())
        e.setdefault("uuid", self.uuid())
        e.setdefault("name", name)
        e.setdefault("description", None)
        e["project_id"] = project_id
        e.setdefault("created_at", iso(t))
        e.setdefault("updated_at", iso(t))
        return e

    def make_project(self, p):
        p = copy.deepcopy(p)
        p.setdefault("id", self.next_id())
        p.setdefault("uuid", self.uuid())
        p.setdefault("description", None)
        envs = p.get("environments") or [{"name": "production"}]
        p["environments"] = [self.make_env(p["id"], e.get("name", "production"), e) for e in envs]
        return p

    def make_zone(self, z):
        z = copy.deepcopy(z)
        z["domain"] = z["domain"].lower().rstrip(".")
        z.setdefault("roId", self.next_roid())
        z.setdefault("type", "MASTER")
        z.setdefault("masterIp", None)
        z.setdefault("ns", list(DEFAULT_NS))
        recs = []
        for r in z.get("records", []):
            r = dict(r)
            r["name"] = norm_name(r.get("name"), z["domain"])
            r["id"] = str(r["id"]) if "id" in r else self.next_record_id()
            r.setdefault("ttl", 3600)
            r.setdefault("prio", 0)
            recs.append(r)
        types = {r["type"] for r in recs}
        if "SOA" not in types:
            recs.insert(0, {"id": self.next_record_id(), "name": z["domain"], "type": "SOA",
                            "content": "%s hostmaster.inwx.de %s 10800 3600 604800 3600" % (
                                z["ns"][0], time.strftime("%Y%m%d01", time.gmtime())),
                            "ttl": 86400, "prio": 0})
        if "NS" not in types:
            for n, ns in enumerate(z["ns"]):
                recs.insert(1 + n, {"id": self.next_record_id(), "name": z["domain"], "type": "NS",
                                    "content": ns, "ttl": 86400, "prio": 0})
        z["records"] = recs
        return z

    def make_domain(self, d):
        d = copy.deepcopy(d)
        t = time.time()
        d["domain"] = d["domain"].lower().rstrip(".")
        d.setdefault("roId", self.next_roid())
        d.setdefault("domainAce", d["domain"])
        d.setdefault("period", "1Y")
        d.setdefault("status", "OK")
        d.setdefault("crDate", inwx_date(t))
        d.setdefault("exDate", inwx_date(t + 365 * 86400))
        d.setdefault("upDate", inwx_date(t))
        d.setdefault("reDate", inwx_date(t + 365 * 86400))
        d.setdefault("transferLock", True)
        d.setdefault("authCode", "".join(self.rng.choice(ALNUM) for _ in range(12)))
        d.setdefault("renewalMode", "AUTORENEW")
        d.setdefault("transferMode", "DEFAULT")
        d.setdefault("registrant", self.contacts[0]["id"] if self.contacts else 4711)
        for k in ("admin", "tech", "billing"):
            d.setdefault(k, d["registrant"])
        d.setdefault("ns", list(DEFAULT_NS))
        d.setdefault("noDelegation", False)
        d.setdefault("sim_polls_left", 0)
        return d

    def make_contact(self, c):
        c = dict(c)
        if "id" not in c:
            c["id"] = self.meta["next_contact"]
            self.meta["next_contact"] += 1
        c.setdefault("roId", c["id"])
        for k, v in (("type", "PERSON"), ("org", ""), ("street", "Main St 1"), ("city", "Berlin"),
                     ("pc", "10115"), ("sp", ""), ("cc", "DE"), ("voice", "+49.301234567"),
                     ("email", "sim@example.org"), ("name", "Sim Contact")):
            c.setdefault(k, v)
        return c

    def next_record_id(self):
        n = self.meta["next_record_id"]
        self.meta["next_record_id"] = n + 1
        return str(n)

    def next_roid(self):
        n = self.meta["next_roid"]
        self.meta["next_roid"] = n + 1
        return n

    # ---- lookups
    def server(self, uuid):
        return next((s for s in self.servers if s["uuid"] == uuid), None)

    def project(self, uuid):
        return next((p for p in self.projects if p["uuid"] == uuid), None)

    def app(self, uuid):
        return next((a for a in self.apps if a["uuid"] == uuid), None)

    def app_by(self, op):
        for a in self.apps:
            if ("uuid" in op and a["uuid"] == op["uuid"]) or ("name" in op and a["name"] == op["name"]):
                return a
        return None

    def env_of(self, project, name_or_uuid):
        for e in project["environments"]:
            if e["name"] == name_or_uuid:
                return e
        for e in project["environments"]:
            if e["uuid"] == name_or_uuid:
                return e
        return None

    def zone(self, name=None, roid=None):
        for z in self.zones:
            if name is not None and z["domain"] == str(name).lower().rstrip("."):
                return z
            if roid is not None and str(z["roId"]) == str(roid):
                return z
        return None

    def record(self, rid):
        rid = str(rid)
        for z in self.zones:
            for r in z["records"]:
                if r["id"] == rid:
                    return z, r
        return None, None

    def domain(self, name=None, roid=None):
        for d in self.domains:
            if name is not None and d["domain"] == str(name).lower().rstrip("."):
                return d
            if roid is not None and str(d["roId"]) == str(roid):
                return d
        return None

    # ---- queued app deletions (DeleteResourceJob), lazy like deployments
    def reap_deleted(self, now=None):
        now = time.time() if now is None else now
        gone = [a for a in self.apps
                if a.get("sim_deleting_at") is not None and now - a["sim_deleting_at"] >= self.opts.delete_time]
        for a in gone:
            self.apps.remove(a)
            self.dirty = True

    # ---- deployments (lazy progression)
    def settle(self):
        """Coolify's build queue, replayed up to now: a queued deployment starts (no sooner
        than a third of --deploy-time after its creation) once its server runs fewer than
        settings.concurrent_builds (default 2) builds and its app none (next_queuable); it
        runs for the other two thirds. Events are taken in time order."""
        now = time.time()
        self.reap_deleted(now)
        dt = self.opts.deploy_time
        clock = 0.0
        while True:
            active = [d for d in self.deployments if d["status"] in ("queued", "in_progress")]
            if not active:
                return
            running = [d for d in active if d["status"] == "in_progress"]
            ev, at = None, None
            for d in running:
                end = d.get("sim_started_at", d["sim_created_at"] + dt / 3) + dt * 2 / 3
                if at is None or end < at:
                    ev, at = d, end
            busy = {}
            for d in running:
                busy[d.get("sim_server_uuid")] = busy.get(d.get("sim_server_uuid"), 0) + 1
            apps = {d["application_uuid"] for d in running}
            for d in active:
                if d["status"] != "queued" or d["application_uuid"] in apps:
                    continue
                srv = self.server(d.get("sim_server_uuid")) or {"settings": {}}
                if busy.get(d.get("sim_server_uuid"), 0) >= max(1, srv["settings"].get("concurrent_builds", 2)):
                    continue
                start = max(d["sim_created_at"] + dt / 3, clock)
                if at is None or start < at:
                    ev, at = d, start
            if ev is None or at > now:
                return
            clock = at
            self.dirty = True
            if ev["status"] == "queued":
                ev["status"] = "in_progress"
                ev["sim_started_at"] = at
                ev["updated_at"] = iso(at)
                continue
            outcome = ev.get("sim_outcome", "finished")
            ev["status"] = outcome
            ev["finished_at"] = ev["updated_at"] = iso(at)
            app = self.app(ev["application_uuid"])
            if app is not None and app.get("sim_last_deployment") == ev["deployment_uuid"]:
                app["status"] = (self.app_health.get(app["name"], "running:healthy")
                                 if outcome == "finished" else "exited:unhealthy")

    def active_deployment(self, app):
        for d in self.deployments:
            if d["application_uuid"] == app["uuid"] and d["status"] in ("queued", "in_progress"):
                return d
        return None

    def server_active(self, server_uuid, statuses=("queued", "in_progress")):
        return sum(1 for d in self.deployments
                   if d["status"] in statuses and d.get("sim_server_uuid") == server_uuid)

    def new_deployment(self, app, force=False, restart_only=False):
        t = time.time()
        server = self.server(app["server_uuid"]) or {}
        p = self.project(app["project_uuid"]) or {}
        du = self.uuid()
        d = {"id": self.next_id(), "deployment_uuid": du, "application_id": str(app["id"]),
             "application_uuid": app["uuid"], "application_name": app["name"],
             "server_id": server.get("id"), "server_name": server.get("name"),
             "status": "queued", "commit": app.get("git_commit_sha") or "HEAD",
             "force_rebuild": bool(force), "restart_only": bool(restart_only), "is_api": True,
             "is_webhook": False, "pull_request_id": 0,
             "deployment_url": "/project/%s/environment/%s/application/%s/deployment/%s" % (
                 p.get("uuid"), app["environment_uuid"], app["uuid"], du),
             "created_at": iso(t), "updated_at": iso(t), "finished_at": None,
             "logs": json.dumps([{"output": "sim deployment", "type": "stdout"}]),
             "sim_created_at": t, "sim_server_uuid": app["server_uuid"]}
        if self.fault_hits("deploy_failed", app["name"]) or not (server.get("is_reachable") and server.get("is_usable")):
            d["sim_outcome"] = "failed"
        if health_never_ok(self, app):
            d["sim_outcome"] = "failed"
        self.deployments.append(d)
        app["sim_last_deployment"] = du
        app["status"] = "running:unknown"
        self.settle()
        return d

    # ---- faults
    def fault_hits(self, kind, name):
        for r in self.rules:
            if r["kind"] != kind:
                continue
            if r.get("name") is not None and r["name"] != name:
                continue
            if self.rule_fires(r):
                return True
        return False

    def rule_fires(self, r):
        if "remaining" in r:
            if r["remaining"] <= 0:
                return False
        if "rate" in r and self.fault_rng.random() >= float(r["rate"]):
            return False
        if "remaining" in r:
            r["remaining"] -= 1
        return True

    def pick_faults(self, service, key, names):
        """Return (latency seconds, failure rule or None) for one request."""
        delay, fail = 0.0, None
        with self.lock:
            for r in self.rules:
                m = r.get("match", "*")
                if ":" in m and m.split(":", 1)[0] in ("coolify", "inwx"):
                    svc, m = m.split(":", 1)
                    if svc != service:
                        continue
                k = key.lower() if service == "inwx" else key
                if service == "inwx":
                    m = m.lower()
                if not (m == "*" or m == k or fnmatch.fnmatchcase(k, m)):
                    continue
                if r.get("name") is not None and r["name"] not in names:
                    continue
                if r["kind"] == "deploy_failed":
                    continue
                if r["kind"] == "latency":
                    if self.rule_fires(r):
                        j = float(r.get("jitter", 0) or 0)
                        delay += (float(r.get("ms", 0) or 0) + (self.fault_rng.uniform(-j, j) if j else 0)) / 1000.0
                    continue
                if fail is None and self.rule_fires(r):
                    fail = r
            # the fault statistics (GET /_sim/faults/stats): what was injected, by kind
            st = self.fault_stats.setdefault(service, {})
            if fail is not None:
                fk = fail["kind"] + ("+apply" if fail.get("apply", fail["kind"] == "malformed") else "")
                st[fk] = st.get(fk, 0) + 1
            if delay > 0:
                st["latency"] = st.get("latency", 0) + 1
        return max(delay, 0.0), fail


FAULT_KINDS = {"latency", "http500", "http502", "http503", "http", "http429", "inwx2400", "inwx2500",
               "timeout", "drop", "malformed", "html", "huge", "deploy_failed"}


def parse_rules(obj):
    """Validate fault JSON: a rule, a list of rules or {"rules":[...]}. Raises ValueError."""
    if isinstance(obj, dict) and "rules" in obj:
        obj = obj["rules"]
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        raise ValueError("rules must be a list")
    out = []
    for r in obj:
        if not isinstance(r, dict):
            raise ValueError("a rule must be an object")
        r = dict(r)
        if r.get("kind") not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % (r.get("kind"),))
        r.setdefault("match", "*")
        if not isinstance(r["match"], str):
            raise ValueError("match must be a string")
        if "count" in r:
            r["remaining"] = int(r["count"])
        if "rate" in r:
            float(r["rate"])
        out.append(r)
    return out


# ---------------------------------------------------------------- name helpers (INWX)

def norm_name(name, zone):
    """Record name as stored/returned: FQDN without trailing dot, apex = zone."""
    if name is None:
        return zone
    name = str(name).strip().lower()
    if name in ("", "@", zone, zone + "."):
        return zone
    if name.endswith("."):
        return name.rstrip(".")
    if name.endswith("." + zone):
        return name
    if name.endswith(".@"):
        name = name[:-2]
    return name + "." + zone


def str_param(p, key, required=False):
    v = p.get(key)
    if v is None:
        if required:
            raise InwxError(2003, "Parameter %s is missing" % key)
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int, float)):
        raise InwxError(2005, "Parameter %s has an invalid type" % key)
    return str(v)


def int_param(p, key, default=None):
    v = p.get(key)
    if v is None:
        return default
    if isinstance(v, bool):
        raise InwxError(2005, "Parameter %s must be an integer" % key)
    try:
        return int(v)
    except (TypeError, ValueError):
        raise InwxError(2005, "Parameter %s must be an integer" % key)


def check_content(rtype, content):
    if rtype == "A":
        try:
            ipaddress.IPv4Address(content)
        except ValueError:
            raise InwxError(2005, "Invalid IPv4 address", "INVALID_CONTENT")
    elif rtype == "AAAA":
        try:
            ipaddress.IPv6Address(content)
        except ValueError:
            raise InwxError(2005, "Invalid IPv6 address", "INVALID_CONTENT")
    elif rtype == "TXT" and (content == "" or content != content.rstrip(" ")):
        raise InwxError(2005, "Invalid TXT content", "INVALID_CONTENT")
    if rtype in DOT_TYPES:
        content = content.rstrip(".")
    return content


# ---------------------------------------------------------------- Coolify API

def app_view(sim, a, sensitive):
    out = {k: v for k, v in a.items() if k not in SIM_APP_KEYS and not k.startswith("sim_")}
    if not sensitive:
        for k in SENSITIVE_APP_KEYS:
            out.pop(k, None)
    return out


# Laravel's TrimStrings then ConvertEmptyStringsToNull (app/Http/Kernel.php, global middleware):
# every request string trimmed (Str::trim: \s under /u plus U+FEFF, U+200B, U+200E), then "" -> None;
# nested arrays too; TrimStrings skips the password fields
TRIM_RE = re.compile("^[\\s\ufeff\u200b\u200e]+|[\\s\ufeff\u200b\u200e]+$")
NEVER_TRIM = ("current_password", "password", "password_confirmation")


def laravel_input(v, key=None):
    if isinstance(v, dict):
        return {k: laravel_input(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [laravel_input(x) for x in v]
    if isinstance(v, str):
        if key not in NEVER_TRIM:
            v = TRIM_RE.sub("", v)
        return None if v == "" else v
    return v


def env_view(e, sensitive):
    out = dict(e)
    for k in ("value", "real_value"):   # EnvironmentVariable's value accessor: trim() on read
        if isinstance(out.get(k), str):
            out[k] = out[k].strip(" \t\n\r\0\x0b")
    if not sensitive or e.get("is_shown_once"):
        out.pop("value", None)
        out.pop("real_value", None)
    return out


def check_types(body, strings=(), bools=()):
    errors = {}
    for k in strings:
        if k in body and body[k] is not None and not isinstance(body[k], str):
            errors[k] = ["The %s field must be a string." % human(k)]
    for k in bools:
        if k in body and body[k] is not None and not isinstance(body[k], bool):
            errors[k] = ["The %s field must be true or false." % human(k)]
    return errors


def parse_domains(value):
    """Validate a comma-separated list of full http(s) URLs; returns normalised string."""
    out = []
    for d in value.split(","):
        d = d.strip()
        if not d:
            continue
        u = urllib.parse.urlsplit(d)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ApiError(422, {"message": "Validation failed.", "errors": ["Invalid URL: %s" % d]})
        host = u.netloc.lower()
        out.append("%s://%s%s" % (u.scheme, host, u.path if u.path not in ("", "/") else ""))
    return ",".join(out)


def domain_conflicts(sim, fqdn, server, own_uuid=None):
    if not fqdn or (server.get("proxy") or {}).get("type", "traefik") in ("none", None):
        return None
    conflicts = []
    for d in fqdn.split(","):
        for a in sim.apps:
            if a["uuid"] == own_uuid or not a.get("fqdn"):
                continue
            if d in a["fqdn"].split(","):
                conflicts.append({"domain": d, "resource_name": a["name"], "resource_uuid": a["uuid"],
                                  "resource_type": "application",
                                  "message": "Domain %s is already in use by application '%s'" % (d, a["name"])})
    if not conflicts:
        return None
    return ApiError(409, {"message": "Domain conflicts detected. Use force_domain_override=true to proceed.",
                          "conflicts": conflicts,
                          "warning": "Using the same domain for multiple resources can cause routing conflicts and unpredictable behavior."})


class Coolify:
    """Coolify route handlers: each takes (sim, req) and returns (status, body[, headers])."""

    def __init__(self, sim):
        self.sim = sim
        R = []

        def route(method, path, fn, strict=False, required=(), allowed=None):
            rx = "^" + re.sub(r"\\\{[a-z_]+\\\}", "([^/]+)", re.escape(path)) + "$"
            # Coolify's routes/api.php: api.ability:read on GETs, deploy on the action
            # routes, write on every other change; /health has no auth at all
            if path == "/health":
                ability = None
            elif method == "GET":
                ability = "read"
            elif path == "/deploy" or re.search(r"/(start|stop|restart|cancel)$", path):
                ability = "deploy"
            else:
                ability = "write"
            R.append({"method": method, "path": path, "rx": re.compile(rx), "fn": fn, "strict": strict,
                      "required": list(required), "allowed": sorted(allowed) if allowed else None,
                      "ability": ability})

        route("GET", "/health", self.health)
        route("GET", "/version", self.version)
        route("GET", "/team", self.team)
        route("GET", "/servers", self.servers)
        route("GET", "/servers/{uuid}", self.server_get)
        route("GET", "/servers/{uuid}/resources", self.server_resources)
        route("GET", "/servers/{uuid}/domains", self.server_domains)
        route("POST", "/servers/{uuid}/validate", self.server_validate)
        route("GET", "/servers/{server_uuid}/destinations", self.server_destinations)
        route("GET", "/destinations", self.destinations)
        route("GET", "/projects", self.projects)
        route("POST", "/projects", self.project_create, strict=True, required=["name"],
              allowed={"name", "description"})
        route("GET", "/projects/{uuid}", self.project_get)
        route("PATCH", "/projects/{uuid}", self.project_patch, strict=True, allowed={"name", "description"})
        route("DELETE", "/projects/{uuid}", self.project_delete)
        route("GET", "/projects/{uuid}/environments", self.environments)
        route("POST", "/projects/{uuid}/environments", self.environment_create, strict=True,
              required=["name"], allowed={"name"})
        route("PATCH", "/projects/{uuid}/environments/{environment_name_or_uuid}", self.environment_patch,
              strict=True, allowed={"name", "description"})
        route("DELETE", "/projects/{uuid}/environments/{environment_name_or_uuid}", self.environment_delete)
        route("GET", "/projects/{uuid}/{environment_name_or_uuid}", self.environment_get)
        route("GET", "/applications", self.applications)
        route("POST", "/applications/dockerimage", self.app_create_dockerimage, strict=True,
              required=["project_uuid", "server_uuid", "environment_name|environment_uuid",
                        "docker_registry_image_name"], allowed=DOCKERIMAGE_ALLOWED)
        route("POST", "/applications/public", self.app_create_public, strict=True,
              required=["project_uuid", "server_uuid", "environment_name|environment_uuid",
                        "git_repository", "git_branch", "build_pack"], allowed=PUBLIC_ALLOWED)
        route("GET", "/applications/{uuid}", self.app_get)
        route("PATCH", "/applications/{uuid}", self.app_patch, strict=True, allowed=PATCH_ALLOWED)
        route("DELETE", "/applications/{uuid}", self.app_delete)
        route("POST", "/applications/{uuid}/start", self.app_start)
        route("POST", "/applications/{uuid}/stop", self.app_stop)
        route("POST", "/applications/{uuid}/restart", self.app_restart)
        route("GET", "/applications/{uuid}/envs", self.envs)
        route("POST", "/applications/{uuid}/envs", self.env_create, strict=True, required=["key"],
              allowed=ENV_ALLOWED)
        route("PATCH", "/applications/{uuid}/envs/bulk", self.env_bulk, strict=True, required=["data"])
        route("PATCH", "/applications/{uuid}/envs", self.env_patch, strict=True, required=["key"],
              allowed=ENV_ALLOWED)
        route("DELETE", "/applications/{uuid}/envs/{env_uuid}", self.env_delete)
        route("POST", "/deploy", self.deploy)
        route("GET", "/deployments", self.deployments)
        route("GET", "/deployments/applications/{uuid}", self.app_deployments)
        route("GET", "/deployments/{uuid}", self.deployment_get)
        route("POST", "/deployments/{uuid}/cancel", self.deployment_cancel)
        self.routes = R
        self.action_paths = [re.compile(r"^/applications/[^/]+/(start|stop|restart)$"), re.compile(r"^/deploy$")]

    def match(self, method, path):
        """→ (route, params) | (None, allowed_methods)."""
        allowed = []
        for r in self.routes:
            m = r["rx"].match(path)
            if not m:
                continue
            if r["method"] == method:
                return r, m.groups()
            allowed.append(r["method"])
        return None, allowed

    # ---- helpers
    def need_app(self, uuid, msg="Application not found."):
        a = self.sim.app(uuid)
        if a is None:
            raise ApiError(404, {"message": msg})
        return a

    def need_project(self, uuid):
        p = self.sim.project(uuid)
        if p is None:
            raise ApiError(404, {"message": "Project not found."})
        return p

    def need_server(self, uuid):
        s = self.sim.server(uuid)
        if s is None:
            raise ApiError(404, {"message": "Server not found."})
        return s

    @staticmethod
    def strict_fields(body, allowed, required):
        errors = {}
        for k in required:
            alts = k.split("|")
            if not any(body.get(a) not in (None, "") for a in alts):
                for a in alts:
                    others = [human(o) for o in alts if o != a]
                    errors[a] = ["The %s field is required%s." % (
                        human(a), " when %s is not present" % " / ".join(others) if others else "")]
        if allowed is not None:
            for k in body:
                if k not in allowed:
                    errors[k] = ["This field is not allowed."]
        return errors

    # ---- meta
    def health(self, req):
        return 200, "OK"

    def version(self, req):
        return 200, VERSION

    def team(self, req):
        return 200, {"id": 0, "name": "Root Team", "description": "The sim team", "personal_team": False,
                     "created_at": iso(0), "updated_at": iso(0), "show_boarding": False,
                     "custom_server_limit": None, "members": []}

    # ---- servers
    def server_list_view(self, s):
        return {k: s[k] for k in ("id", "uuid", "name", "description", "ip", "user", "port",
                                  "is_reachable", "is_usable", "settings")}

    def servers(self, req):
        return 200, [self.server_list_view(s) for s in self.sim.servers]

    def server_get(self, req):
        s = self.need_server(req.params[0])
        out = self.server_list_view(s)
        out["proxy"] = s.get("proxy")
        return 200, out

    def server_resources(self, req):
        s = self.need_server(req.params[0])
        return 200, [{"id": a["id"], "uuid": a["uuid"], "name": a["name"], "type": "application",
                      "created_at": a.get("created_at"), "updated_at": a.get("updated_at"),
                      "status": a["status"]} for a in self.sim.apps if a["server_uuid"] == s["uuid"]]

    def server_domains(self, req):
        s = self.need_server(req.params[0])
        q = req.query.get("uuid")
        if q:
            a = self.sim.app(q)
            return 200, [d for d in (a.get("fqdn") or "").split(",") if d] if a else []
        hosts = []
        for a in self.sim.apps:
            if a["server_uuid"] == s["uuid"]:
                for d in (a.get("fqdn") or "").split(","):
                    if d:
                        hosts.append(urllib.parse.urlsplit(d).hostname)
        return 200, [{"ip": s["ip"], "domains": hosts}]

    def server_validate(self, req):
        self.need_server(req.params[0])
        return 201, {"message": "Validation started."}

    def dest_view(self, s, d):
        return {"uuid": d["uuid"], "name": d["name"], "network": d["network"], "type": d["type"],
                "server_uuid": s["uuid"], "created_at": iso(0), "updated_at": iso(0)}

    def server_destinations(self, req):
        s = self.need_server(req.params[0])
        return 200, [self.dest_view(s, d) for d in s["destinations"]]

    def destinations(self, req):
        return 200, [self.dest_view(s, d) for s in self.sim.servers for d in s["destinations"]]

    # ---- projects
    def projects(self, req):
        return 200, [{"id": p["id"], "uuid": p["uuid"], "name": p["name"], "description": p["description"]}
                     for p in self.sim.projects]

    def check_fields(self, req):
        """Unknown/missing fields and string types (projects, environments) -> 422."""
        errs = self.strict_fields(req.body, req.route["allowed"], req.route["required"])
        errs.update({k: v for k, v in check_types(req.body, strings=("name", "description")).items() if k not in errs})
        if errs:
            raise validation(errs)

    def check_project_name(self, body, required):
        errs = {}
        if "name" in body and "name" not in errs:
            if body["name"] is None or not PROJECT_NAME_RE.match(body["name"]):
                errs["name"] = ["The name field format is invalid." if body["name"] else "The name field is required."]
        if errs:
            raise validation(errs)

    def project_create(self, req):
        self.check_fields(req)
        self.check_project_name(req.body, True)
        p = self.sim.make_project({"name": req.body["name"], "description": req.body.get("description")})
        self.sim.projects.append(p)
        return 201, {"uuid": p["uuid"]}

    def project_get(self, req):
        return 200, self.need_project(req.params[0])

    def project_patch(self, req):
        p = self.need_project(req.params[0])
        self.check_fields(req)
        self.check_project_name(req.body, False)
        for k in ("name", "description"):
            if k in req.body:
                p[k] = req.body[k]
        return 201, {"uuid": p["uuid"], "name": p["name"], "description": p["description"]}

    def project_delete(self, req):
        p = self.need_project(req.params[0])
        if any(a["project_uuid"] == p["uuid"] for a in self.sim.apps):
            raise ApiError(400, {"message": "Project has resources, so it cannot be deleted."})
        self.sim.projects.remove(p)
        return 200, {"message": "Project deleted."}

    def environments(self, req):
        p = self.need_project(req.params[0])
        return 200, [{"id": e["id"], "uuid": e["uuid"], "name": e["name"]} for e in p["environments"]]

    def environment_create(self, req):
        p = self.need_project(req.params[0])
        self.check_fields(req)
        if any(e["name"] == req.body["name"] for e in p["environments"]):
            raise ApiError(409, {"message": "Environment with this name already exists."})
        e = self.sim.make_env(p["id"], req.body["name"])
        p["environments"].append(e)
        return 201, {"uuid": e["uuid"]}

    def need_env(self, p, name):
        e = self.sim.env_of(p, name)
        if e is None:
            raise ApiError(404, {"message": "Environment not found."})
        return e

    def environment_get(self, req):
        p = self.need_project(req.params[0])
        e = self.need_env(p, req.params[1])
        out = dict(e)
        out["applications"] = [app_view(self.sim, a, req.sensitive) for a in self.sim.apps
                               if a["environment_uuid"] == e["uuid"]]
        for k in ("services", "postgresqls", "redis", "mongodbs", "mysqls", "mariadbs", "keydbs",
                  "dragonflies", "clickhouses"):
            out[k] = []
        return 200, out

    def environment_patch(self, req):
        p = self.need_project(req.params[0])
        e = self.need_env(p, req.params[1])
        self.check_fields(req)
        if "name" in req.body and any(x["name"] == req.body["name"] and x is not e for x in p["environments"]):
            raise ApiError(409, {"message": "Environment with this name already exists."})
        for k in ("name", "description"):
            if k in req.body:
                e[k] = req.body[k]
        return 200, {"uuid": e["uuid"], "name": e["name"], "description": e["description"]}

    def environment_delete(self, req):
        p = self.need_project(req.params[0])
        e = self.need_env(p, req.params[1])
        if any(a["environment_uuid"] == e["uuid"] for a in self.sim.apps):
            raise ApiError(400, {"message": "Environment has resources, so it cannot be deleted."})
        p["environments"].remove(e)
        return 200, {"message": "Environment deleted."}

    # ---- applications
    def applications(self, req):
        tag = req.query.get("tag")
        return 200, [app_view(self.sim, a, req.sensitive) for a in self.sim.apps
                     if tag is None or tag in a.get("tags", [])]

    def app_get(self, req):
        return 200, app_view(self.sim, self.need_app(req.params[0]), req.sensitive)

    def app_create_dockerimage(self, req):
        return self.app_create(req, "dockerimage")

    def app_create_public(self, req):
        return self.app_create(req, req.body.get("build_pack"))

    def app_create(self, req, build_pack):
        b = req.body
        errs = self.strict_fields(b, req.route["allowed"], req.route["required"])
        errs.update({k: v for k, v in check_types(b, APP_STRINGS, APP_BOOLS).items() if k not in errs})
        if b.get("ports_exposes") and isinstance(b["ports_exposes"], str) and not PORTS_RE.match(b["ports_exposes"]):
            errs["ports_exposes"] = ["The ports exposes field format is invalid."]
        if isinstance(b.get("name"), str) and len(b["name"]) > 255:
            errs["name"] = ["The name field must not be greater than 255 characters."]
        if "tags" in b and not (isinstance(b["tags"], list) and all(isinstance(t, str) and len(t) >= 2 for t in b["tags"])):
            errs["tags"] = ["The tags field must be an array of strings of at least 2 characters."]
        if build_pack == "dockerimage" and isinstance(b.get("docker_registry_image_name"), str) \
                and not errs.get("docker_registry_image_name") and not IMAGE_RE.match(b["docker_registry_image_name"]):
            errs["docker_registry_image_name"] = ["The docker registry image name format is invalid."]
        if build_pack != "dockerimage" and b.get("build_pack") not in (None, "nixpacks", "railpack", "static", "dockerfile", "dockercompose"):
            errs["build_pack"] = ["The selected build pack is invalid."]
        health_path_errors(b, errs)
        if errs:
            raise validation(errs)
        p = self.need_project(b["project_uuid"])
        s = self.need_server(b["server_uuid"])
        e = None
        if b.get("environment_name"):
            e = self.sim.env_of(p, b["environment_name"])
        if e is None and b.get("environment_uuid"):
            e = next((x for x in p["environments"] if x["uuid"] == b["environment_uuid"]), None)
        if e is None:
            raise ApiError(404, {"message": "Environment not found."})
        dests = s["destinations"]
        if b.get("destination_uuid"):
            dest = next((d for d in dests if d["uuid"] == b["destination_uuid"]), None)
            if dest is None:
                raise validation({"destination_uuid": ["Destination not found on this server."]})
        elif len(dests) > 1:
            raise ApiError(400, {"message": "Server has multiple destinations and you do not set destination_uuid."})
        elif not dests:
            raise ApiError(400, {"message": "Server has no destinations."})
        else:
            dest = dests[0]
        uuid = self.sim.uuid()
        fqdn = parse_domains(b["domains"]) if b.get("domains") else ""
        if fqdn and not b.get("force_domain_override"):
            c = domain_conflicts(self.sim, fqdn, s)
            if c:
                raise c
        if not fqdn:
            fqdn = "http://%s.%s.sslip.io" % (uuid, s["ip"]) if b.get("autogenerate_domain", True) else None
        t = time.time()
        image = b.get("docker_registry_image_name")
        a = {"id": self.sim.next_id(), "uuid": uuid,
             "name": b.get("name") or ("%s-%s" % ((image or "app").split("/")[-1], uuid[:8])),
             "description": b.get("description"), "fqdn": fqdn, "status": "exited:unhealthy",
             "build_pack": build_pack, "git_repository": b.get("git_repository"),
             "git_branch": b.get("git_branch"), "git_commit_sha": b.get("git_commit_sha", "HEAD"),
             "docker_registry_image_name": image,
             "docker_registry_image_tag": b.get("docker_registry_image_tag") or ("latest" if image else None),
             "ports_exposes": b.get("ports_exposes"), "ports_mappings": b.get("ports_mappings"),
             "environment_id": e["id"], "destination_id": dest["id"],
             "destination_type": "App\\Models\\StandaloneDocker",
             "settings": {"is_force_https_enabled": b.get("is_force_https_enabled", True),
                          "is_auto_deploy_enabled": True},
             "created_at": iso(t), "updated_at": iso(t),
             "project_uuid": p["uuid"], "environment_uuid": e["uuid"], "server_uuid": s["uuid"],
             "tags": list(b.get("tags") or []), "envs": []}
        if a["git_repository"] and a["git_repository"].startswith("https://github.com/"):
            a["git_repository"] = a["git_repository"][len("https://github.com/"):].rstrip("/")
        for k, v in b.items():
            if k not in a and k not in ("project_uuid", "server_uuid", "environment_name", "environment_uuid",
                                        "destination_uuid", "domains", "autogenerate_domain",
                                        "force_domain_override", "instant_deploy", "is_force_https_enabled"):
                a[k] = v
        a.setdefault("health_check_enabled", False)   # default off (migration 2024_07_19_132617)
        a.setdefault("health_check_path", "/")
        self.sim.apps.append(a)
        if b.get("instant_deploy"):
            self.sim.new_deployment(a)
        return 201, {"uuid": uuid, "domains": fqdn}

    def app_patch(self, req):
        a = self.need_app(req.params[0], "Application not found")
        b = req.body
        errs = self.strict_fields(b, req.route["allowed"], [])
        for k in b:
            if k in PATCH_FORBIDDEN or k in ("fqdn", "uuid"):
                errs[k] = ["This field is not allowed."]
        errs.update({k: v for k, v in check_types(b, APP_STRINGS, APP_BOOLS).items() if k not in errs})
        if isinstance(b.get("ports_exposes"), str) and not PORTS_RE.match(b["ports_exposes"]):
            errs["ports_exposes"] = ["The ports exposes field format is invalid."]
        img = b.get("docker_registry_image_name")
        if isinstance(img, str) and (not IMAGE_RE.match(img) or ":" in img.rsplit("/", 1)[-1]):
            errs["docker_registry_image_name"] = ["The docker registry image name format is invalid."]
        health_path_errors(b, errs)
        if errs:
            raise validation(errs)
        s = self.sim.server(a["server_uuid"]) or {}
        proxy_on = (s.get("proxy") or {}).get("type", "traefik") not in ("none", None)
        if b.get("domains") and proxy_on:   # "" is ignored, as in 4.3.11 (pitfall 4)
            fqdn = parse_domains(b["domains"])
            if not b.get("force_domain_override"):
                c = domain_conflicts(self.sim, fqdn, s, own_uuid=a["uuid"])
                if c:
                    raise c
            a["fqdn"] = fqdn
        for k, v in b.items():
            if k in ("domains", "force_domain_override", "instant_deploy"):
                continue
            if k == "is_force_https_enabled":
                a["settings"][k] = v
            a[k] = v
        a["updated_at"] = iso(time.time())
        if b.get("instant_deploy"):
            if self.sim.active_deployment(a):
                return 200, {"message": "Deployment already queued for this commit."}
            self.sim.new_deployment(a)
        return 200, {"uuid": a["uuid"]}

    def app_delete(self, req):
        a = self.need_app(req.params[0], "Application not found")
        for k in ("delete_configurations", "delete_volumes", "docker_cleanup", "delete_connected_networks"):
            v = req.query.get(k)
            if v is not None and v.lower() not in ("true", "false", "1", "0"):
                raise validation({k: ["The %s field must be true or false." % human(k)]})
        # the controller only dispatches DeleteResourceJob; the app goes when the job has run
        self.sim.meta.setdefault("app_deletions", []).append(
            {"uuid": a["uuid"], "name": a.get("name"), "query": dict(req.query)})
        if a.get("sim_deleting_at") is None:
            a["sim_deleting_at"] = time.time()
        self.sim.reap_deleted()
        return 200, {"message": "Application deletion request queued."}

    def app_start(self, req):
        a = self.need_app(req.params[0])
        if self.sim.active_deployment(a) and req.query.get("force") != "true":
            return 200, {"message": "Deployment already queued for this commit."}
        d = self.sim.new_deployment(a, force=req.query.get("force") == "true")
        # the start only queues a deployment: the app is not running until it has run
        # (then settle() sets running:healthy, or exited:unhealthy when it failed)
        if d["status"] in ("queued", "in_progress"):
            a["status"] = "starting"
        return 200, {"message": "Deployment request queued.", "deployment_uuid": d["deployment_uuid"]}

    def app_restart(self, req):
        a = self.need_app(req.params[0])
        if self.sim.active_deployment(a):
            return 200, {"message": "Deployment already queued for this commit."}
        d = self.sim.new_deployment(a, restart_only=True)
        return 200, {"message": "Restart request queued.", "deployment_uuid": d["deployment_uuid"]}

    def app_stop(self, req):
        a = self.need_app(req.params[0])
        a["status"] = "exited:unhealthy"
        a["sim_last_deployment"] = None
        return 200, {"message": "Application stopping request queued."}

    # ---- envs
    def envs(self, req):
        a = self.need_app(req.params[0])
        rows = [e for e in a["envs"] if not e["is_preview"]] + [e for e in a["envs"] if e["is_preview"]]
        return 200, [env_view(e, req.sensitive) for e in rows]

    def env_errors(self, item, allowed):
        errs = self.strict_fields(item, allowed, ["key"])
        errs.update({k: v for k, v in check_types(item, ("key", "value", "comment"), ENV_BOOLS).items() if k not in errs})
        if isinstance(item.get("key"), str) and "key" not in errs and (len(item["key"]) > 255 or not KEY_RE.match(item["key"])):
            errs["key"] = ["The key field format is invalid."]
        if isinstance(item.get("comment"), str) and len(item["comment"]) > 256:
            errs["comment"] = ["The comment field must not be greater than 256 characters."]
        return errs

    def new_env(self, a, item, preview):
        t = time.time()
        e = {"id": self.sim.next_id(), "uuid": self.sim.uuid(), "key": item["key"],
             "value": item.get("value"), "real_value": item.get("value"), "is_preview": preview,
             "is_literal": bool(item.get("is_literal", False)), "is_multiline": bool(item.get("is_multiline", False)),
             "is_shown_once": bool(item.get("is_shown_once", False)),
             "is_runtime": bool(item.get("is_runtime", True)), "is_buildtime": bool(item.get("is_buildtime", True)),
             "is_shared": False, "comment": item.get("comment"), "version": VERSION,
             "resourceable_type": "App\\Models\\Application", "resourceable_id": a["id"],
             "created_at": iso(t), "updated_at": iso(t)}
        a["envs"].append(e)
        return e

    def find_env(self, a, key, preview):
        return next((e for e in a["envs"] if e["key"] == key and e["is_preview"] == preview), None)

    def update_env(self, e, item):
        for k in ("value", "comment") + ENV_BOOLS:
            if k in item and k != "is_preview":
                e[k] = item[k]
        if "value" in item:
            e["real_value"] = item["value"]
        e["updated_at"] = iso(time.time())

    def env_create(self, req):
        a = self.need_app(req.params[0])
        errs = self.env_errors(req.body, ENV_ALLOWED)
        if errs:
            raise validation(errs)
        preview = bool(req.body.get("is_preview", False))
        if self.find_env(a, req.body["key"], preview):
            raise ApiError(409, {"message": "Environment variable already exists. Use PATCH request to update it."})
        e = self.new_env(a, req.body, preview)
        if not preview and not self.find_env(a, req.body["key"], True):
            self.new_env(a, req.body, True)
        return 201, {"uuid": e["uuid"]}

    def env_patch(self, req):
        a = self.need_app(req.params[0])
        errs = self.env_errors(req.body, ENV_ALLOWED)
        if errs:
            raise validation(errs)
        e = self.find_env(a, req.body["key"], bool(req.body.get("is_preview", False)))
        if e is None:
            raise ApiError(404, {"message": "Environment variable not found."})
        self.update_env(e, req.body)
        return 201, env_view(e, req.sensitive)

    def env_bulk(self, req):
        a = self.need_app(req.params[0])
        data = req.body.get("data")
        if data is None:
            raise ApiError(400, {"message": "Bulk data is required."})
        if not isinstance(data, list):
            raise validation({"data": ["The data field must be an array."]})
        out = []
        for item in data:
            if not isinstance(item, dict):
                raise validation({"data": ["Each item must be an object."]})
            item = {k: v for k, v in item.items() if k in ENV_ALLOWED}   # unknown fields dropped
            errs = self.env_errors(item, None)
            if errs:
                raise validation(errs)
            preview = bool(item.get("is_preview", False))
            e = self.find_env(a, item["key"], preview)
            if e:
                self.update_env(e, item)
            else:
                e = self.new_env(a, item, preview)
                if not preview and not self.find_env(a, item["key"], True):
                    self.new_env(a, item, True)
            out.append(env_view(e, req.sensitive))
        return 201, out

    def env_delete(self, req):
        a = self.need_app(req.params[0])
        e = next((x for x in a["envs"] if x["uuid"] == req.params[1]), None)
        if e is None:
            raise ApiError(404, {"message": "Environment variable not found."})
        a["envs"].remove(e)
        return 200, {"message": "Environment variable deleted."}

    # ---- deployments
    def deploy(self, req):
        p = dict(req.query)
        if isinstance(req.body, dict):
            p.update({k: v for k, v in req.body.items() if v is not None})
        uuids, tags = p.get("uuid"), p.get("tag")
        if uuids and tags:
            raise ApiError(400, {"message": "You can only use uuid or tag, not both."})
        if not uuids and not tags:
            raise ApiError(400, {"message": "You must provide uuid or tag."})
        force = str(p.get("force", "false")).lower() in ("true", "1")
        if uuids:
            # DeployController::by_uuids: array_filter(explode(',', uuid)); unknown uuids are
            # skipped silently. meta.deploy_batches records how many each call named.
            named = [u.strip() for u in str(uuids).split(",") if u.strip()]
            self.sim.meta.setdefault("deploy_batches", []).append(len(named))
            apps = [self.sim.app(u) for u in named]
            apps = [a for a in apps if a]
            # meta.deploy_calls: when each call came, the apps it named, the app a 429 refused
            call = {"at": time.time(), "names": [a["name"] for a in apps], "refused": None}
            self.sim.meta.setdefault("deploy_calls", []).append(call)
        else:
            want = set(str(tags).split(","))
            apps = [a for a in self.sim.apps if want & set(a.get("tags", []))]
        if not apps:
            raise ApiError(404, {"message": "No resources found."})
        out = []
        for a in apps:
            # queue_application_deployment: the queue check (queued rows on the server >=
            # settings.deployment_queue_limit) comes before the duplicate check; the apps of a
            # batch before the full one stay queued (Coolify does not say which)
            s = self.sim.server(a["server_uuid"]) or {"settings": {}}
            if self.sim.server_active(a["server_uuid"], ("queued",)) >= s["settings"].get("deployment_queue_limit", 25):
                self.sim.meta["deploy_queue_full"] = self.sim.meta.get("deploy_queue_full", 0) + 1
                if uuids:
                    call["refused"] = a["name"]
                raise ApiError(429, {"message": "Deployment queue is full. Please wait for existing deployments to complete."},
                               {"Retry-After": "%g" % self.sim.opts.deploy_retry_after})
            if not force and self.sim.active_deployment(a):
                out.append({"message": "Deployment already queued for this commit.", "resource_uuid": a["uuid"],
                            "deployment_uuid": self.sim.uuid()})
                continue
            d = self.sim.new_deployment(a, force=force)
            out.append({"message": "Application %s deployment queued." % a["name"], "resource_uuid": a["uuid"],
                        "deployment_uuid": d["deployment_uuid"]})
        return 200, {"deployments": out}

    def dep_view(self, d, sensitive):
        out = {k: v for k, v in d.items() if not k.startswith("sim_") and k != "application_uuid"}
        if not sensitive:
            out.pop("logs", None)
        return out

    def deployments(self, req):
        # DeployController::deployments: whereIn(status, [in_progress, queued])->get()->sortBy('id'),
        # without values(). The database hands rows back in heap order, where an updated row
        # (queued -> in_progress) has moved behind the untouched ones; sortBy keeps those
        # positions as keys, so the JSON is an object {"1":{..},"0":{..}} whenever they differ.
        active = [d for d in self.sim.deployments if d["status"] in ("queued", "in_progress")]
        heap = [d for d in active if d["status"] == "queued"] + [d for d in active if d["status"] != "queued"]
        keyed = sorted(enumerate(heap), key=lambda kd: kd[1]["id"])
        if [k for k, _ in keyed] == list(range(len(keyed))):
            return 200, [self.dep_view(d, req.sensitive) for _, d in keyed]
        self.sim.meta["keyed_deployment_lists"] = self.sim.meta.get("keyed_deployment_lists", 0) + 1
        return 200, {str(k): self.dep_view(d, req.sensitive) for k, d in keyed}

    def need_deployment(self, uuid):
        d = next((x for x in self.sim.deployments if x["deployment_uuid"] == uuid), None)
        if d is None:
            raise ApiError(404, {"message": "Deployment not found."})
        return d

    def deployment_get(self, req):
        return 200, self.dep_view(self.need_deployment(req.params[0]), req.sensitive)

    def app_deployments(self, req):
        a = self.need_app(req.params[0])
        try:
            skip = int(req.query.get("skip", 0))
            take = int(req.query.get("take", 10))
        except ValueError:
            raise validation({"skip": ["The skip field must be an integer."]})
        rows = [d for d in reversed(self.sim.deployments) if d["application_uuid"] == a["uuid"]]
        return 200, {"count": len(rows), "deployments": [self.dep_view(d, req.sensitive) for d in rows[skip:skip + take]]}

    def deployment_cancel(self, req):
        d = self.need_deployment(req.params[0])
        if d["status"] in TERMINAL:
            raise ApiError(400, {"message": "Deployment cannot be cancelled. Current status: %s" % d["status"]})
        d["status"] = "cancelled-by-user"
        d["finished_at"] = d["updated_at"] = iso(time.time())
        a = self.sim.app(d["application_uuid"])
        if a is not None and a.get("sim_last_deployment") == d["deployment_uuid"]:
            a["status"] = "exited:unhealthy"
        return 200, {"message": "Deployment cancelled successfully.", "deployment_uuid": d["deployment_uuid"],
                     "status": "cancelled-by-user"}

    # ---- fault names
    def names_for(self, route, params, body, query):
        names = set()
        if isinstance(body, dict) and isinstance(body.get("name"), str):
            names.add(body["name"])
        if route is not None and params:
            p = route["path"]
            if p.startswith("/applications/{uuid}") or p.startswith("/deployments/applications/"):
                a = self.sim.app(params[0])
                if a:
                    names.add(a["name"])
            elif p.startswith("/projects/{uuid}"):
                pr = self.sim.project(params[0])
                if pr:
                    names.add(pr["name"])
        if route is not None and route["path"] == "/deploy":
            u = query.get("uuid") or (body.get("uuid") if isinstance(body, dict) else None)
            for x in str(u or "").split(","):
                a = self.sim.app(x.strip())
                if a:
                    names.add(a["name"])
        return names


# ---------------------------------------------------------------- INWX API

class Inwx:
    def __init__(self, sim):
        self.sim = sim

    def call(self, method, params, sid, client_ip):
        """→ (code, resData or None, extra fields, new cookie or None)."""
        sim = self.sim
        if method == "account.login":
            return self.login(params)
        user_pass = "user" in params and "pass" in params
        sess = sim.sessions.get(sid) if sid else None
        if sess is None:
            if sid and sid in sim.dropped:
                sim.dropped.discard(sid)
                raise InwxError(2500, "Session dropped")
            if user_pass:
                if params.get("user") != sim.opts.inwx_user or params.get("pass") != sim.opts.inwx_password:
                    raise InwxError(2200, "Invalid credentials", "INVALID")
                if sim.opts.inwx_2fa:
                    raise InwxError(2002, "Two-factor authentication requires a session")
                sess = {"unlocked": True, "stateless": True}
            else:
                raise InwxError(2200, "Not logged in")
        if method == "account.unlock":
            return self.unlock(sess, params)
        if not sess["unlocked"]:
            raise InwxError(2200, "You need to unlock your account with account.unlock first.")
        if method == "account.logout":
            sim.sessions.pop(sid, None)
            sim.meta["inwx_logouts"] = sim.meta.get("inwx_logouts", 0) + 1
            return 1500, None, {}, None
        if method in INWX_WRITES and sim.opts.inwx_burst:
            now = time.time()
            win = [t for t in sim.burst.get(sid, []) if now - t < 1.0]
            if len(win) >= sim.opts.inwx_burst:
                sim.burst[sid] = win
                raise InwxError(2400, "Too many requests, please slow down")
            win.append(now)
            sim.burst[sid] = win
        fn = getattr(self, method.replace(".", "_"))
        testing = params.get("testing") in (True, 1, "1", "true")
        code, res = fn(params, testing)
        cookie = None
        n = sim.opts.inwx_cookie_refresh
        if n and sid in sim.sessions:
            # the session moves to a new cookie; the old one no longer names it
            sess["calls"] = sess.get("calls", 0) + 1
            if sess["calls"] % n == 0:
                cookie = "%032x" % sim.rng.getrandbits(128)
                sim.sessions[cookie] = sim.sessions.pop(sid)
                sim.meta["inwx_cookie_refreshes"] = sim.meta.get("inwx_cookie_refreshes", 0) + 1
        return code, res, {}, cookie

    def login(self, p):
        sim = self.sim
        user, pw = p.get("user"), p.get("pass")
        if not isinstance(user, str) or not isinstance(pw, str):
            if user is None or pw is None:
                raise InwxError(2003, "Parameter user/pass missing")
            raise InwxError(2005, "Invalid password", "INVALID_PASS")
        if user != sim.opts.inwx_user or pw != sim.opts.inwx_password:
            raise InwxError(2200, "Invalid credentials", "INVALID")
        sid = "%032x" % sim.rng.getrandbits(128)
        sim.sessions[sid] = {"unlocked": not sim.opts.inwx_2fa, "user": user}
        sim.meta["inwx_logins"] = sim.meta.get("inwx_logins", 0) + 1
        res = {"customerId": 12345, "accountId": 12345, "tfa": "GOOGLE-AUTH" if sim.opts.inwx_2fa else "0",
               "builddate": "2025-11-01T00:00:00Z", "version": "sim-1.0"}
        return 1000, res, {}, sid

    def unlock(self, sess, p):
        sim = self.sim
        if not sim.opts.inwx_2fa:
            raise InwxError(2002, "Account has no two-factor authentication")
        tan = p.get("tan")
        if tan is None:
            raise InwxError(2003, "Parameter tan missing")
        tan = str(tan).zfill(6) if isinstance(tan, (int, str)) and not isinstance(tan, bool) else ""
        step = int(time.time() // 30)
        for c in (step - 1, step, step + 1):
            if hmac.compare_digest(totp(sim.opts.inwx_2fa, c), tan):
                if c in sim.used_tans:
                    raise InwxError(2200, "TAN already used", "INVALID")
                sim.used_tans.add(c)
                sess["unlocked"] = True
                return 1000, None, {}, None
        raise InwxError(2200, "Invalid TAN", "INVALID")

    def account_info(self, p, testing):
        return 1000, {"accountId": 12345, "customerId": 12345, "customerNo": 12345,
                      "username": self.sim.opts.inwx_user, "email": "sim@example.org", "tfa": "0"
                      if not self.sim.opts.inwx_2fa else "GOOGLE-AUTH"}

    # ---- nameserver
    def need_zone(self, p):
        dom, roid = str_param(p, "domain"), p.get("roId")
        if dom is None and roid is None:
            raise InwxError(2003, "Parameter domain or roId missing")
        z = self.sim.zone(name=dom) if dom is not None else self.sim.zone(roid=roid)
        if z is None:
            raise InwxError(2303, "Zone not found")
        return z

    def page(self, p, rows):
        page = int_param(p, "page", 1)
        limit = int_param(p, "pagelimit", 20)
        if page < 1 or limit < 1:
            raise InwxError(2004, "page/pagelimit out of range")
        return rows[(page - 1) * limit: page * limit]

    def nameserver_list(self, p, testing):
        pat = str_param(p, "domain")
        rows = [z for z in self.sim.zones if pat is None or fnmatch.fnmatchcase(z["domain"], pat.lower())]
        out = [{"roId": z["roId"], "domain": z["domain"], "type": z["type"], "masterIp": z["masterIp"],
                "mail": False, "web": False, "url": False, "ipv4": False, "ipv6": False}
               for z in self.page(p, rows)]
        return 1000, {"count": len(rows), "domains": out}

    def nameserver_create(self, p, testing):
        dom = str_param(p, "domain", True).lower().rstrip(".")
        typ = str_param(p, "type", True)
        if typ not in ("MASTER", "SLAVE"):
            raise InwxError(2005, "Invalid zone type")
        if "." not in dom:
            raise InwxError(2005, "Invalid domain name")
        ns = p.get("ns") or list(DEFAULT_NS)
        if not isinstance(ns, list) or not all(isinstance(x, str) for x in ns):
            raise InwxError(2005, "Parameter ns must be a list of names")
        if self.sim.zone(name=dom):
            if p.get("ignoreExisting") in (True, 1, "1", "true"):
                return 1000, {"roId": self.sim.zone(name=dom)["roId"]}
            raise InwxError(2302, "Zone already exists")
        if testing:
            return 1000, None
        z = self.sim.make_zone({"domain": dom, "type": typ, "ns": ns, "masterIp": p.get("masterIp")})
        self.sim.zones.append(z)
        return 1000, {"roId": z["roId"]}

    def nameserver_info(self, p, testing):
        z = self.need_zone(p)
        rows = z["records"]
        if p.get("recordId") is not None:
            rows = [r for r in rows if r["id"] == str(p["recordId"])]
        if p.get("type") is not None:
            rows = [r for r in rows if r["type"] == str(p["type"]).upper()]
        if p.get("name") is not None:
            n = norm_name(p["name"], z["domain"])
            rows = [r for r in rows if r["name"] == n]
        if p.get("content") is not None:
            rows = [r for r in rows if r["content"] == str(p["content"])]
        if p.get("ttl") is not None:
            rows = [r for r in rows if r["ttl"] == int_param(p, "ttl")]
        if p.get("prio") is not None:
            rows = [r for r in rows if r["prio"] == int_param(p, "prio")]
        res = {"roId": z["roId"], "domain": z["domain"], "type": z["type"], "masterIp": z["masterIp"],
               "lastZoneCheck": inwx_date(time.time()), "slaveDns": [],
               "SOAserial": time.strftime("%Y%m%d01", time.gmtime()), "count": len(rows)}
        if rows:
            res["record"] = [dict(r) for r in rows]
        return 1000, res

    def record_fields(self, p, zone, old=None):
        r = dict(old or {})
        if old is None or "type" in p:
            t = str_param(p, "type", old is None).upper()
            if t not in RECORD_TYPES or t == "SOA":
                raise InwxError(2005, "Invalid record type %s" % t)
            r["type"] = t
        if old is None or "name" in p:
            n = p.get("name")
            if n is not None and not isinstance(n, str):
                raise InwxError(2005, "Parameter name must be a string")
            r["name"] = norm_name(n, zone)
        if old is None or "content" in p:
            r["content"] = check_content(r["type"], str_param(p, "content", old is None))
        elif "type" in p:
            r["content"] = check_content(r["type"], r["content"])
        if old is None or "ttl" in p:
            r["ttl"] = int_param(p, "ttl", 3600)
            if r["ttl"] < 1:
                raise InwxError(2004, "TTL out of range")
        if old is None or "prio" in p:
            r["prio"] = int_param(p, "prio", 0)
        for k in ("urlRedirectType", "urlRedirectTitle", "urlRedirectDescription", "urlRedirectFavIcon",
                  "urlRedirectKeywords", "urlAppend"):
            if k in p:
                r[k] = p[k]
        return r

    def nameserver_createRecord(self, p, testing):
        z = self.need_zone(p)
        r = self.record_fields(p, z["domain"])
        if any(x["name"] == r["name"] and x["type"] == r["type"] and x["content"] == r["content"] for x in z["records"]):
            raise InwxError(2302, "Record already exists")
        # one name, one CNAME (RFC 1034 3.6.2; contracts/inwx-api.md section 6.4): a CNAME is refused
        # beside any other record of its name, and any record beside a CNAME. A second A/AAAA of
        # other content is accepted: that is round-robin DNS, not a replacement.
        at_name = [x for x in z["records"] if x["name"] == r["name"]]
        if any(r["type"] == "CNAME" or x["type"] == "CNAME" for x in at_name):
            raise InwxError(2308, "Data management policy violation: a CNAME cannot coexist with "
                            "other records of the same name (%s)" % r["name"])
        if testing:
            return 1000, None
        r["id"] = self.sim.next_record_id()
        z["records"].append(r)
        return 1000, {"id": r["id"]}

    def need_record(self, p):
        rid = str_param(p, "id", True)
        z, r = self.sim.record(rid)
        if r is None:
            raise InwxError(2303, "Record not found")
        return z, r

    def nameserver_updateRecord(self, p, testing):
        z, r = self.need_record(p)
        if r["type"] == "SOA":
            raise InwxError(2308, "SOA records cannot be changed")
        new = self.record_fields(p, z["domain"], r)
        if any(x is not r and x["name"] == new["name"] and x["type"] == new["type"] and x["content"] == new["content"]
               for x in z["records"]):
            raise InwxError(2302, "Record already exists")
        if not testing:
            r.update(new)
        return 1000, None

    def nameserver_deleteRecord(self, p, testing):
        z, r = self.need_record(p)
        if r["type"] == "SOA":
            raise InwxError(2308, "SOA records cannot be deleted")
        if not testing:
            z["records"].remove(r)
        return 1000, None

    # ---- domains
    def is_taken(self, dom):
        return (dom in self.sim.taken_domains or dom.split(".")[0].startswith("taken-")
                or self.sim.domain(name=dom) is not None)

    def premium_prices(self, dom):
        """A premium name's own prices, or None: seeded in inwx.premium_domains, or any name
        whose first label starts with "premium-" (500.00 EUR to create and renew)."""
        pr = self.sim.premium_domains.get(dom)
        if pr is None and dom.split(".")[0].startswith("premium-"):
            pr = {"create": 500.0, "renew": 500.0, "transfer": 500.0}
        return pr

    def domain_check(self, p, testing):
        doms = p.get("domain")
        if doms is None and p.get("sld") is not None:
            tlds = p.get("tld") or []
            doms = ["%s.%s" % (p["sld"], t) for t in (tlds if isinstance(tlds, list) else [tlds])]
        if isinstance(doms, str):
            doms = [doms]
        if not isinstance(doms, list) or not doms or not all(isinstance(d, str) for d in doms):
            raise InwxError(2003, "Parameter domain missing")
        out = []
        for d in doms:
            d = d.lower().rstrip(".")
            sld, _, tld = d.partition(".")
            taken = self.is_taken(d)
            row = {"domain": d, "avail": 0 if taken else 1, "status": "taken" if taken else "free",
                   "name": sld, "tld": tld, "checkmethod": "REGISTRY",
                   "price": TLD_PRICES.get(tld.split(".")[-1], 19.99), "checktime": 0.01}
            # premium names (inwx/WHMCS inwx.php, inwx_CheckAvailability): "price" stays the
            # regular one; what INWX charges is premium.prices.create.price. The block comes
            # with "wide" (contracts/inwx-api.md section 6.1).
            pr = self.premium_prices(d)
            if pr and not taken and int_param(p, "wide", 0) >= 1:
                row["premium"] = {"currency": "EUR",
                                  "prices": {k: {"price": pr.get(k, pr["create"])}
                                             for k in ("create", "renew", "transfer")}}
            out.append(row)
        return 1000, {"domain": out}

    def domain_getPrices(self, p, testing):
        tlds = p.get("tld") or sorted(TLD_PRICES)
        if isinstance(tlds, str):
            tlds = [tlds]
        if not isinstance(tlds, list) or not all(isinstance(x, str) for x in tlds):
            raise InwxError(2005, "Parameter tld must be a string or a list of strings")
        out = []
        for t in tlds:
            pr = TLD_PRICES.get(str(t).lower(), 19.99)
            out.append({"tld": str(t).lower(), "currency": "EUR", "createPrice": pr, "renewalPrice": pr,
                        "transferPrice": pr, "tradePrice": 0.0, "updatePrice": 0.0, "createPeriod": 1,
                        "renewalPeriod": 1, "transferPeriod": 1})
        return 1000, {"price": out}

    def domain_getRules(self, p, testing):
        no_auth = set(self.sim.no_auth_code_tlds)
        return 1000, {"rules": [{"tld": t, "registrationPeriod": "1Y,2Y,3Y,5Y,10Y",
                                 "authCode": "NO" if t in no_auth else "YES",
                                 "transferLock": "YES", "ownerChange": "YES", "registrantTypes": "PERSON,ORG"}
                                for t in sorted(TLD_PRICES)]}

    def contacts_ok(self, p):
        reg = p.get("registrant")
        if reg is None:
            raise InwxError(2003, "Parameter registrant missing")
        ids = {str(c["id"]) for c in self.sim.contacts}
        for k in ("registrant", "admin", "tech", "billing"):
            if p.get(k) is not None and str(p[k]) not in ids:
                raise InwxError(2303, "Contact %s not found" % p[k])

    def domain_create(self, p, testing):
        dom = str_param(p, "domain", True).lower().rstrip(".")
        self.contacts_ok(p)
        if "." not in dom:
            raise InwxError(2005, "Invalid domain name")
        if self.is_taken(dom):
            raise InwxError(2302, "Domain is not available")
        tld = dom.rsplit(".", 1)[1]
        price = TLD_PRICES.get(tld, 19.99)
        if self.premium_prices(dom):
            price = self.premium_prices(dom)["create"]   # a premium name is charged its own price
        if testing:
            return 1000, None
        d = self.sim.make_domain({"domain": dom, "period": p.get("period", "1Y"), "status": "ORDERED",
                                  "registrant": p["registrant"], "ns": p.get("ns") or list(DEFAULT_NS),
                                  "renewalMode": p.get("renewalMode", "AUTORENEW"),
                                  "sim_polls_left": self.sim.opts.domain_polls, "sim_final": "OK"})
        for k in ("admin", "tech", "billing"):
            if p.get(k) is not None:
                d[k] = p[k]
        self.sim.domains.append(d)
        return 1001, {"roId": d["roId"], "price": price, "currency": "EUR"}

    def domain_transfer(self, p, testing):
        dom = str_param(p, "domain", True).lower().rstrip(".")
        self.contacts_ok(p)
        if self.sim.domain(name=dom):
            raise InwxError(2302, "Domain already in this account")
        code = p.get("authCode")
        want = self.sim.auth_codes.get(dom)
        ok = (code == want) if want is not None else (code not in (None, "", "wrong"))
        if dom.rsplit(".", 1)[-1] in self.sim.no_auth_code_tlds:
            ok = True   # the registry does not use auth codes for this TLD
        if testing:
            return 1000, None
        d = self.sim.make_domain({"domain": dom, "status": "TRANSFER PENDING", "registrant": p["registrant"],
                                  "ns": p.get("ns") or list(DEFAULT_NS),
                                  "sim_polls_left": self.sim.opts.domain_polls,
                                  "sim_final": "OK" if ok else "FAILED"})
        self.sim.failed_transfers.pop(dom, None)
        self.sim.domains.append(d)
        return 1001, {"roId": d["roId"]}

    def find_domain(self, p):
        dom, roid = str_param(p, "domain"), p.get("roId")
        if dom is None and roid is None:
            raise InwxError(2003, "Parameter domain or roId missing")
        d = self.sim.domain(name=dom) if dom is not None else self.sim.domain(roid=roid)
        if d is None:
            reason = self.sim.failed_transfers.get(str(dom).lower().rstrip(".")) if dom else None
            raise InwxError(2303, reason or "Domain not found", "TRANSFER_FAILED" if reason else None)
        return d

    def domain_view(self, d):
        return {k: v for k, v in d.items() if not k.startswith("sim_")}

    def domain_info(self, p, testing):
        d = self.find_domain(p)
        if d.get("sim_polls_left", 0) > 0:
            d["sim_polls_left"] -= 1
        elif d.get("sim_final"):
            final = d.pop("sim_final")
            if final == "FAILED":
                self.sim.domains.remove(d)
                self.sim.failed_transfers[d["domain"]] = "Transfer failed: invalid authorization code"
                raise InwxError(2303, "Transfer failed: invalid authorization code", "TRANSFER_FAILED")
            d["status"] = final
        return 1000, self.domain_view(d)

    def domain_list(self, p, testing):
        pat = str_param(p, "domain")
        st = str_param(p, "status")
        rows = [d for d in self.sim.domains if (pat is None or fnmatch.fnmatchcase(d["domain"], pat.lower()))
                and (st is None or d["status"] == st)]
        return 1000, {"count": len(rows), "domain": [self.domain_view(d) for d in self.page(p, rows)]}

    def domain_update(self, p, testing):
        d = self.find_domain(p)
        if not testing:
            for k in ("ns", "transferLock", "renewalMode", "registrant", "admin", "tech", "billing"):
                if k in p:
                    d[k] = p[k]
            d["upDate"] = inwx_date(time.time())
        return 1001, None

    def contact_list(self, p, testing):
        s = str_param(p, "search")
        rows = [c for c in self.sim.contacts if s is None or s.lower() in json.dumps(c).lower()]
        return 1000, {"count": len(rows), "contact": self.page(p, rows)}

    def contact_create(self, p, testing):
        for k in ("type", "name", "street", "city", "pc", "cc", "voice", "email"):
            str_param(p, k, True)
        if testing:
            return 1000, None
        c = self.sim.make_contact({k: v for k, v in p.items() if k not in ("testing", "extData")})
        self.sim.contacts.append(c)
        return 1000, {"id": c["id"]}

    def names_for(self, method, p):
        names = set()
        if isinstance(p.get("domain"), str):
            names.add(p["domain"].lower().rstrip("."))
        if p.get("roId") is not None:
            z = self.sim.zone(roid=p["roId"])
            if z:
                names.add(z["domain"])
        if p.get("id") is not None and method.startswith("nameserver."):
            z, _ = self.sim.record(p["id"])
            if z:
                names.add(z["domain"])
        return names


# ---------------------------------------------------------------- admin ops

def admin_op(sim, op):
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise ValueError("an op must be an object with \"op\"")
    kind = op["op"]
    fields = op.get("fields", {})
    if not isinstance(fields, dict):
        raise ValueError("fields must be an object")
    if kind.startswith("dns_") and getattr(sim, "dns", None):  # the DNS server's knobs (sim_dns.py)
        return sim.dns.admin(op)
    if kind == "delete_app":
        a = sim.app_by(op)
        if not a:
            raise ValueError("no such app")
        sim.apps.remove(a)
    elif kind == "set_api":
        if "enabled" in op:
            if not isinstance(op["enabled"], bool):
                raise ValueError("enabled must be true or false")
            sim.api_enabled = op["enabled"]
        if "allowed_ips" in op:
            ips = op["allowed_ips"] or ""
            if not isinstance(ips, str):
                raise ValueError("allowed_ips must be a comma-separated string or null")
            sim.allowed_ips = [x.strip() for x in ips.split(",") if x.strip()]
    elif kind == "set_https":
        sim_https.set_site(sim, op)
    elif kind == "set_app_health":
        if not isinstance(op.get("name"), str) or not isinstance(op.get("status"), str):
            raise ValueError("name and status must be strings")
        sim.app_health[op["name"]] = op["status"]
        for a in sim.apps:
            if a["name"] == op["name"] and (a.get("status") or "").startswith("running"):
                a["status"] = op["status"]
    elif kind == "set_app":
        a = sim.app_by(op)
        if not a:
            raise ValueError("no such app")
        a.update(fields)
    elif kind == "delete_project":
        p = next((p for p in sim.projects if p["uuid"] == op.get("uuid") or p["name"] == op.get("name")), None)
        if not p:
            raise ValueError("no such project")
        sim.projects.remove(p)
        sim.apps = [a for a in sim.apps if a["project_uuid"] != p["uuid"]]
    elif kind == "add_server":
        s = sim.make_server(op.get("server", {}))
        sim.servers.append(s)
        return {"uuid": s["uuid"]}
    elif kind == "set_server":
        s = next((s for s in sim.servers if s["uuid"] == op.get("uuid") or s["name"] == op.get("name")), None)
        if not s:
            raise ValueError("no such server")
        for k, v in fields.items():
            if k in ("settings", "proxy") and isinstance(v, dict):
                s[k].update(v)
                continue
            s[k] = v
            if k in ("is_reachable", "is_usable"):
                s["settings"][k] = v
    elif kind == "set_deployment":
        d = next((d for d in sim.deployments if d["deployment_uuid"] == op.get("uuid")), None)
        if not d:
            raise ValueError("no such deployment")
        d.update(fields)
        a = sim.app(d["application_uuid"])
        if a and d["status"] in TERMINAL and a.get("sim_last_deployment") == d["deployment_uuid"]:
            a["status"] = "running:healthy" if d["status"] == "finished" else "exited:unhealthy"
    elif kind == "finish_deletions":
        for a in sim.apps:
            if a.get("sim_deleting_at") is not None:
                a["sim_deleting_at"] = time.time() - sim.opts.delete_time - 1
        sim.settle()
    elif kind == "finish_deployments":
        sim.settle()
        for d in sim.deployments:
            if d["status"] in ("queued", "in_progress"):
                d["status"] = d.get("sim_outcome", "finished")
                d["finished_at"] = d["updated_at"] = iso(time.time())
                app = sim.app(d["application_uuid"])
                if app is not None and app.get("sim_last_deployment") == d["deployment_uuid"]:
                    app["status"] = "running:healthy" if d["status"] == "finished" else "exited:unhealthy"
        sim.dirty = True
    elif kind == "add_zone":
        if sim.zone(name=op["domain"]):
            raise ValueError("zone exists")
        z = sim.make_zone({"domain": op["domain"], "records": op.get("records", [])})
        sim.zones.append(z)
        return {"roId": z["roId"]}
    elif kind == "delete_zone":
        z = sim.zone(name=op.get("domain"))
        if not z:
            raise ValueError("no such zone")
        sim.zones.remove(z)
    elif kind in ("add_record", "set_record", "delete_record"):
        z = sim.zone(name=op.get("zone"))
        if kind == "add_record":
            if not z:
                raise ValueError("no such zone")
            rec = dict(op.get("record") or {k: op[k] for k in ("name", "type", "content", "ttl", "prio") if k in op})
            rec["name"] = norm_name(rec.get("name"), z["domain"])
            rec["id"] = sim.next_record_id()
            rec.setdefault("ttl", 3600)
            rec.setdefault("prio", 0)
            z["records"].append(rec)
            return {"id": rec["id"]}
        if "id" in op:
            z, r = sim.record(op["id"])
        else:
            if not z:
                raise ValueError("no such zone")
            n = norm_name(op.get("name"), z["domain"])
            r = next((r for r in z["records"] if r["name"] == n and r["type"] == op.get("type")
                      and ("content" not in op or r["content"] == op["content"])), None)
        if r is None:
            raise ValueError("no such record")
        if kind == "set_record":
            r.update(fields)
        else:
            z["records"].remove(r)
    elif kind == "set_domain":
        d = sim.domain(name=op["domain"])
        if d is None:
            d = sim.make_domain({"domain": op["domain"]})
            sim.domains.append(d)
        d.update(fields)
    elif kind == "delete_domain":
        d = sim.domain(name=op.get("domain"))
        if not d:
            raise ValueError("no such domain")
        sim.domains.remove(d)
    elif kind == "drop_sessions":
        sim.dropped.update(sim.sessions)
        sim.sessions.clear()
    else:
        raise ValueError("unknown op %r" % kind)
    return {}


# ---------------------------------------------------------------- HTTP layer

class Req:
    __slots__ = ("method", "path", "query", "body", "params", "route", "sensitive")


HUGE_CHUNK = b'{"data":"' + b"x" * (1 << 20)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vrs-sim"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120

    def log_message(self, fmt, *args):
        pass

    # ---- raw I/O
    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            parts = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def uncount_in_flight(self):
        if getattr(self, "in_flight_counted", False):
            with self.server.sim.lock:
                self.server.sim.coolify_in_flight -= 1
                self.in_flight_counted = False

    def send(self, status, body, ctype="application/json", headers=None):
        self.uncount_in_flight()
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        reason = self.responses.get(status, ("",))[0]
        h = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: " + ctype,
             "Content-Length: %d" % len(body)]
        for k, v in (headers or {}).items():
            h.append("%s: %s" % (k, v))
        if self.close_connection:
            h.append("Connection: close")
        self.wfile.write(("\r\n".join(h) + "\r\n\r\n").encode("latin-1") + body)

    def do_fault(self, rule, status_body):
        """Answer according to a failure rule. status_body: the real (status, bytes, ctype, headers) or None."""
        kind = rule["kind"]
        svc = self.server.service
        if kind == "latency":
            return False
        if kind == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind == "timeout":
            time.sleep(float(rule.get("seconds", 5)))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if kind in ("http500", "http502", "http503", "http"):
            st = int(rule.get("status", kind[4:] or 500))
            self.send(st, {"message": "Server Error"} if st == 500 else {"message": "Sim fault %d" % st})
            return True
        if kind == "http429":
            ra = int(rule.get("retry_after", 1))
            self.send(429, {"message": "Too Many Attempts."},
                      headers={"Retry-After": ra, "X-RateLimit-Reset": int(time.time()) + ra})
            return True
        if kind in ("inwx2400", "inwx2500"):
            code = int(kind[4:])
            if svc == "inwx":
                if code == 2500:
                    sid = self.cookie_sid()
                    with self.server.sim.lock:
                        if sid in self.server.sim.sessions:
                            self.server.sim.sessions.pop(sid)
                self.send(200, inwx_body(code, None, {"reason": "Sim fault"}))
            else:
                self.send(500, {"message": "Server Error"})
            return True
        if kind == "html":
            self.send(int(rule.get("status", 200)),
                      "<!DOCTYPE html><html><head><title>Error</title></head><body>Sim fault</body></html>",
                      ctype="text/html; charset=UTF-8")
            return True
        if kind == "malformed":
            st, body = (status_body[0], status_body[1]) if status_body else (200, b'{"message":"partial answer"}')
            self.send(st, body[:max(1, len(body) // 2)])
            return True
        if kind == "huge":
            size = int(rule.get("bytes", 50 * 1024 * 1024))
            self.wfile.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                              % size).encode())
            left = size
            try:
                while left > 0:
                    chunk = HUGE_CHUNK[:min(left, len(HUGE_CHUNK))]
                    self.wfile.write(chunk)
                    left -= len(chunk)
            except OSError:
                self.close_connection = True
            return True
        return False

    def cookie_sid(self):
        raw = self.headers.get("Cookie") or ""
        for part in raw.split(";"):
            k, _, v = part.strip().partition("=")
            if k == "domrobot" and v:
                return v
        return None

    # ---- dispatch
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def dispatch(self, method):
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        sim = self.server.sim
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        try:
            if path.startswith("/_sim/"):
                return self.admin(method, path, body)
            if self.server.service == "coolify":
                # how many Coolify requests are answered at once (meta coolify_max_in_flight)
                # (counted until its answer starts: once the client has an
                # answer it may send the next request, before this thread
                # would get past the write)
                with sim.lock:
                    sim.coolify_in_flight += 1
                    self.in_flight_counted = True
                    if sim.coolify_in_flight > sim.meta.get("coolify_max_in_flight", 0):
                        sim.meta["coolify_max_in_flight"] = sim.coolify_in_flight
                try:
                    self.coolify(method, path, query, body)
                finally:
                    self.uncount_in_flight()
            else:
                self.inwx(method, path, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # never crash: a 500 with the API's shape
            import traceback
            if not sim.opts.quiet:
                traceback.print_exc()
            try:
                if self.server.service == "inwx":
                    self.send(200, inwx_body(2400, None, {"reason": "internal: %s" % e}))
                else:
                    self.send(500, {"message": "Server Error"})
            except OSError:
                pass
        finally:
            if method != "GET" or path.startswith("/api/") or path.startswith("/jsonrpc"):
                sim.dirty = True

    # ---- admin
    def admin(self, method, path, body):
        sim = self.server.sim
        if path == "/_sim/health":
            return self.send(200, "OK", "text/plain")
        if path == "/_sim/state" and method == "GET":
            return self.send(200, sim.dump())
        if path == "/_sim/calls" and method == "GET":
            with sim.lock:
                return self.send(200, sim.calls)
        if path == "/_sim/calls/times" and method == "GET":
            with sim.lock:
                return self.send(200, {"coolify": sim.call_times})
        if path == "/_sim/calls/log" and method == "GET":
            with sim.lock:
                return self.send(200, sim.call_log)
        if path == "/_sim/routes" and method == "GET":
            return self.send(200, [{"method": r["method"], "path": r["path"], "required": r["required"],
                                    "allowed": r["allowed"], "ability": r["ability"]}
                                   for r in self.server.coolify.routes])
        if path == "/_sim/faults/stats" and method == "GET":
            with sim.lock:
                return self.send(200, sim.fault_stats)
        if path == "/_sim/faults" and method == "GET":
            with sim.lock:
                return self.send(200, {"rules": sim.rules})
        if method != "POST":
            return self.send(404, {"error": "unknown admin path"})
        if path == "/_sim/calls/reset":
            with sim.lock:
                sim.calls = {"coolify": {}, "inwx": {}}
                sim.call_times = {}
                sim.fault_stats = {}
                sim.call_log = []
            return self.send(200, {"ok": True})
        if path == "/_sim/reset":
            sim.reset()
            return self.send(200, {"ok": True})
        if path == "/_sim/snapshot":
            # the current world becomes what /_sim/reset restores (a test's cycles start there)
            with sim.lock:
                sim.seed_data = json.loads(json.dumps(sim.dump()))
                sim.snapshots += 1
            return self.send(200, {"ok": True})
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return self.send(400, {"error": "invalid JSON"})
        if path == "/_sim/faults":
            try:
                rules = parse_rules(data)
            except (ValueError, TypeError) as e:
                return self.send(400, {"error": str(e)})
            with sim.lock:
                sim.rules = rules
            return self.send(200, {"rules": rules})
        if path == "/_sim/state":
            ops = data.get("ops") if isinstance(data, dict) and "ops" in data else data
            if isinstance(ops, dict):
                ops = [ops]
            if not isinstance(ops, list):
                return self.send(400, {"error": "expected an op, a list of ops or {\"ops\":[...]}"})
            results = []
            with sim.lock:
                for op in ops:
                    try:
                        results.append(admin_op(sim, op))
                    except (ValueError, KeyError, TypeError, AttributeError) as e:
                        return self.send(400, {"error": "%s: %s" % (op.get("op") if isinstance(op, dict) else op, e),
                                               "results": results})
            return self.send(200, {"ok": True, "results": results})
        return self.send(404, {"error": "unknown admin path"})

    # ---- Coolify
    def coolify(self, method, path, query, body):
        sim = self.server.sim
        api = self.server.coolify
        wants_json = "json" in (self.headers.get("Accept") or "")
        if path == "/api/health":
            sub = "/health"
            key = "GET /health"
        elif path.startswith("/api/v1/") or path == "/api/v1":
            sub = path[len("/api/v1"):] or "/"
            key = None
        else:
            with sim.lock:
                k = "%s %s" % (method, path)
                sim.calls["coolify"][k] = sim.calls["coolify"].get(k, 0) + 1
            return self.send_framework(404, wants_json)
        if len(sub) > 1:
            sub = sub.rstrip("/")
        route, params = api.match(method, sub)
        key = "%s %s" % (method, route["path"]) if route else "%s %s" % (method, sub)
        jbody = None
        if body:
            try:
                jbody = json.loads(body)
            except ValueError:
                jbody = None
        with sim.lock:
            sim.calls["coolify"][key] = sim.calls["coolify"].get(key, 0) + 1
            sim.call_times.setdefault(key, []).append(time.time())
            names = api.names_for(route, params if route else (), jbody, query)
            if len(sim.call_log) < 200000:
                sim.call_log.append([time.time(), "coolify", key, sorted(names)])
        delay, fault = sim.pick_faults("coolify", key, names)
        if delay:
            time.sleep(delay)
        if fault is not None and not fault.get("apply", fault["kind"] == "malformed"):
            if self.do_fault(fault, None):
                return
        # rate limit (by the token's user, else by IP); health has its own 1000/min bucket
        auth = self.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        valid = token in sim.tokens
        rl_headers = {}
        limit = sim.opts.rate_limit
        if path == "/api/health":
            limit = 1000 if limit else 0
        if limit:
            bucket = ("health:" if path == "/api/health" else "") + ("user:" + sim.token_user[token] if valid else "ip:" + self.client_address[0])
            now = time.time()
            with sim.lock:
                start, count = sim.rate.get(bucket, (now, 0))
                if now - start >= 60:
                    start, count = now, 0
                count += 1
                sim.rate[bucket] = (start, count)
            reset = start + 60
            rl_headers = {"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": max(0, limit - count)}
            if count > limit:
                with sim.lock:
                    sim.meta["rate_limited"] = sim.meta.get("rate_limited", 0) + 1
                ra = max(1, int(reset - now + 0.999))
                rl_headers.update({"Retry-After": ra, "X-RateLimit-Reset": int(reset)})
                return self.send_framework(429, wants_json, rl_headers)
        if route is None:
            if params:   # path exists with other methods
                if any(rx.match(sub) for rx in api.action_paths):
                    return self.send(405, {"message": "This endpoint has changed to a POST request."},
                                     headers=dict(rl_headers, Allow="POST"))
                return self.send_framework(405, wants_json, dict(rl_headers, Allow=", ".join(sorted(set(params)))))
            return self.send_framework(404, wants_json, rl_headers)
        abilities = sim.tokens.get(token) if valid else None
        if route["path"] != "/health":
            # the order of Coolify's middleware: auth:sanctum (401), ApiAllowed (API switch,
            # IP allowlist), then the route's api.ability:X; bodies are checked after all three
            if not valid:
                return self.send(401, {"message": "Unauthenticated."}, headers=rl_headers)
            with sim.lock:
                enabled, allowed_ips = sim.api_enabled, list(sim.allowed_ips)
            if not enabled:
                return self.send(403, {"success": True, "message": "API is disabled."}, headers=rl_headers)
            if allowed_ips and "0.0.0.0" not in allowed_ips and self.client_address[0] not in allowed_ips:
                return self.send(403, {"success": True, "message": "You are not allowed to access the API."},
                                 headers=rl_headers)
            need = route["ability"]
            if abilities is not None and "root" not in abilities and need not in abilities:
                return self.send(403, {"message": "Missing required permissions: %s" % need}, headers=rl_headers)
        req = Req()
        req.method, req.path, req.query, req.params, req.route = method, sub, query, params, route
        if abilities is None:
            req.sensitive = sim.opts.coolify_sensitive
        else:
            req.sensitive = bool(abilities & {"root", "read:sensitive"})
        req.body = laravel_input(jbody) if isinstance(jbody, dict) else {}
        req.query = laravel_input(req.query)
        try:
            if route["strict"]:
                ctype = (self.headers.get("Content-Type") or "").lower()
                if "application/json" not in ctype:
                    raise ApiError(400, {"message": "Invalid request.", "error": "Content-Type must be application/json."})
                if jbody is None or not isinstance(jbody, dict) and not jbody:
                    raise ApiError(400, {"message": "Invalid request.", "error": "Invalid JSON."})
                if not isinstance(jbody, dict):
                    raise validation({"0": ["This field is not allowed."]})
                if not jbody:
                    raise ApiError(400, {"message": "Invalid request.", "error": "Empty JSON."})
            elif body and method == "POST" and route["path"] == "/deploy" and jbody is None:
                raise ApiError(400, {"message": "Invalid request.", "error": "Invalid JSON."})
            with sim.lock:
                sim.settle()
                res = route["fn"](req)
            status, out = res[0], res[1]
            extra = res[2] if len(res) > 2 else {}
        except ApiError as e:
            status, out, extra = e.status, e.body, e.headers
        hdrs = dict(rl_headers)
        hdrs.update(extra)
        if isinstance(out, str):
            data, ctype = out.encode(), ("text/html; charset=UTF-8" if route["path"] == "/version" else "text/plain; charset=UTF-8")
        else:
            data, ctype = json.dumps(out).encode(), "application/json"
        if fault is not None and self.do_fault(fault, (status, data, ctype, hdrs)):
            return
        self.send(status, data, ctype, hdrs)

    def send_framework(self, status, wants_json, headers=None):
        msg = {404: "Not found.", 405: "Method not allowed.", 429: "Too Many Attempts."}[status]
        if wants_json:
            return self.send(status, {"message": msg}, headers=headers)
        return self.send(status, "<!DOCTYPE html><html><body><h1>%d</h1><p>%s</p></body></html>" % (status, msg),
                         "text/html; charset=UTF-8", headers)

    # ---- INWX
    def inwx(self, method, path, body):
        sim = self.server.sim
        if path not in ("/jsonrpc/", "/jsonrpc"):
            return self.send(404, "<html><body>Not Found</body></html>", "text/html")
        if method != "POST":
            return self.send(405, "<html><body>Method Not Allowed</body></html>", "text/html", {"Allow": "POST"})
        t0 = time.time()
        try:
            req = json.loads(body or b"null")
        except ValueError:
            req = None
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return self.send(200, inwx_body(2001, None, {"reason": "Invalid JSON-RPC request"}))
        raw = req["method"]
        mname = INWX_CANON.get(raw.lower(), raw)
        params = req.get("params")
        if params is None or params == []:
            params = {}
        sid = self.cookie_sid()
        with sim.lock:
            sim.calls["inwx"][mname] = sim.calls["inwx"].get(mname, 0) + 1
            names = sim.inwx_api.names_for(mname, params) if isinstance(params, dict) else set()
            if len(sim.call_log) < 200000:
                sim.call_log.append([time.time(), "inwx", mname,
                                     params.get("domain") if isinstance(params, dict) else None])
        delay, fault = sim.pick_faults("inwx", mname, names)
        if delay:
            time.sleep(delay)
        if fault is not None and not fault.get("apply", fault["kind"] == "malformed"):
            if self.do_fault(fault, None):
                return
        cookie = None
        extra = {}
        if not isinstance(params, dict):
            code, res, extra = 2005, None, {"reason": "params must be an object"}
        elif mname not in INWX_CANON.values():
            code, res, extra = 2000, None, {"reason": "Unknown method %s" % raw}
        else:
            try:
                with sim.lock:
                    code, res, extra, cookie = sim.inwx_api.call(mname, params, sid, self.client_address[0])
            except InwxError as e:
                code, res = e.code, None
                if e.reason:
                    extra["reason"] = e.reason
                if e.reason_code:
                    extra["reasonCode"] = e.reason_code
        out = inwx_body(code, res, extra, time.time() - t0)
        hdrs = {"Set-Cookie": "domrobot=%s; path=/" % cookie} if cookie else {}
        data = json.dumps(out).encode()
        if fault is not None and self.do_fault(fault, (200, data, "application/json", hdrs)):
            return
        self.send(200, data, "application/json; charset=UTF-8", hdrs)


def inwx_body(code, res, extra=None, runtime=0.0):
    out = {"code": code, "msg": INWX_MSG.get(code, "Command failed")}
    if res is not None:
        out["resData"] = res
    if extra:
        out.update(extra)
    out["svTRID"] = "%x-sim" % int(time.time() * 1e6)
    out["runtime"] = round(runtime, 4)
    return out


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def parse_addr(s, what):
    host, _, port = s.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host == "localhost":
        host = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        sys.exit("vrs_sim: --%s: %r is not an IP address" % (what, host))
    if not ip.is_loopback:
        sys.exit("vrs_sim: --%s: refusing to listen on non-loopback address %s" % (what, host))
    try:
        return host, int(port)
    except ValueError:
        sys.exit("vrs_sim: --%s: bad port %r" % (what, port))


def make_server(addr, service, sim, api):
    host, port = addr
    cls = Server
    if ":" in host:
        cls = type("Server6", (Server,), {"address_family": socket.AF_INET6})
    srv = cls((host, port), Handler)
    srv.service, srv.sim, srv.coolify = service, sim, api
    return srv


def main(argv=None):
    ap = argparse.ArgumentParser(description="Coolify + INWX loopback simulator (see module docstring)")
    ap.add_argument("--coolify", default="127.0.0.1:0")
    ap.add_argument("--inwx", default="127.0.0.1:0")
    ap.add_argument("--ready-file")
    ap.add_argument("--dns", default="127.0.0.1:0")  # the zones as a DNS server (sim_dns.py)
    ap.add_argument("--dns-delay", type=float, default=0)
    ap.add_argument("--https", default="127.0.0.1:0")
    ap.add_argument("--coolify-token", action="append")
    ap.add_argument("--coolify-sensitive", action="store_true")
    ap.add_argument("--coolify-api-disabled", action="store_true")
    ap.add_argument("--inwx-user", default="sim-user")
    ap.add_argument("--inwx-password", default="sim-password")
    ap.add_argument("--inwx-2fa")
    ap.add_argument("--inwx-burst", type=int, default=0)
    ap.add_argument("--inwx-cookie-refresh", type=int, default=0)
    ap.add_argument("--domain-polls", type=int, default=2)
    ap.add_argument("--state-file")
    ap.add_argument("--seed-file")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--deploy-time", type=float, default=0.3)
    ap.add_argument("--delete-time", type=float, default=1.0)
    ap.add_argument("--deploy-retry-after", type=float, default=60)
    ap.add_argument("--rate-limit", type=int, default=200)
    ap.add_argument("--token-user", action="append")
    ap.add_argument("--latency", type=float, default=0)
    ap.add_argument("--jitter", type=float, default=0)
    ap.add_argument("--fault", action="append")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--image-without-curl", action="append", default=[],
                    help="an image (name or name:tag) with neither curl nor wget: health checks never pass")
    opts = ap.parse_args(argv)
    if opts.inwx_2fa:
        try:
            totp(opts.inwx_2fa, 0)
        except (ValueError, TypeError):
            sys.exit("vrs_sim: --inwx-2fa: not a base32 secret")
    caddr = parse_addr(opts.coolify, "coolify")
    iaddr = parse_addr(opts.inwx, "inwx")
    try:
        sim = Sim(opts)
    except (OSError, ValueError) as e:
        sys.exit("vrs_sim: %s" % e)
    sim.inwx_api = Inwx(sim)
    api = Coolify(sim)
    servers = [make_server(caddr, "coolify", sim, api), make_server(iaddr, "inwx", sim, api)]
    for s in servers:
        threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    ports = {"coolify": servers[0].server_address[1], "inwx": servers[1].server_address[1]}
    # the INWX zones served over DNS (UDP + TCP), with the propagation delay
    dhost, dport = parse_addr(opts.dns, "dns")
    sim.dns = sim_dns.DnsServer(sim, dhost, dport, opts.dns_delay)
    sim.dns.start()
    ports["dns_port"] = sim.dns.port
    try:
        https = sim_https.Https(sim, parse_addr(opts.https, "https"))
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit("vrs_sim: the HTTPS side: %s" % e)
    ports.update({"https_port": https.port, "ca_file": https.ca.file})
    if opts.ready_file:
        tmp = opts.ready_file + ".tmp.%d" % os.getpid()
        with open(tmp, "w") as f:
            json.dump(ports, f)
        os.replace(tmp, opts.ready_file)
    if not opts.quiet:
        print("vrs_sim: coolify on %s:%d, inwx on %s:%d" % (caddr[0], ports["coolify"], iaddr[0], ports["inwx"]),
              file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    while not stop.wait(0.2):
        if opts.state_file:
            try:
                sim.save()
            except OSError as e:
                print("vrs_sim: saving state: %s" % e, file=sys.stderr)
    sim.dirty = True
    sim.save()
    https.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
