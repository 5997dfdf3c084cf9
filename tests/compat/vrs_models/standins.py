"""Minimal stand-ins for the models the specification calls existing: only the
columns and relationships its classes use, with the table layout vrsctl's schema
documents (src/state/schema.c). License and Order are the application's alone:
vrsctl never touches their tables."""

from datetime import datetime, timezone

from v_flask import db

LICENSE_STATUS_ACTIVE = "active"
LICENSE_STATUS_TRIAL = "trial"


def _now():
    return datetime.now(timezone.utc)


class ProjectType(db.Model):
    __tablename__ = "marketplace_project_type"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(50), unique=True, nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    description = db.Column(db.Text, nullable=True)
    trial_days = db.Column(db.Integer, default=0, nullable=False)
    has_trial = db.Column(db.Boolean, default=False, nullable=False)
    is_active = db.Column(db.Boolean, default=True, nullable=False)
    created_at = db.Column(db.DateTime, default=_now, nullable=False)
    updated_at = db.Column(db.DateTime, default=_now, onupdate=_now, nullable=False)
    projects = db.relationship("Project", back_populates="project_type")


class PluginMeta(db.Model):
    __tablename__ = "marketplace_plugin_meta"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), unique=True, nullable=False, index=True)
    display_name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=True)
    is_active = db.Column(db.Boolean, default=True, nullable=False)
    created_at = db.Column(db.DateTime, default=_now, nullable=False)
    updated_at = db.Column(db.DateTime, default=_now, onupdate=_now, nullable=False)


class PluginPrice(db.Model):
    __tablename__ = "marketplace_plugin_price"
    id = db.Column(db.Integer, primary_key=True)
    plugin_id = db.Column(db.Integer, db.ForeignKey("marketplace_plugin_meta.id"), nullable=False)
    project_type_id = db.Column(db.Integer, db.ForeignKey("marketplace_project_type.id"),
                                nullable=False, index=True)
    billing_cycle = db.Column(db.String(20), default="monthly", nullable=False)
    price_cents = db.Column(db.Integer, default=0, nullable=False)

    @classmethod
    def get_for_plugin_and_type(cls, plugin_id, project_type_id, billing_cycle):
        return cls.query.filter_by(plugin_id=plugin_id, project_type_id=project_type_id,
                                   billing_cycle=billing_cycle).first()


class License(db.Model):
    __tablename__ = "marketplace_license"
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.Integer, db.ForeignKey("marketplace_project.id"), nullable=False)
    plugin_name = db.Column(db.String(100), nullable=False)
    status = db.Column(db.String(20), default=LICENSE_STATUS_ACTIVE, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=True)
    project = db.relationship("Project", back_populates="licenses")


class Order(db.Model):
    __tablename__ = "marketplace_order"
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.Integer, db.ForeignKey("marketplace_project.id"), nullable=False)
    total_cents = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, default=_now, nullable=False)
    project = db.relationship("Project", back_populates="orders")
