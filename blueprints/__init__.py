"""Feature blueprints; each folder holds routes.py (thin views) and forms.py."""
from flask import Flask


def register_blueprints(app: Flask) -> None:
    from blueprints.accounts.routes import bp as accounts_bp
    from blueprints.admin.routes import bp as admin_bp
    from blueprints.audit.routes import bp as audit_bp
    from blueprints.auth.routes import bp as auth_bp
    from blueprints.backups.routes import bp as backups_bp
    from blueprints.changelog.routes import bp as changelog_bp
    from blueprints.corrections.routes import bp as corrections_bp
    from blueprints.diary.routes import bp as diary_bp
    from blueprints.exams.routes import bp as exams_bp
    from blueprints.groups.routes import bp as groups_bp
    from blueprints.home.routes import bp as home_bp
    from blueprints.journal.routes import bp as journal_bp
    from blueprints.lessons.routes import bp as lessons_bp
    from blueprints.load.routes import bp as load_bp
    from blueprints.messages.routes import bp as messages_bp
    from blueprints.news.routes import bp as news_bp
    from blueprints.notices.routes import bp as notices_bp
    from blueprints.people.routes import bp as people_bp
    from blueprints.privacy.routes import bp as privacy_bp
    from blueprints.readiness.routes import bp as readiness_bp
    from blueprints.reports.routes import bp as reports_bp
    from blueprints.timetable.routes import bp as timetable_bp
    from blueprints.yearclose.routes import bp as yearclose_bp

    for bp in (auth_bp, diary_bp, home_bp, admin_bp, lessons_bp, journal_bp, people_bp,
               accounts_bp, load_bp, readiness_bp, exams_bp, yearclose_bp, timetable_bp,
               groups_bp, corrections_bp, changelog_bp, audit_bp, reports_bp, backups_bp,
               privacy_bp, messages_bp, news_bp, notices_bp):
        app.register_blueprint(bp)
