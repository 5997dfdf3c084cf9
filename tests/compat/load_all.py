#!/usr/bin/python3
"""Load every project of VRS_COMPAT_DB through the models, with its domains,
server, logs, bundle price and preview tokens; print a JSON summary (or the
error that stopped it, with exit 1)."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from v_flask import app  # noqa: E402
import vrs_models as m  # noqa: E402

out = {}
with app.app_context():
    try:
        for p in m.Project.query.all():
            out[p.slug] = {
                "status": p.provisioning_status.value,
                "domains": [[d.domain, d.domain_type.value, d.status.value, d.inwx_record_ids]
                            for d in p.domains],
                "server": p.server.name if p.server else None,
                "logs": [[x.action, x.created_at.isoformat()] for x in p.provisioning_logs],
                "bundle_price": p.bundle.price_display if p.bundle else None,
                "previews": [a.expires_at.isoformat() for a in p.preview_accesses],
                "created_at": p.created_at.isoformat(),
                "licenses": [x.plugin_name for x in p.licenses],
            }
    except Exception as e:
        print("error: %r" % e)
        sys.exit(1)
print(json.dumps(out))
