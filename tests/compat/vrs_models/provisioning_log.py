# provisioning_log.py

"""ProvisioningLog model for audit trail of provisioning actions."""
from datetime import datetime, timezone

from v_flask import db


class ProvisioningLog(db.Model):
    """Audit trail for provisioning actions.
    
    Records all steps during project provisioning for debugging
    and support purposes.
    """

    __tablename__ = 'marketplace_provisioning_log'

    id = db.Column(db.Integer, primary_key=True)
    
    project_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_project.id'),
        nullable=False,
        index=True
    )
    
    # Action type
    action = db.Column(
        db.String(50),
        nullable=False,
        index=True
    )
    # Actions: dns_created, dns_failed, coolify_project_created, 
    # coolify_app_created, deployment_started, deployment_completed,
    # bootstrap_started, bootstrap_completed, health_check_passed,
    # health_check_failed, error, retry, status_changed, etc.
    
    # Status before/after
    old_status = db.Column(db.String(50), nullable=True)
    new_status = db.Column(db.String(50), nullable=True)
    
    # Details
    message = db.Column(db.Text, nullable=True)
    error_details = db.Column(db.Text, nullable=True)
    
    # External references (for debugging)
    external_id = db.Column(db.String(255), nullable=True)  # e.g., Coolify deployment ID
    external_service = db.Column(db.String(50), nullable=True)  # e.g., "coolify", "inwx"
    
    # Metadata
    metadata_json = db.Column(db.JSON, nullable=True)
    
    # Who/what triggered this
    triggered_by = db.Column(db.String(255), nullable=True)  # email or "system"
    
    created_at = db.Column(
        db.DateTime,
        default=lambda: datetime.now(timezone.utc),
        nullable=False,
        index=True
    )

    # Relationships
    project = db.relationship('Project', back_populates='provisioning_logs')

    __table_args__ = (
        db.Index('idx_prov_log_project_created', 'project_id', 'created_at'),
    )

    def __repr__(self) -> str:
        return f'<ProvisioningLog {self.project_id}: {self.action}>'

    @classmethod
    def log(
        cls,
        project_id: int,
        action: str,
        message: str | None = None,
        old_status: str | None = None,
        new_status: str | None = None,
        error_details: str | None = None,
        external_id: str | None = None,
        external_service: str | None = None,
        triggered_by: str | None = None,
        metadata: dict | None = None,
    ) -> 'ProvisioningLog':
        """Create a new log entry.
        
        Args:
            project_id: ID of the project
            action: Action type
            message: Human-readable message
            old_status: Previous status
            new_status: New status
            error_details: Error details if applicable
            external_id: External service ID
            external_service: Name of external service
            triggered_by: Who triggered this action
            metadata: Additional metadata as dict
        
        Returns:
            Created ProvisioningLog entry
        """
        entry = cls(
            project_id=project_id,
            action=action,
            message=message,
            old_status=old_status,
            new_status=new_status,
            error_details=error_details,
            external_id=external_id,
            external_service=external_service,
            triggered_by=triggered_by or 'system',
            metadata_json=metadata,
        )
        
        db.session.add(entry)
        db.session.commit()
        return entry

    @classmethod
    def get_for_project(
        cls,
        project_id: int,
        limit: int = 100
    ) -> list['ProvisioningLog']:
        """Get log entries for a project, newest first."""
        return cls.query.filter_by(
            project_id=project_id
        ).order_by(
            cls.created_at.desc()
        ).limit(limit).all()
