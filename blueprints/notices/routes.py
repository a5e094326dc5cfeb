from flask import Blueprint

bp = Blueprint("notices", __name__, url_prefix="/notices")

# The parent's delivery settings and the push subscription live in their own module.
from blueprints.notices import settings  # noqa: E402,F401
