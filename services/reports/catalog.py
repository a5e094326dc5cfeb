"""Every report module, imported so that each registers itself (services.reports.registry)."""
