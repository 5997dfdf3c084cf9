"""The model specification's classes (seed-models.md, copied verbatim into the
files named after its code blocks) and minimal stand-ins for the "existing"
models it references without spelling out: ProjectType, PluginMeta, PluginPrice,
License, Order (standins.py)."""

from .standins import License, Order, PluginMeta, PluginPrice, ProjectType  # noqa: F401
from .enums import (DomainStatus, DomainType, PaymentMethod,  # noqa: F401
                    ProvisioningStatus, ServerStatus)
from .base_domain import BaseDomain  # noqa: F401
from .server import Server  # noqa: F401
from .bundle import Bundle  # noqa: F401
from .project import Project  # noqa: F401
from .project_domain import ProjectDomain  # noqa: F401
from .provisioning_log import ProvisioningLog  # noqa: F401
from .preview_access import PreviewAccess  # noqa: F401
