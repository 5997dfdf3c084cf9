"""The shim the model specification imports (`from v_flask import db`): one Flask
app on the database named by VRS_COMPAT_DB (a SQLite path or vrsctl's
postgresql:// URL), its Flask-SQLAlchemy `db`.

`db.Enum` gets `values_callable` (the members' lower-case values), as the model's
own migration (section 10: VARCHAR columns holding 'draft', 'active', ...)
implies: SQLAlchemy's default stores member *names* ('DRAFT'), which neither the
migration nor vrsctl writes. This is what the application must declare too
(docs/OWNERSHIP.md)."""

import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

app = Flask("vrs_marketplace_compat")

def _uri(state):
    """vrsctl's --state (a SQLite path or postgresql:///DB?host=SOCK&user=U) as SQLAlchemy's"""
    if not state.startswith("postgresql:"):
        return "sqlite:///" + state
    import urllib.parse
    u = urllib.parse.urlsplit(state)
    q = urllib.parse.parse_qs(u.query)
    user = q.get("user", [""])[0]
    return "postgresql+psycopg2://%s@%s%s?host=%s" % (user, u.netloc, u.path,
                                                       q.get("host", [""])[0])


app.config["SQLALCHEMY_DATABASE_URI"] = _uri(os.environ["VRS_COMPAT_DB"])
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)


class _ValuesEnum(sa.Enum):
    def __init__(self, *enums, **kw):
        kw.setdefault("values_callable", lambda e: [m.value for m in e])
        super().__init__(*enums, **kw)


db.Enum = _ValuesEnum
