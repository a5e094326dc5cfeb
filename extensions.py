"""Flask extensions, created once here and bound to the app in create_app()."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic's batch migrations on SQLite predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay loaded after a commit: a request ends soon after it commits, and re-reading
# the signed-in account for the response headers would cost two queries per save.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()


def _fold(text: str | None) -> str | None:
    return text.casefold() if text is not None else None


def sqlite_pragmas(dbapi_connection, _record) -> None:
    """Foreign keys on, WAL journal, a busy timeout and NORMAL sync for every SQLite link,
    and tabel_fold(), a casefold SQLite lacks (its lower() folds ASCII only: searching
    "антонова" must find "Антонова", "әлия" must find "Әлия")."""
    dbapi_connection.create_function("tabel_fold", 1, _fold, deterministic=True)
    # The driver's own implicit BEGIN is off: services.transactions.begin says which kind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("foreign_keys = ON", "journal_mode = WAL", "busy_timeout = 5000",
                   "synchronous = NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def postgresql_utc(dbapi_connection, _record) -> None:
    """Stored instants are naive UTC: the session's zone is UTC, or PostgreSQL would shift
    every aware value written into the server's own zone (Asia/Almaty on a Kazakh machine)."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
    dbapi_connection.commit()
