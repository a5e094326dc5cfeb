"""Notices delivered outside the app (issue 20): one Web Push per parent per run, e-mail per
the parent's mode (each run's new notices in one letter, or a daily digest at the school's
hour). Run every minute by the worker (services.notice_jobs) and by `flask notices deliver`.

Each round first claims its notices with one UPDATE ... WHERE pushed_at (mailed_at) IS NULL
RETURNING, committed before anything is sent, so two workers never send a notice twice; no
lock is held while a push service or the mail relay answers. Every claimed notice counts as
handled, whoever it belongs to: a parent without push (or e-mail) has nothing sent, and one
who turns push on later hears of what comes next, not of a backlog. Only a temporary failure
gives the notices back for the next run, and a notice older than STALE is never sent (a
worker that was stopped for a week sends no flood when it starts).

Commits its own short transactions: this is a job, not a request's service.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy import delete, or_, select, update

from extensions import db
from models import Notice, NoticeSetting, PushSubscription, School, User
from services import clock, transactions
from services.notices import mail, push

log = logging.getLogger(__name__)
STALE = dt.timedelta(days=3)
# A browser whose push service failed this many runs in a row (not "gone") is dropped.
MAX_FAILURES = 30


@dataclass
class Delivered:
    """What a run did, for the command's output and the worker's log (counts only)."""

    pushes: int = 0
    push_failures: int = 0
    browsers_dropped: int = 0
    emails: int = 0
    email_failures: int = 0

    def __str__(self) -> str:
        return (f"{self.pushes} pushes ({self.push_failures} failed, {self.browsers_dropped} "
                f"browsers dropped), {self.emails} e-mails ({self.email_failures} failed)")


@dataclass(frozen=True)
class Claimed:
    id: int
    user_id: int
    created_at: dt.datetime


def deliver_pending(now: dt.datetime | None = None) -> Delivered:
    """Push and e-mail what is new since the last run (see the module). Never raises for a
    push service's or the relay's failure; those are counted and retried."""
    moment = (now or clock.utcnow()).astimezone(dt.UTC).replace(tzinfo=None)  # stored naive
    done = Delivered()
    _push_round(moment, done)
    _mail_round(moment, done)
    if done.pushes or done.emails or done.push_failures or done.email_failures:
        log.info("notices delivered: %s", done)
    return done


def _claim(column, moment: dt.datetime, *where) -> list[Claimed]:
    """Mark the notices not yet handled by this round as handled now, and return them."""
    rows = db.session.execute(
        update(Notice).where(column.is_(None), *where).values({column: moment})
        .returning(Notice.id, Notice.user_id, Notice.created_at)
        .execution_options(synchronize_session=False)).all()
    return [Claimed(*row) for row in rows]


def _fresh(claimed: list[Claimed], moment: dt.datetime) -> dict[int, list[int]]:
    """The claimed notices worth sending, by parent: those younger than STALE."""
    by_user: dict[int, list[int]] = defaultdict(list)
    for row in claimed:
        if row.created_at is None or row.created_at.replace(tzinfo=None) >= moment - STALE:
            by_user[row.user_id].append(row.id)
    return dict(by_user)


def _give_back(column, notice_ids: list[int]) -> None:
    """A temporary failure: the next run tries these notices again."""
    if notice_ids:
        db.session.execute(update(Notice).where(Notice.id.in_(notice_ids)).values({column: None})
                           .execution_options(synchronize_session=False))


def _locales(user_ids: set[int]) -> dict[int, str]:
    """Each parent's language: their own choice, else the school's (one query each)."""
    default = db.session.scalar(select(School.default_locale).order_by(School.id).limit(1))
    own = dict(db.session.execute(select(User.id, User.locale)
                                  .where(User.id.in_(user_ids))).all()) if user_ids else {}
    return {uid: own.get(uid) or default or "ru" for uid in user_ids}


# -- push --------------------------------------------------------------------------------------

def _push_round(moment: dt.datetime, done: Delivered) -> None:
    with transactions.apart():
        claimed = _claim(Notice.pushed_at, moment)
    fresh = _fresh(claimed, moment)
    subs = push.subscribed(set(fresh))
    if not subs:
        return
    locales = _locales({s.user_id for s in subs})
    texts: dict[str, str] = {}
    for locale in set(locales.values()):
        with force_locale(locale):
            texts[locale] = push.payload()
    who = push.subject()
    db.session.commit()  # no transaction is held while the push services answer
    sent = {s.id: push.send(s, texts[locales[s.user_id]], who) for s in subs}
    with transactions.apart():
        _record_pushes(subs, sent, fresh, done)


def _record_pushes(subs: list[push.Browser], sent: dict[int, push.Sent],
                   fresh: dict[int, list[int]], done: Delivered) -> None:
    """Reset, count or drop each browser; give back the notices of parents no browser of
    whom got the push because of a temporary failure. Four statements whatever the count."""
    ok = [s.id for s in subs if sent[s.id].outcome == "sent"]
    gone = [s.id for s in subs if sent[s.id].outcome == "gone"]
    failed = [s.id for s in subs if sent[s.id].outcome == "failed"]
    reached = {s.user_id for s in subs if s.id in ok}
    retry = {s.user_id for s in subs if s.id in failed} - reached
    if ok:
        db.session.execute(update(PushSubscription).where(PushSubscription.id.in_(ok))
                           .values(failures=0).execution_options(synchronize_session=False))
    if failed:
        db.session.execute(update(PushSubscription).where(PushSubscription.id.in_(failed))
                           .values(failures=PushSubscription.failures + 1)
                           .execution_options(synchronize_session=False))
    dropped = db.session.execute(delete(PushSubscription).where(or_(
        PushSubscription.id.in_(gone), PushSubscription.failures >= MAX_FAILURES))
        .execution_options(synchronize_session=False)).rowcount
    _give_back(Notice.pushed_at, [n for uid in retry for n in fresh[uid]])
    done.pushes += len(ok)
    done.push_failures += len(failed)
    done.browsers_dropped += dropped or 0
    if failed or gone:
        log.info("push failed for users %s, browsers gone for users %s",
                 sorted(retry), sorted({s.user_id for s in subs if s.id in gone}))


# -- e-mail ------------------------------------------------------------------------------------

def _mail_round(moment: dt.datetime, done: Delivered) -> None:
    if not mail.configured():
        with transactions.apart():
            _claim(Notice.mailed_at, moment)  # nothing can be sent: handled in the app only
        return
    with transactions.apart():
        digests = _due_digests(moment)
        waiting = select(NoticeSetting.user_id).where(NoticeSetting.email_mode == "digest",
                                                      NoticeSetting.user_id.not_in(digests))
        claimed = _claim(Notice.mailed_at, moment, Notice.user_id.not_in(waiting))
    fresh = _fresh(claimed, moment)
    letters = mail.letters(fresh, digests, _locales(set(fresh)), _school_time(moment).date())
    db.session.commit()  # no transaction is held while the relay answers
    failed = mail.send_all(letters)
    with transactions.apart():
        _give_back(Notice.mailed_at, [n for uid in failed for n in fresh.get(uid, ())])
        again = [uid for uid in failed if uid in digests]
        if again:  # the day's digest is tried again on the next run
            db.session.execute(update(NoticeSetting).where(NoticeSetting.user_id.in_(again))
                               .values(digest_on=None)
                               .execution_options(synchronize_session=False))
    done.emails += len(letters) - len(failed)
    done.email_failures += len(failed)


def _due_digests(moment: dt.datetime) -> set[int]:
    """The parents whose daily digest is due (at or after the school's digest hour, not yet
    sent today, school time), marked as sent today by the same guarded UPDATE, so a digest
    goes once a day whatever the number of workers."""
    hour = db.session.scalar(select(School.digest_hour).order_by(School.id).limit(1))
    local = _school_time(moment)
    if hour is None or local.hour < hour:
        return set()
    today = local.date()
    return set(db.session.scalars(
        update(NoticeSetting).where(NoticeSetting.email_mode == "digest", or_(
            NoticeSetting.digest_on.is_(None), NoticeSetting.digest_on < today))
        .values(digest_on=today).returning(NoticeSetting.user_id)
        .execution_options(synchronize_session=False)))


def _school_time(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) instant at the school."""
    return moment.replace(tzinfo=dt.UTC).astimezone(clock.zone())
