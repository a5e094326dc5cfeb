"""What a school's server adds around every request: a request id in the logs and on the
error page (never a stack trace, SQL or a path for the user), Secure cookies and HSTS over
https, the client's real address behind a reverse proxy, and owner-only files in instance/.

Settings (environment, read by config.default_config): TABEL_HTTPS=1 when people reach the
journal over https (cookies only over https, HSTS); TABEL_PROXIES=N when N reverse proxies
(nginx, a school district's gateway) stand in front and set X-Forwarded-For/-Proto/-Host.
"""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

HSTS = "max-age=31536000"


class _RequestIdFilter(logging.Filter):
    """Prefix each log line written during a request with its id and the user's id (no
    names: nothing personal goes to the logs beyond user ids)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and "request_id" in g:
            user = getattr(current_user, "id", None) if current_user else None
            record.msg = f"[request {g.request_id} user {user or '-'}] {record.msg}"
        return True


def init_server(app: Flask) -> None:
    proxies = app.config.get("PROXIES") or 0
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.logger.addFilter(_RequestIdFilter())
    app.before_request(_request_id)
    app.after_request(_headers)
    if not app.testing:
        lock_instance(Path(app.instance_path))


def _request_id() -> None:
    g.request_id = secrets.token_hex(6)


def _headers(response):
    if "request_id" in g:
        response.headers["X-Request-Id"] = g.request_id
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def lock_instance(folder: Path) -> None:
    """instance/ holds the database, attachments, backups and the secret key: readable by
    the server's own account only (0700 folders, 0600 files), whatever the umask was when
    they were made."""
    if not folder.is_dir():
        return
    folder.chmod(0o700)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            _chmod(Path(root, name), 0o700)
        for name in files:
            _chmod(Path(root, name), 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if not path.is_symlink() and path.stat().st_mode & 0o777 != mode:
            path.chmod(mode)
    except OSError:  # a file another account owns (a mounted share): leave it
        pass
