"""Configuration defaults that need no editing; the instance folder keeps what is secret."""
import os
import secrets
import time
from pathlib import Path


def load_secret_key(instance_path: str) -> str:
    """Return the secret key kept in instance/secret_key, creating it on first start.
    Created exclusively and owner-only: several server processes starting together on a
    fresh checkout all read the one key the first of them wrote."""
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    for _ in range(50):  # another process may be between creating the file and writing it
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty: delete it and start again")


def default_config(instance_path: str) -> dict:
    """The settings a fresh checkout runs with; DATABASE_URL overrides the SQLite file,
    TABEL_HTTPS=1 and TABEL_PROXIES=N describe a server behind https (blueprints.server)."""
    sqlite_path = Path(instance_path) / "tabel.sqlite3"
    https = os.environ.get("TABEL_HTTPS", "") in ("1", "true", "yes")
    return {
        "PROXIES": int(os.environ.get("TABEL_PROXIES") or 0),
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TABEL_TIMEZONE", "Asia/Almaty"),
        "LANGUAGES": ("ru", "kk"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A remembered sign-in lasts a month (services.accounts.sessions), not Flask-Login's year.
        "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
        "WTF_CSRF_TIME_LIMIT": None,
        "SEND_FILE_MAX_AGE_DEFAULT": 365 * 24 * 3600,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    }
