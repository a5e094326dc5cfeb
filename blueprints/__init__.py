"""Feature blueprints; each folder holds routes.py (thin views) and forms.py."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from blueprints.auth.routes import bp as auth_bp
    from blueprints.home.routes import bp as home_bp

    for bp in (auth_bp, home_bp):
        app.register_blueprint(bp)
