"""The shim the model specification imports (`from v_flask import db`): one Flask
app on the database named by VRS_COMPAT_DB, its Flask-SQLAlchemy `db`.

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
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.environ["VRS_COMPAT_DB"]
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
db = SQLAlchemy(app)


class _ValuesEnum(sa.Enum):
    def __init__(self, *enums, **kw):
        kw.setdefault("values_callable", lambda e: [m.value for m in e])
        super().__init__(*enums, **kw)


db.Enum = _ValuesEnum
