# base_domain.py

"""BaseDomain model for managing base domains for subdomains."""
from datetime import datetime, timezone

from v_flask import db


class BaseDomain(db.Model):
    """Base domain that can be used for project subdomains.
    
    Example: If vrs.gmbh is a base domain, projects can use
    subdomains like projekt.vrs.gmbh.
    """

    __tablename__ = 'marketplace_base_domain'

    id = db.Column(db.Integer, primary_key=True)
    
    # Domain name (e.g., "vrs.gmbh")
    domain = db.Column(db.String(255), unique=True, nullable=False, index=True)
    
    # Display name for UI
    display_name = db.Column(db.String(100), nullable=False)
    
    # INWX reference (for the base domain itself)
    inwx_domain_id = db.Column(db.Integer, nullable=True)
    
    # Whether this base domain is available for new projects
    is_active = db.Column(db.Boolean, default=True, nullable=False)
    
    # Whether this is the default base domain
    is_default = db.Column(db.Boolean, default=False, nullable=False)
    
    # Sort order for display
    sort_order = db.Column(db.Integer, default=0, nullable=False)
    
    # Wildcard SSL certificate (if available)
    has_wildcard_ssl = db.Column(db.Boolean, default=False, nullable=False)
    
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
    project_domains = db.relationship(
        'ProjectDomain',
        back_populates='base_domain',
        lazy='dynamic'
    )

    def __repr__(self) -> str:
        return f'<BaseDomain {self.domain}>'

    @classmethod
    def get_default(cls) -> 'BaseDomain | None':
        """Get the default base domain."""
        return cls.query.filter_by(is_default=True, is_active=True).first()
    
    @classmethod
    def get_active(cls) -> list['BaseDomain']:
        """Get all active base domains ordered by sort_order."""
        return cls.query.filter_by(is_active=True).order_by(cls.sort_order).all()
    
    @classmethod
    def seed_defaults(cls) -> list['BaseDomain']:
        """Create default base domains if they don't exist."""
        defaults = [
            {
                'domain': 'vrs.gmbh',
                'display_name': 'VRS GmbH',
                'is_active': True,
                'is_default': True,
                'sort_order': 1,
            },
        ]

        created = []
        for data in defaults:
            existing = cls.query.filter_by(domain=data['domain']).first()
            if not existing:
                base_domain = cls(**data)
                db.session.add(base_domain)
                created.append(base_domain)

        if created:
            db.session.commit()

        return created
