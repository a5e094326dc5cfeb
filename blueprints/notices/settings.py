"""A parent's notice settings: which kinds, push on this browser, e-mail (issue 20)."""
from blueprints.notices.routes import bp  # noqa: F401
