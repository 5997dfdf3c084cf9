# project_domain.py

"""ProjectDomain model for project domain management."""
from datetime import datetime, timezone

from v_flask import db
from .enums import DomainType, DomainStatus


class ProjectDomain(db.Model):
    """Domain(s) assigned to a project.
    
    A project can have multiple domains, but only one primary.
    """

    __tablename__ = 'marketplace_project_domain'

    id = db.Column(db.Integer, primary_key=True)
    
    project_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_project.id'),
        nullable=False,
        index=True
    )
    
    # Full domain name (e.g., "projekt.vrs.gmbh" or "example.com")
    domain = db.Column(db.String(255), unique=True, nullable=False, index=True)
    
    # Domain type
    domain_type = db.Column(
        db.Enum(DomainType),
        nullable=False
    )
    
    # Domain status
    status = db.Column(
        db.Enum(DomainStatus),
        default=DomainStatus.PENDING_DNS,
        nullable=False,
        index=True
    )
    
    # Whether this is the primary domain
    is_primary = db.Column(db.Boolean, default=True, nullable=False)
    
    # ============================================================
    # Subdomain-specific fields
    # ============================================================
    
    # Reference to base domain (for subdomains)
    base_domain_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_base_domain.id'),
        nullable=True,
        index=True
    )
    
    # Subdomain part (e.g., "projekt" for "projekt.vrs.gmbh")
    subdomain = db.Column(db.String(100), nullable=True)
    
    # ============================================================
    # INWX references
    # ============================================================
    
    # INWX domain object ID (for registered/transferred domains)
    inwx_domain_id = db.Column(db.Integer, nullable=True)
    
    # INWX DNS record IDs (stored as JSON for multiple records)
    # Format: {"a": 123, "www": 456, "aaaa": 789}
    inwx_record_ids = db.Column(db.JSON, nullable=True)
    
    # ============================================================
    # Registration/Transfer fields
    # ============================================================
    
    # Auth code for transfers (encrypted in production!)
    transfer_auth_code = db.Column(db.String(255), nullable=True)
    
    # Registration/renewal costs (in cents)
    registration_cost_cents = db.Column(db.Integer, nullable=True)
    renewal_cost_cents = db.Column(db.Integer, nullable=True)
    
    # Domain expiration
    expires_at = db.Column(db.DateTime, nullable=True)
    
    # ============================================================
    # SSL fields
    # ============================================================
    
    ssl_provisioned = db.Column(db.Boolean, default=False, nullable=False)
    ssl_expires_at = db.Column(db.DateTime, nullable=True)
    
    # ============================================================
    # Timestamps
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

    # Relationships
    project = db.relationship('Project', back_populates='domains')
    base_domain = db.relationship('BaseDomain', back_populates='project_domains')

    # Constraints
    __table_args__ = (
        # Unique subdomain per base domain
        db.UniqueConstraint(
            'base_domain_id', 'subdomain',
            name='uq_base_domain_subdomain'
        ),
    )

    def __repr__(self) -> str:
        return f'<ProjectDomain {self.domain}>'

    @property
    def full_domain(self) -> str:
        """Get the full domain name."""
        if self.domain_type == DomainType.SUBDOMAIN and self.base_domain:
            return f'{self.subdomain}.{self.base_domain.domain}'
        return self.domain
    
    @property
    def is_subdomain(self) -> bool:
        """Check if this is a subdomain."""
        return self.domain_type == DomainType.SUBDOMAIN
    
    @property
    def is_active(self) -> bool:
        """Check if domain is active."""
        return self.status == DomainStatus.ACTIVE
    
    @property
    def is_pending(self) -> bool:
        """Check if domain is in any pending state."""
        return self.status in (
            DomainStatus.PENDING_REGISTRATION,
            DomainStatus.PENDING_TRANSFER,
            DomainStatus.PENDING_DNS,
        )
    
    def get_inwx_record_id(self, record_type: str) -> int | None:
        """Get INWX record ID for a specific record type."""
        if not self.inwx_record_ids:
            return None
        return self.inwx_record_ids.get(record_type.lower())
    
    def set_inwx_record_id(self, record_type: str, record_id: int) -> None:
        """Set INWX record ID for a specific record type."""
        if self.inwx_record_ids is None:
            self.inwx_record_ids = {}
        self.inwx_record_ids[record_type.lower()] = record_id
    
    @classmethod
    def create_subdomain(
        cls,
        project_id: int,
        subdomain: str,
        base_domain_id: int | None = None
    ) -> 'ProjectDomain':
        """Create a subdomain entry.
        
        Args:
            project_id: ID of the project
            subdomain: Subdomain part (e.g., "mein-projekt")
            base_domain_id: ID of base domain, or None for default
        
        Returns:
            Created ProjectDomain instance
        """
        if base_domain_id is None:
            from .base_domain import BaseDomain
            default = BaseDomain.get_default()
            if not default:
                raise ValueError("No default base domain configured")
            base_domain_id = default.id
        
        from .base_domain import BaseDomain
        base = BaseDomain.query.get(base_domain_id)
        
        domain = cls(
            project_id=project_id,
            domain=f'{subdomain}.{base.domain}',
            domain_type=DomainType.SUBDOMAIN,
            status=DomainStatus.PENDING_DNS,
            is_primary=True,
            base_domain_id=base_domain_id,
            subdomain=subdomain,
        )
        
        db.session.add(domain)
        db.session.commit()
        return domain
