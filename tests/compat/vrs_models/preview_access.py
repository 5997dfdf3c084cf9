# preview_access.py

"""PreviewAccess model for demo project access control."""
from datetime import datetime, timezone, timedelta
import secrets

from v_flask import db


class PreviewAccess(db.Model):
    """Access token for preview-protected projects.
    
    Allows temporary access to demo projects via magic link or code.
    """

    __tablename__ = 'marketplace_preview_access'

    id = db.Column(db.Integer, primary_key=True)
    
    project_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_project.id'),
        nullable=False,
        index=True
    )
    
    # Access token (for magic links)
    token = db.Column(db.String(64), unique=True, nullable=False, index=True)
    
    # Short code (for manual entry)
    code = db.Column(db.String(6), nullable=True, index=True)
    
    # Who this access was created for
    email = db.Column(db.String(255), nullable=True)
    name = db.Column(db.String(100), nullable=True)
    
    # Validity
    expires_at = db.Column(db.DateTime, nullable=False)
    
    # Usage tracking
    is_used = db.Column(db.Boolean, default=False, nullable=False)
    used_at = db.Column(db.DateTime, nullable=True)
    used_ip = db.Column(db.String(45), nullable=True)
    
    # Whether this token allows multiple uses
    is_reusable = db.Column(db.Boolean, default=True, nullable=False)
    use_count = db.Column(db.Integer, default=0, nullable=False)
    
    # Notes
    notes = db.Column(db.Text, nullable=True)
    
    created_at = db.Column(
        db.DateTime,
        default=lambda: datetime.now(timezone.utc),
        nullable=False
    )
    created_by = db.Column(db.String(255), nullable=True)  # email of admin

    # Relationships
    project = db.relationship('Project', back_populates='preview_accesses')

    def __repr__(self) -> str:
        return f'<PreviewAccess {self.project_id}: {self.email or self.code}>'

    @property
    def is_valid(self) -> bool:
        """Check if this access token is still valid."""
        if datetime.now(timezone.utc) > self.expires_at:
            return False
        if not self.is_reusable and self.is_used:
            return False
        return True
    
    @property
    def magic_link(self) -> str:
        """Generate magic link URL."""
        # This would use the project's domain
        project_domain = self.project.primary_domain_name
        return f'https://{project_domain}/preview-access?token={self.token}'
    
    def mark_used(self, ip: str | None = None) -> None:
        """Mark this access as used."""
        self.is_used = True
        self.use_count += 1
        self.used_at = datetime.now(timezone.utc)
        self.used_ip = ip
        db.session.commit()
    
    @classmethod
    def create(
        cls,
        project_id: int,
        email: str | None = None,
        name: str | None = None,
        hours_valid: int = 48,
        is_reusable: bool = True,
        created_by: str | None = None,
    ) -> 'PreviewAccess':
        """Create a new preview access token.
        
        Args:
            project_id: ID of the project
            email: Email of the recipient (optional)
            name: Name of the recipient (optional)
            hours_valid: How many hours the token is valid
            is_reusable: Whether token can be used multiple times
            created_by: Email of admin who created this
        
        Returns:
            Created PreviewAccess instance
        """
        access = cls(
            project_id=project_id,
            token=secrets.token_urlsafe(48),
            code=cls._generate_code(),
            email=email,
            name=name,
            expires_at=datetime.now(timezone.utc) + timedelta(hours=hours_valid),
            is_reusable=is_reusable,
            created_by=created_by,
        )
        
        db.session.add(access)
        db.session.commit()
        return access
    
    @staticmethod
    def _generate_code() -> str:
        """Generate a 6-digit access code."""
        return ''.join(secrets.choice('0123456789') for _ in range(6))
    
    @classmethod
    def validate_token(cls, token: str) -> 'PreviewAccess | None':
        """Validate a token and return the access if valid."""
        access = cls.query.filter_by(token=token).first()
        if access and access.is_valid:
            return access
        return None
    
    @classmethod
    def validate_code(cls, project_id: int, code: str) -> 'PreviewAccess | None':
        """Validate a code for a specific project."""
        access = cls.query.filter_by(
            project_id=project_id,
            code=code
        ).first()
        if access and access.is_valid:
            return access
        return None
