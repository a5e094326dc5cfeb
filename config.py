"""Configuration defaults that need no editing; the instance folder keeps what is secret."""
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path


def load_secret_key(instance_path: str) -> str:
    """Return the secret key kept in instance/secret_key, creating it on first start."""
    return read_or_create(Path(instance_path) / "secret_key", lambda: secrets.token_hex(32))


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The text of an owner-only file, written with make() if it does not exist yet.
    Created exclusively: several server processes starting together on a fresh checkout
    all read the one text the first of them wrote."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(make())
    for _ in range(50):  # another process may be between creating the file and writing it
        text = path.read_text().strip()
        if text:
            return text
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty: delete it and start again")


def _flag(name: str, default: str = "") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes")


def delivery_config() -> dict:
    """How notices reach parents outside the app (services.notices). E-mail goes through
    the school's own SMTP relay; without TABEL_SMTP_HOST there is no e-mail at all and the
    settings page offers none. STARTTLS is on unless TABEL_SMTP_STARTTLS=0 (a relay on the
    same machine); TABEL_SMTP_SSL=1 for a relay that speaks TLS from the start (port 465)."""
    ssl = _flag("TABEL_SMTP_SSL")
    starttls = not ssl and _flag("TABEL_SMTP_STARTTLS", "1")
    return {
        "SMTP_HOST": os.environ.get("TABEL_SMTP_HOST", "").strip(),
        "SMTP_PORT": int(os.environ.get("TABEL_SMTP_PORT") or (465 if ssl else 587 if starttls
                                                               else 25)),
        "SMTP_USER": os.environ.get("TABEL_SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("TABEL_SMTP_PASSWORD", ""),
        "SMTP_FROM": os.environ.get("TABEL_SMTP_FROM", "").strip(),
        "SMTP_STARTTLS": starttls,
        "SMTP_SSL": ssl,
        # Web Push: who the push services may write to about this server (mailto: or https:);
        # by default the sender address, else the school's server address.
        "VAPID_SUBJECT": os.environ.get("TABEL_VAPID_SUBJECT", "").strip(),
        # The school's own VAPID key pair, made on first use; None: instance/vapid_private.pem.
        "VAPID_KEY_FILE": os.environ.get("TABEL_VAPID_KEY_FILE") or None,
    }


def default_config(instance_path: str) -> dict:
    """The settings a fresh checkout runs with; DATABASE_URL overrides the SQLite file,
    TABEL_HTTPS=1 and TABEL_PROXIES=N describe a server behind https (blueprints.server)."""
    sqlite_path = Path(instance_path) / "tabel.sqlite3"
    https = _flag("TABEL_HTTPS")
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
        **delivery_config(),
    }
