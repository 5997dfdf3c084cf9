# enums.py

import enum

class ProvisioningStatus(enum.Enum):
    """Status des Provisionierungs-Prozesses."""
    
    DRAFT = 'draft'
    """Projekt angelegt, Fragebogen nicht abgeschlossen."""
    
    PENDING_PAYMENT = 'pending_payment'
    """Wartet auf Zahlungsbestätigung."""
    
    PENDING_DOMAIN = 'pending_domain'
    """Domain-Registrierung oder Transfer läuft."""
    
    PROVISIONING = 'provisioning'
    """Coolify-Deployment wird erstellt."""
    
    BOOTSTRAPPING = 'bootstrapping'
    """vrs-core startet und lädt Plugins."""
    
    ACTIVE = 'active'
    """Projekt ist live und erreichbar."""
    
    SUSPENDED = 'suspended'
    """Temporär deaktiviert (z.B. Zahlungsproblem)."""
    
    ARCHIVED = 'archived'
    """Projekt wurde beendet/archiviert."""
    
    ERROR = 'error'
    """Fehler bei Provisionierung."""


class DomainType(enum.Enum):
    """Art der Domain-Zuweisung."""
    
    SUBDOMAIN = 'subdomain'
    """Subdomain unter einer Basis-Domain (z.B. projekt.vrs.gmbh)."""
    
    OWNED = 'owned'
    """Bereits bei uns registrierte Domain."""
    
    REGISTERED = 'registered'
    """Neu über INWX registrierte Domain."""
    
    TRANSFERRED = 'transferred'
    """Von anderem Registrar zu INWX transferiert."""


class DomainStatus(enum.Enum):
    """Status einer Domain."""
    
    PENDING_REGISTRATION = 'pending_registration'
    """Domain-Registrierung läuft."""
    
    PENDING_TRANSFER = 'pending_transfer'
    """Domain-Transfer läuft."""
    
    PENDING_DNS = 'pending_dns'
    """DNS-Records werden angelegt."""
    
    ACTIVE = 'active'
    """Domain ist aktiv und konfiguriert."""
    
    EXPIRED = 'expired'
    """Domain ist abgelaufen."""
    
    SUSPENDED = 'suspended'
    """Domain ist suspendiert."""


class PaymentMethod(enum.Enum):
    """Zahlungsmethode für ein Projekt."""
    
    STRIPE_PREPAID = 'stripe_prepaid'
    """Vorauszahlung via Stripe."""
    
    STRIPE_SUBSCRIPTION = 'stripe_subscription'
    """Stripe-Abo (monatlich/jährlich)."""
    
    INVOICE = 'invoice'
    """Zahlung per Rechnung."""
    
    FREE = 'free'
    """Kostenloses Projekt (intern)."""


class ServerStatus(enum.Enum):
    """Status eines Servers."""
    
    PROVISIONING = 'provisioning'
    """Server wird erstellt."""
    
    ACTIVE = 'active'
    """Server ist aktiv und erreichbar."""
    
    MAINTENANCE = 'maintenance'
    """Server ist in Wartung."""
    
    OFFLINE = 'offline'
    """Server ist nicht erreichbar."""
