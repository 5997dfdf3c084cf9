# bundle.py

"""Bundle model for plugin bundles (VORSCHLAG).

WICHTIG: Dieses Model ist ein Vorschlag. Es muss geprüft werden,
inwieweit bereits Planung oder Code für Bundles existiert.
Diese Definition soll als Ausgangspunkt dienen.
"""
from datetime import datetime, timezone

from v_flask import db


# Association table for Bundle <-> Plugin
bundle_plugins = db.Table(
    'marketplace_bundle_plugins',
    db.Column('bundle_id', db.Integer, db.ForeignKey('marketplace_bundle.id'), primary_key=True),
    db.Column('plugin_id', db.Integer, db.ForeignKey('marketplace_plugin_meta.id'), primary_key=True),
)


class Bundle(db.Model):
    """Plugin bundle for a project type.
    
    A bundle is a predefined combination of plugins offered
    at a combined price for a specific project type.
    
    VORSCHLAG - mit existierender Planung abgleichen!
    """

    __tablename__ = 'marketplace_bundle'

    id = db.Column(db.Integer, primary_key=True)
    
    # Bundle identifier
    code = db.Column(db.String(50), unique=True, nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    description = db.Column(db.Text, nullable=True)
    
    # Associated project type
    project_type_id = db.Column(
        db.Integer,
        db.ForeignKey('marketplace_project_type.id'),
        nullable=False,
        index=True
    )
    
    # Whether this is the default bundle for the project type
    is_default = db.Column(db.Boolean, default=False, nullable=False)
    
    # Billing
    billing_cycle = db.Column(
        db.String(20),
        default='monthly',
        nullable=False
    )  # once, monthly, yearly
    
    # Discount (optional - price is sum of plugin prices minus discount)
    discount_percent = db.Column(db.Integer, default=0, nullable=False)
    
    # Status
    is_active = db.Column(db.Boolean, default=True, nullable=False)
    
    # Display
    sort_order = db.Column(db.Integer, default=0, nullable=False)
    
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
    project_type = db.relationship('ProjectType', backref='bundles')
    plugins = db.relationship(
        'PluginMeta',
        secondary=bundle_plugins,
        backref='bundles'
    )
    projects = db.relationship('Project', back_populates='bundle', lazy='dynamic')

    def __repr__(self) -> str:
        return f'<Bundle {self.code}: {self.name}>'

    @property
    def plugin_names(self) -> list[str]:
        """Get list of plugin names in this bundle."""
        return [p.name for p in self.plugins]
    
    @property
    def total_price_cents(self) -> int:
        """Calculate total price (sum of plugin prices minus discount).
        
        Uses PluginPrice for the associated project type.
        """
        from .standins import PluginPrice
        
        total = 0
        for plugin in self.plugins:
            price = PluginPrice.get_for_plugin_and_type(
                plugin_id=plugin.id,
                project_type_id=self.project_type_id,
                billing_cycle=self.billing_cycle
            )
            if price:
                total += price.price_cents
        
        # Apply discount
        if self.discount_percent > 0:
            total = int(total * (100 - self.discount_percent) / 100)
        
        return total
    
    @property
    def price_display(self) -> str:
        """Get formatted price for display."""
        cents = self.total_price_cents
        if cents == 0:
            return 'Kostenlos'
        
        euros = cents / 100
        formatted = f'{euros:.2f} €'.replace('.', ',')
        
        suffix_map = {
            'once': '',
            'monthly': '/Monat',
            'yearly': '/Jahr',
        }
        return formatted + suffix_map.get(self.billing_cycle, '')
    
    @classmethod
    def get_for_project_type(cls, project_type_id: int) -> list['Bundle']:
        """Get all active bundles for a project type."""
        return cls.query.filter_by(
            project_type_id=project_type_id,
            is_active=True
        ).order_by(cls.sort_order).all()
    
    @classmethod
    def get_default_for_project_type(cls, project_type_id: int) -> 'Bundle | None':
        """Get the default bundle for a project type."""
        return cls.query.filter_by(
            project_type_id=project_type_id,
            is_default=True,
            is_active=True
        ).first()
