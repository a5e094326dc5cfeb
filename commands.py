"""Command-line commands: `flask --app app demo` builds the demo school."""
from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from flask_migrate.cli import db as db_group
from sqlalchemy import inspect

from extensions import db
from services import demo


def register_commands(app: Flask) -> None:
    """Add the project's commands to `flask --app app`."""
    app.cli.add_command(demo_command)
    app.cli.add_command(school_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(notices_group)


@click.group("school")
def school_group() -> None:
    """A real school's own start (no demo data)."""


@school_group.command("create")
@click.option("--name", prompt="Full name of the school")
@click.option("--short-name", prompt="Short name")
@click.option("--timezone", default=lambda: os.environ.get("TABEL_TIMEZONE", "Asia/Almaty"),
              show_default="TABEL_TIMEZONE or Asia/Almaty", prompt="Time zone")
@click.option("--language", type=click.Choice(["ru", "kk"]), default="ru", show_default=True,
              prompt="Default language")
@click.option("--last-name", prompt="Administrator's last name")
@click.option("--first-name", prompt="Administrator's first name")
@click.option("--patronymic", default="", prompt="Administrator's patronymic (may be empty)")
@click.option("--sex", type=click.Choice(["f", "m"]), default="f", prompt="Sex (f/m)")
@click.option("--username", default="admin", show_default=True, prompt="Username")
@click.password_option("--password", prompt="Password (typed twice, never shown)")
@with_appcontext
def school_create(name: str, short_name: str, timezone: str, language: str, last_name: str,
                  first_name: str, patronymic: str, sex: str, username: str,
                  password: str) -> None:
    """Create the school card and its first administrator, and nothing else."""
    from services import setup
    from services.people.common import PeopleError, PersonData

    migrate_database()
    try:
        user = setup.create_school(setup.NewSchool(
            name, short_name, timezone, language,
            PersonData(last_name.strip(), first_name.strip(), patronymic.strip(), sex),
            username, password))
        db.session.commit()
    except PeopleError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Created {name}. Sign in as {user.username} and bring in the people "
               f"(Administration).")


def migrate_database() -> str:
    """Bring the database to the latest schema and say how.

    Runs the Alembic migrations; falls back to create_all() when there are no migration
    scripts yet, or when the tables were made by create_all() (tests) without Alembic.
    """
    directory = current_app.extensions["migrate"].directory
    versions = Path(directory) / "versions"
    if not versions.is_dir() or not any(versions.glob("*.py")):
        db.create_all()
        return "create_all"
    tables = set(inspect(db.engine).get_table_names())
    if tables and "alembic_version" not in tables:
        db.create_all()
        return "create_all"
    upgrade(directory=directory)
    return "upgrade"


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete all data first, then build the demo school.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (but print the accounts) when the database has data.")
@click.option("--accounts", "accounts_only", is_flag=True, help="Only print the demo accounts.")
@click.option("--pupils", type=click.IntRange(22, 2000), default=500, show_default=True,
              help="How many pupils (about 23 per class).")
@click.option("--weeks", type=click.IntRange(1, 60), default=None,
              help="School weeks of lessons from 1 September, all filled in "
                   "[default: up to today, plus next week's timetable].")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed.")
@with_appcontext
def demo_command(reset: bool, if_empty: bool, accounts_only: bool, pupils: int,
                 weeks: int | None, seed: int) -> None:
    """Fill the database with a generated demo school, dated relative to today."""
    if reset and if_empty:
        raise click.UsageError("--reset and --if-empty exclude each other.")
    migrate_database()
    if accounts_only:
        _print_accounts()
        return
    if demo.has_data():
        if if_empty:
            click.echo("The database already has data: the demo school was not built.")
            _print_accounts()
            return
        if not reset:
            click.echo("The database already has data: run `flask --app app demo --reset` "
                       "to delete everything and build the demo school.", err=True)
            click.get_current_context().exit(1)
    started = time.perf_counter()
    try:
        if reset:
            demo.reset_data()
        counts = demo.build_demo(pupils=pupils, weeks=weeks, seed=seed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Built the demo school in {time.perf_counter() - started:.1f} s: "
               f"{counts.get('pupil', 0)} pupils in {counts.get('school_class', 0)} classes, "
               f"{counts.get('staff', 0)} staff, {counts.get('lesson', 0)} lessons, "
               f"{counts.get('mark', 0)} marks, {counts.get('attendance', 0)} absences "
               f"and late arrivals.")
    _print_accounts()


def _print_accounts() -> None:
    accounts = demo.demo_accounts()
    if not accounts:
        click.echo("No demo accounts in this database.")
        return
    click.echo(f"Demo accounts (password: {demo.PASSWORD}):")
    width = max(len(a.username) for a in accounts)
    roles = max(len(a.roles) for a in accounts)
    for account in accounts:
        click.echo(f"  {account.username:<{width}}  {account.roles:<{roles}}  {account.who}")


@school_group.command("lessons")
@with_appcontext
def school_lessons() -> None:
    """Generate the current year's lessons from the timetable (issue 16): what the timetable
    page does on each save, for a whole year at once (e.g. after importing a timetable)."""
    from services import lesson_gen
    from services import school as school_service
    year = school_service.current_year()
    if year is None:
        raise click.ClickException("No current academic year.")
    result = lesson_gen.regenerate_year(year)
    db.session.commit()
    click.echo(f"{result.added} lessons added, {result.deleted} deleted, "
               f"{len(result.kept)} kept (they hold data the timetable no longer has).")


@click.command("backup")
@click.option("--keep-daily", default=14, show_default=True, help="Days whose newest copy is kept.")
@click.option("--keep-monthly", default=12, show_default=True,
              help="Months whose newest copy is kept.")
@click.option("--verify-restore", is_flag=True,
              help="Only the drill: restore the newest copy into a temporary place and compare.")
@with_appcontext
def backup_command(keep_daily: int, keep_monthly: int, verify_restore: bool) -> None:
    """Copy the live database and the attachments, check the copy, keep a rotation."""
    from services import backups
    if verify_restore:
        try:
            newest, restored, same = backups.verify_restore()
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"{newest}: restored into a temporary place, "
                   f"{sum(restored.tables.values())} rows, last entry {restored.last_change}: "
                   + ("the same as when it was made" if same else "DIFFERENT"))
        if not same:
            raise click.ClickException("The restore drill found a difference.")
        return
    try:
        made = backups.make_backup(keep_daily=keep_daily, keep_monthly=keep_monthly)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    for path, check in ((made.path, made.check), (made.mirror, made.mirror_check)):
        if path is not None and check is not None:
            state = "ok" if check.ok else f"FAILED ({check.integrity}; {check.mismatched})"
            click.echo(f"{path}: {check.size // 1024} KB, {sum(check.tables.values())} rows "
                       f"in {len(check.tables)} tables, check {state}")
    for name in made.removed:
        click.echo(f"removed by the rotation: {name}")
    if not made.ok:
        raise click.ClickException("The backup's check failed: the copy is kept for a look.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Put a backup folder back in place of the live database (stop the server first)."""
    from services import backups
    if not yes:
        click.confirm(f"Replace the live journal with {path}? The current one is kept aside",
                      abort=True)
    try:
        restored = backups.restore(path)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {path}; the journal before it is kept in {restored.aside}")
    click.echo(f"{sum(restored.tables.values())} rows, last entry {restored.last_change}: "
               + ", ".join(f"{n} {c}" for n, c in sorted(restored.tables.items()) if c))


@click.command("retention")
@click.option("--purge", is_flag=True, help="Delete what the dry run lists (asks first).")
@click.option("--yes", is_flag=True, help="With --purge: do not ask for confirmation.")
@with_appcontext
def retention_command(purge: bool, yes: bool) -> None:
    """List (by default) or purge what is older than the retention limits (001 VI)."""
    from services import retention
    plan = retention.make_plan()
    click.echo(f"journal details of years ended before {plan.journal_before}, final marks "
               f"of years ended before {plan.final_before}:")
    for item in plan.years:
        counts = ", ".join(f"{n} {kind}" for kind, n in item.counts.items() if n) or "nothing"
        click.echo(f"  {item.year.name}: {counts}" + (f" (kept: {item.refused})"
                                                       if item.refused else ""))
    if not plan.years:
        click.echo("  nothing is past the limits")
    if not purge:
        return
    if not yes:
        click.confirm("Delete these rows for good?", abort=True)
    try:
        counts, files = retention.purge(None, plan)
    except retention.RetentionError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    retention.remove_files(files)
    click.echo("purged: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))


@click.group("notices")
def notices_group() -> None:
    """Journal notices to parents outside the app (issue 20)."""


@notices_group.command("deliver")
@with_appcontext
def notices_deliver() -> None:
    """Push and e-mail the notices not sent yet (the worker does this every minute)."""
    from services.notices import deliver
    click.echo(str(deliver.deliver_pending()))


@db_group.command("copy-to")
@click.argument("target_url")
@click.option("--batch", default=1000, show_default=True, help="Rows per INSERT.")
@with_appcontext
def copy_to_command(target_url: str, batch: int) -> None:
    """Copy every row of this database into an empty one at TARGET_URL (its schema made by
    the migrations): moving a school from SQLite to PostgreSQL. Stop the server first."""
    from services import db_copy
    try:
        copied = db_copy.copy_to(target_url, batch,
                                 progress=lambda name, n: click.echo(f"{name}: {n}"))
    except db_copy.CopyError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"copied {sum(copied.values())} rows of {len(copied)} tables")
