"""Every report module, imported so that each registers itself (services.reports.registry)."""
from services.reports import (  # noqa: F401
    activity,
    attendance,
    dashboard,
    extract,
    hardcopy,
    period_close,
    progress,
    quality,
    summative,
)
