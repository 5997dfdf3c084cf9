#!/usr/bin/python3
"""The marketplace application creates its database (VRS_COMPAT_DB) from its
models (db.create_all()) and records a questionnaire's draft, before vrsctl
ever ran: what `vrsctl apply` must join (issue 13, item 4)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from v_flask import app, db  # noqa: E402
import vrs_models as m  # noqa: E402

with app.app_context():
    db.create_all()
    gastro = m.ProjectType(code="gastro", name="Gastronomie")
    db.session.add(gastro)
    db.session.add(m.Project(name="Eisdiele Entwurf", slug="eisdiele", owner_email="e@example.org",
                             api_key="eisdiele-key", project_type=gastro))
    db.session.commit()
    p = m.Project.query.filter_by(slug="eisdiele").one()
    db.session.add(m.License(project=p, plugin_name="menu"))
    db.session.commit()
