# project.py - Erweiterte Version

"""Project model for satellite projects."""
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from v_flask import db
from .enums import ProvisioningStatus, PaymentMethod

if TYPE_CHECKING:
    from .project_domain import ProjectDomain
    from .server import Server


class Project(db.Model):
    """Satellite project that can purchase and download plugins.

    Each project has a unique API key for authentication.
    """

    __tablename__ = 'marketplace_project'

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    slug = db.Column(db.String(100), unique=True, nullable=False, index=True)
    owner_email = db.Column(db.String(255), nullable=False)
    api_key = db.Column(db.String(100), unique=True, nullable=False, index=True)
    is_active = db.Column(db.Boolean, default=True, nullable=False)

    # Superadmin projects can see alpha/beta plugins (V-Flask internal projects)
    is_superadmin = db.Column(db.Boolean, default=False, nullable=False)

    # Project type (for pricing tiers)
    project_type_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_project_type.id'),
        nullable=True,
        index=True
    )

    # Trial period tracking
    trial_start_date = db.Column(db.DateTime, nullable=True)
    trial_end_date = db.Column(db.DateTime, nullable=True)

    # ============================================================
    # NEU: Provisioning-Felder
    # ============================================================
    
    provisioning_status = db.Column(
        db.Enum(ProvisioningStatus),
        default=ProvisioningStatus.DRAFT,
        nullable=False,
        index=True
    )
    provisioning_started_at = db.Column(db.DateTime, nullable=True)
    provisioning_completed_at = db.Column(db.DateTime, nullable=True)
    provisioning_error = db.Column(db.Text, nullable=True)
    provisioning_retry_count = db.Column(db.Integer, default=0, nullable=False)
    
    # Coolify-Referenzen
    coolify_project_uuid = db.Column(db.String(100), nullable=True, index=True)
    coolify_app_uuid = db.Column(db.String(100), nullable=True, index=True)
    coolify_environment_uuid = db.Column(db.String(100), nullable=True)
    
    # Server-Zuweisung
    server_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_server.id'),
        nullable=True,
        index=True
    )
    
    # Demo/Preview
    is_demo = db.Column(db.Boolean, default=False, nullable=False)
    cloned_from_project_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_project.id'),
        nullable=True
    )
    preview_protection_enabled = db.Column(db.Boolean, default=False, nullable=False)
    
    # Billing
    payment_method = db.Column(
        db.Enum(PaymentMethod),
        default=PaymentMethod.INVOICE,
        nullable=False
    )
    stripe_customer_id = db.Column(db.String(100), nullable=True)
    stripe_subscription_id = db.Column(db.String(100), nullable=True)
    billing_email = db.Column(db.String(255), nullable=True)
    
    # Bundle (wenn über Bundle gekauft)
    bundle_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_bundle.id'),
        nullable=True
    )

    # ============================================================
    # Ende NEU
    # ============================================================

    created_at = db.Column(
        db.DateTime,
        default=lambda: datetime.now(timezone.utc),
        nullable=False
    )
    updated_at = db.Column(
        db.DateTime,
        default=lambda: datetime.now(timezone.utc),
        onupdate=lambda: datetime.now(timezone.utc),
        nullable=False
    )

    # Relationships (bestehend)
    licenses = db.relationship('License', back_populates='project', lazy='dynamic')
    orders = db.relationship('Order', back_populates='project', lazy='dynamic')
    project_type = db.relationship('ProjectType', back_populates='projects')
    
    # Relationships (neu)
    domains = db.relationship(
        'ProjectDomain',
        back_populates='project',
        lazy='dynamic',
        cascade='all, delete-orphan'
    )
    server = db.relationship('Server', back_populates='projects')
    cloned_from = db.relationship(
        'Project',
        remote_side=[id],
        backref='clones'
    )
    bundle = db.relationship('Bundle', back_populates='projects')
    provisioning_logs = db.relationship(
        'ProvisioningLog',
        back_populates='project',
        lazy='dynamic',
        order_by='desc(ProvisioningLog.created_at)'
    )
    preview_accesses = db.relationship(
        'PreviewAccess',
        back_populates='project',
        lazy='dynamic',
        cascade='all, delete-orphan'
    )

    def __repr__(self) -> str:
        return f'<Project {self.name}>'

    # ============================================================
    # NEU: Properties und Methoden
    # ============================================================

    @property
    def primary_domain(self) -> 'ProjectDomain | None':
        """Get the primary domain for this project."""
        return self.domains.filter_by(is_primary=True).first()
    
    @property
    def primary_domain_name(self) -> str | None:
        """Get the primary domain name as string."""
        domain = self.primary_domain
        return domain.full_domain if domain else None
    
    @property
    def is_provisioning(self) -> bool:
        """Check if project is currently being provisioned."""
        return self.provisioning_status in (
            ProvisioningStatus.PENDING_DOMAIN,
            ProvisioningStatus.PROVISIONING,
            ProvisioningStatus.BOOTSTRAPPING,
        )
    
    @property
    def is_live(self) -> bool:
        """Check if project is live and accessible."""
        return self.provisioning_status == ProvisioningStatus.ACTIVE
    
    @property
    def can_retry_provisioning(self) -> bool:
        """Check if provisioning can be retried."""
        return (
            self.provisioning_status == ProvisioningStatus.ERROR
            and self.provisioning_retry_count < 3
        )
    
    def set_provisioning_error(self, error: str) -> None:
        """Set provisioning error and increment retry count."""
        self.provisioning_status = ProvisioningStatus.ERROR
        self.provisioning_error = error
        self.provisioning_retry_count += 1
        db.session.commit()
    
    def clear_provisioning_error(self) -> None:
        """Clear provisioning error for retry."""
        self.provisioning_error = None
        db.session.commit()

    # ============================================================
    # Bestehende Properties (unverändert)
    # ============================================================

    @property
    def can_see_dev_plugins(self) -> bool:
        """Check if project can see alpha/beta plugins."""
        return self.is_superadmin

    @property
    def active_licenses(self):
        """Get all active (non-expired) licenses."""
        from .standins import License
        now = datetime.now(timezone.utc)
        return self.licenses.filter(
            (License.expires_at.is_(None)) | (License.expires_at > now)
        ).all()

    def has_license_for(self, plugin_name: str) -> bool:
        """Check if project has an active license for a plugin."""
        from .standins import License, LICENSE_STATUS_ACTIVE, LICENSE_STATUS_TRIAL
        now = datetime.now(timezone.utc)
        return self.licenses.filter(
            License.plugin_name == plugin_name,
            License.status.in_([LICENSE_STATUS_ACTIVE, LICENSE_STATUS_TRIAL]),
            (License.expires_at.is_(None)) | (License.expires_at > now)
        ).count() > 0

    @property
    def is_in_trial(self) -> bool:
        """Check if project is currently in trial period."""
        if not self.trial_start_date or not self.trial_end_date:
            return False
        now = datetime.now(timezone.utc)
        return self.trial_start_date <= now <= self.trial_end_date

    @property
    def is_trial_expired(self) -> bool:
        """Check if trial period has expired."""
        if not self.trial_end_date:
            return False
        return datetime.now(timezone.utc) > self.trial_end_date

    @property
    def trial_days_remaining(self) -> int | None:
        """Get remaining trial days, or None if not in trial."""
        if not self.trial_end_date:
            return None
        now = datetime.now(timezone.utc)
        if now > self.trial_end_date:
            return 0
        delta = self.trial_end_date - now
        return max(0, delta.days)

    def start_trial(self, days: int | None = None) -> bool:
        """Start trial period for this project."""
        from datetime import timedelta

        if days is None:
            if not self.project_type or not self.project_type.has_trial:
                return False
            days = self.project_type.trial_days

        if days <= 0:
            return False

        now = datetime.now(timezone.utc)
        self.trial_start_date = now
        self.trial_end_date = now + timedelta(days=days)
        db.session.commit()
        return True
