# server.py

"""Server model for Hetzner VPS / Coolify server management."""
from datetime import datetime, timezone

from v_flask import db
from .enums import ServerStatus


class Server(db.Model):
    """Hetzner VPS server managed by Coolify.
    
    Each server can host multiple projects.
    """

    __tablename__ = 'marketplace_server'

    id = db.Column(db.Integer, primary_key=True)
    
    # Display name
    name = db.Column(db.String(100), nullable=False)
    
    # Coolify server UUID
    coolify_uuid = db.Column(db.String(100), unique=True, nullable=False, index=True)
    
    # Hetzner server ID (if created via Hetzner API)
    hetzner_server_id = db.Column(db.Integer, nullable=True)
    
    # Server status
    status = db.Column(
        db.Enum(ServerStatus),
        default=ServerStatus.ACTIVE,
        nullable=False,
        index=True
    )
    
    # Connection details
    ip_address = db.Column(db.String(45), nullable=False)  # IPv4 or IPv6
    ssh_port = db.Column(db.Integer, default=22, nullable=False)
    
    # Capacity
    max_projects = db.Column(db.Integer, default=20, nullable=False)
    
    # Hetzner details
    hetzner_server_type = db.Column(db.String(50), nullable=True)  # e.g., "cx31"
    hetzner_location = db.Column(db.String(50), nullable=True)  # e.g., "fsn1"
    
    # Whether new projects can be deployed to this server
    is_accepting_new = db.Column(db.Boolean, default=True, nullable=False)
    
    # Notes
    notes = db.Column(db.Text, nullable=True)
    
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
    projects = db.relationship('Project', back_populates='server', lazy='dynamic')

    def __repr__(self) -> str:
        return f'<Server {self.name} ({self.ip_address})>'

    @property
    def project_count(self) -> int:
        """Get number of projects on this server."""
        return self.projects.count()
    
    @property
    def available_slots(self) -> int:
        """Get number of available project slots."""
        return max(0, self.max_projects - self.project_count)
    
    @property
    def is_available(self) -> bool:
        """Check if server can accept new projects."""
        return (
            self.status == ServerStatus.ACTIVE
            and self.is_accepting_new
            and self.available_slots > 0
        )
    
    @classmethod
    def get_available(cls) -> list['Server']:
        """Get all servers that can accept new projects."""
        servers = cls.query.filter_by(
            status=ServerStatus.ACTIVE,
            is_accepting_new=True
        ).all()
        return [s for s in servers if s.available_slots > 0]
    
    @classmethod
    def get_least_loaded(cls) -> 'Server | None':
        """Get the server with the most available slots."""
        available = cls.get_available()
        if not available:
            return None
        return max(available, key=lambda s: s.available_slots)
