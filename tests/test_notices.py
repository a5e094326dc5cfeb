"""Notices to parents from the journal (issue 20): produced once per event at every entrance
that changes the journal, never for another family, withdrawn with their event, filtered by
the school's and the parent's kinds; the inbox, "seen" and the class teacher's report."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from extensions import db
from models import Attendance, Mark, Notice, NoticeSetting, ParentNotice
from services import entries, lessons
from services.notices import inbox, produce, seen
from services.timetable import changes
from tests.conftest import TODAY
from tests.sql import count_queries

DAY = dt.timedelta(days=1)


@pytest.fixture
def ctx(app, school):
    with app.test_request_context(), force_locale("en"):
        yield school


def lesson(ctx, page=None, day=TODAY, number=1, **kw):
    return ctx.builder.lesson(page or ctx.maths5, day, number, **kw)


def notices(user=None):
    query = select(Notice).order_by(Notice.id)
    if user is not None:
        query = query.where(Notice.user_id == user.id)
    return list(db.session.scalars(query))


def kinds(user):
    return sorted((n.kind, n.event.split(":")[0]) for n in notices(user))


def save(ctx, les, pupil, text, user=None):
    target = entries.load_cell(les.id, pupil.id, (user or ctx.teacher).person_id)
    old = entries.current_cell(les.id, pupil.id)[0].text()
    return entries.save_cell(user or ctx.teacher, target, pupil.id, text, old, TODAY)


def want(user, *kinds_):
    db.session.merge(NoticeSetting(user_id=user.id, kinds=",".join(kinds_)))
    db.session.flush()


# -- producing ---------------------------------------------------------------------------------

def test_absence_gives_one_notice_to_the_childs_parent_only(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "н")
    save(ctx, les, ctx.anna, "н")  # the same cell saved twice
    produce.lessons_changed([les.id])  # and recomputed: still one
    mine = notices(ctx.mum)
    assert [(n.kind, n.event, n.pupil_id, n.lesson_id, n.page_id) for n in mine] == [
        ("absence", f"absence:{les.id}:{ctx.anna.id}", ctx.anna.id, les.id, ctx.maths5.id)]
    assert {n.user_id for n in notices()} == {ctx.mum.id}  # not dad2, not Анна herself


def test_late_gives_no_notice_and_absence_removed_withdraws_it(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "о")
    assert notices() == []
    save(ctx, les, ctx.anna, "н")
    assert len(notices(ctx.mum)) == 1
    save(ctx, les, ctx.anna, "о")
    assert notices() == []
    save(ctx, les, ctx.anna, "н")
    save(ctx, les, ctx.anna, "")
    assert notices() == []


def test_absence_at_a_lesson_after_today_waits(ctx):
    les = lesson(ctx, day=TODAY + DAY)
    db.session.add(Attendance(lesson_id=les.id, pupil_id=ctx.anna.id, status="absent"))
    db.session.flush()
    produce.lessons_changed([les.id])
    assert notices() == []


def test_each_mark_is_a_notice_and_a_removed_mark_takes_it_along(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "5/4")
    assert [n.kind for n in notices(ctx.mum)] == ["mark", "mark"]
    save(ctx, les, ctx.anna, "5")
    assert [n.kind for n in notices(ctx.mum)] == ["mark"]
    save(ctx, les, ctx.vera, "3")
    assert [n.pupil_id for n in notices(ctx.dad2)] == [ctx.vera.id]
    assert len(notices(ctx.mum)) == 1


def test_low_mark_only_parent_hears_of_marks_below_three(ctx):
    want(ctx.mum, "low_mark")
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "4")
    assert notices(ctx.mum) == []
    save(ctx, les, ctx.anna, "2")
    assert [n.kind for n in notices(ctx.mum)] == ["low_mark"]
    save(ctx, les, ctx.anna, "5")  # corrected up: no longer a low mark
    assert notices(ctx.mum) == []


def test_school_switching_a_kind_off_stops_it(ctx):
    ctx.builder.school.notice_kinds = "mark"
    db.session.flush()
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "н")
    assert notices() == []
    save(ctx, les, ctx.vera, "4")
    assert [n.kind for n in notices(ctx.dad2)] == ["mark"]


def test_parent_switching_a_kind_off_stops_it_for_them_only(ctx):
    want(ctx.mum, "mark")
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "н")
    save(ctx, les, ctx.vera, "н")
    assert notices(ctx.mum) == []
    assert [n.kind for n in notices(ctx.dad2)] == ["absence"]


def test_homework_from_the_lesson_panel_and_cleared(ctx):
    want(ctx.mum, "homework")
    want(ctx.dad2, "homework")
    les = lesson(ctx)
    data = lessons.LessonInput(topic="", homework="№ 5", work_type_id=None, substitute_id=None,
                               plan_item_id=None, ict_used=False, homework_due=None)
    lessons.update_lesson(les, data, ctx.teacher, may_set_substitute=True)
    lessons.update_lesson(les, data, ctx.teacher, may_set_substitute=True)
    assert [n.kind for n in notices(ctx.mum)] == ["homework"]  # Анна only, not Борис (6 «Б»)
    assert [n.pupil_id for n in notices(ctx.dad2)] == [ctx.vera.id]
    data.homework = ""
    lessons.update_lesson(les, data, ctx.teacher, may_set_substitute=True)
    assert notices() == []


def test_homework_is_off_by_default(ctx):
    les = lesson(ctx, homework="№ 1")
    produce.lessons_changed([les.id])
    assert notices() == []


def test_take_attendance_and_fill_column(ctx):
    les = lesson(ctx)
    entries.take_attendance(ctx.teacher, ctx.builder.school, ctx.maths5, les, [ctx.anna.id], TODAY)
    assert kinds(ctx.mum) == [("absence", "absence")]
    entries.fill_column(ctx.teacher, ctx.builder.school, ctx.maths5, les, 5, TODAY)
    assert kinds(ctx.dad2) == [("mark", "mark")]  # Анна is absent: no mark, no mark notice
    entries.take_attendance(ctx.teacher, ctx.builder.school, ctx.maths5, les, [], TODAY)
    assert kinds(ctx.mum) == []


def test_lesson_page_form_saves_several_cells_once(ctx):
    les = lesson(ctx)
    errors = entries.save_cells(ctx.teacher, les.id, [
        entries.CellChange(ctx.anna.id, "н", "", None),
        entries.CellChange(ctx.vera.id, "2", "", None)], TODAY)
    assert errors == {}
    assert kinds(ctx.mum) == [("absence", "absence")]
    assert kinds(ctx.dad2) == [("mark", "mark")]


def final(ctx, pupil, text, notice=None, page=None):
    page = page or ctx.maths5
    period = ctx.builder.periods[1]
    stored, _n = entries.stored_final(page, pupil.id, "period", period)
    from services import journal as rules
    old = rules.final_label(*stored) if stored else ""
    return entries.save_final(ctx.teacher, ctx.builder.school, page, pupil.id, "period", period,
                              ctx.builder.periods[-1], text, old, TODAY, notice)


def test_period_mark_and_its_removal(ctx):
    final(ctx, ctx.anna, "4")
    final(ctx, ctx.anna, "5")
    mine = notices(ctx.mum)
    assert [(n.kind, n.page_id, n.period_id) for n in mine] == [
        ("period", ctx.maths5.id, ctx.builder.periods[1].id)]
    assert notices(ctx.dad2) == []
    final(ctx, ctx.anna, "")
    assert notices() == []


def test_predicted_warning_when_the_teacher_told_the_parents(ctx):
    for i in range(3):
        save(ctx, lesson(ctx, day=TODAY - (i + 1) * DAY), ctx.anna, "5")
    db.session.execute(Notice.__table__.delete())
    with pytest.raises(entries.NeedsNotice):
        final(ctx, ctx.anna, "3")
    final(ctx, ctx.anna, "3", notice=(True, dt.date(2026, 11, 18)))
    assert sorted(n.kind for n in notices(ctx.mum)) == ["period", "predicted"]
    assert db.session.scalar(select(ParentNotice.parents_told)) is True


def test_predicted_warning_not_told_gives_no_predicted_notice(ctx):
    db.session.add(ParentNotice(page_id=ctx.maths5.id, pupil_id=ctx.anna.id,
                                period_id=ctx.builder.periods[1].id, parents_told=False,
                                recorded_by=ctx.teacher.id))
    db.session.flush()
    produce.finals_changed(ctx.maths5.id, [ctx.anna.id], ctx.builder.periods[1].id)
    assert notices() == []


def test_cancelled_lesson_takes_its_homework_notice(ctx):
    want(ctx.mum, "homework")
    les = lesson(ctx, homework="стр. 4")
    produce.lessons_changed([les.id])
    assert len(notices(ctx.mum)) == 1
    changes.cancel_lesson(les)
    assert notices(ctx.mum) == []


def test_a_deleted_mark_cascades(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "4")
    db.session.execute(Mark.__table__.delete())
    db.session.expire_all()
    assert notices() == []


def test_a_cell_save_runs_a_fixed_number_of_statements(ctx):
    """The journal's hottest path: the notices add the same few statements for any class."""
    small = lesson(ctx)
    for i in range(30):
        ctx.builder.pupil(ctx.c5, "Новикова", f"Ученица{i}")
    big = lesson(ctx, number=2)
    save(ctx, lesson(ctx, number=3), ctx.vera, "н")  # loads what a request has loaded anyway
    counts = []
    for les in (small, big):
        with count_queries() as seen_:
            save(ctx, les, ctx.anna, "н")
        counts.append(len(seen_))
    assert counts[0] == counts[1]


def test_take_attendance_statements_do_not_grow_with_the_class(ctx):
    first = lesson(ctx)
    entries.take_attendance(ctx.teacher, ctx.builder.school, ctx.maths5, lesson(ctx, number=3),
                            [ctx.vera.id], TODAY)  # loads what a request has loaded anyway
    with count_queries() as few:
        entries.take_attendance(ctx.teacher, ctx.builder.school, ctx.maths5, first, [ctx.anna.id],
                                TODAY)
    kids = [ctx.builder.pupil(ctx.c5, "Новиков", f"Ученик{i}") for i in range(20)]
    for kid in kids:
        ctx.builder.parent(f"p{kid.id}", kid)
    second = lesson(ctx, number=2)
    with count_queries() as many:
        entries.take_attendance(ctx.teacher, ctx.builder.school, ctx.maths5, second,
                                [ctx.anna.id] + [k.id for k in kids], TODAY)
    assert len(many) == len(few)
    assert len(notices()) == 1 + 1 + 1 + 20


# -- the inbox ---------------------------------------------------------------------------------

def test_unseen_counts_and_mark_seen_touch_only_the_recipient(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "н")
    save(ctx, lesson(ctx, page=ctx.maths6), ctx.boris, "5")
    save(ctx, les, ctx.vera, "4")
    assert inbox.unseen_count(ctx.mum.id) == 2
    assert inbox.unseen_by_child(ctx.mum.id) == {ctx.anna.id: 1, ctx.boris.id: 1}
    dads = [n.id for n in notices(ctx.dad2)]
    assert inbox.mark_seen(ctx.mum, dads) == 0  # another family's ids: nothing
    assert inbox.unseen_count(ctx.dad2.id) == 1
    assert inbox.mark_seen(ctx.mum, pupil_id=ctx.anna.id) == 1
    assert inbox.unseen_count(ctx.mum.id) == 1
    assert inbox.own_notice(ctx.mum, dads[0]) is None
    assert inbox.mark_seen(ctx.mum) == 1
    assert inbox.unseen_count(ctx.mum.id) == 0


def test_describe_reads_the_journal_and_keeps_health_data_in_the_app(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "н")
    db.session.execute(Attendance.__table__.update().values(reason="illness"))
    save(ctx, lesson(ctx, number=2), ctx.anna, "2")
    final(ctx, ctx.anna, "4")
    items = {i.kind: i for i in inbox.describe(notices(ctx.mum), health=True)}
    assert items["absence"].text == "Absent from Математика on 23 November"
    assert items["absence"].reason == "Illness"
    assert items["absence"].day == TODAY and items["absence"].child == "Анна"
    assert items["mark"].mark == "2" and "Работа на уроке" in items["mark"].text
    assert items["period"].text == "Математика: 4 for Quarter 2"
    outside = {i.kind: i for i in inbox.describe(notices(ctx.mum))}  # e-mail, push
    assert outside["absence"].reason == "" and "Illness" not in outside["absence"].text


def test_a_corrected_mark_shows_corrected(ctx):
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "3")
    save(ctx, les, ctx.anna, "5")
    [item] = inbox.describe(notices(ctx.mum))
    assert item.mark == "5"


def test_the_inbox_page_runs_a_fixed_number_of_queries(ctx):
    save(ctx, lesson(ctx), ctx.anna, "н")
    save(ctx, lesson(ctx, number=5), ctx.anna, "4")
    final(ctx, ctx.anna, "5")
    db.session.expire_all()
    with count_queries() as few:
        small = inbox.page_of(ctx.mum)
    for i in range(12):
        les = lesson(ctx, day=TODAY - (i // 4 + 1) * DAY, number=i % 4 + 1)
        save(ctx, les, ctx.anna, "н" if i % 2 else "4")
        save(ctx, lesson(ctx, page=ctx.maths6, day=les.date, number=les.lesson_number),
             ctx.boris, "н")
    db.session.expire_all()
    with count_queries() as many:
        big = inbox.page_of(ctx.mum)
    assert len(big.items) > len(small.items)
    assert len(many) == len(few)


# -- seen --------------------------------------------------------------------------------------

def test_period_marks_seen_and_the_class_teachers_report(ctx):
    period = ctx.builder.periods[1]
    final(ctx, ctx.anna, "4")
    final(ctx, ctx.vera, "5")
    rows = {r.user_id: r for r in seen.report(ctx.c5, period)}
    assert set(rows) == {ctx.mum.id, ctx.dad2.id}  # 5 «А»'s parents; no pupil accounts
    assert rows[ctx.mum.id].missing and rows[ctx.mum.id].unseen_notices == 1
    assert rows[ctx.mum.id].children == ["Анна"]  # Борис is in 6 «Б»
    assert seen.mark_period_seen(ctx.mum, ctx.anna.id, period.id) is True
    assert seen.mark_period_seen(ctx.mum, ctx.anna.id, period.id) is False
    rows = {r.user_id: r for r in seen.report(ctx.c5, period)}
    assert not rows[ctx.mum.id].missing and rows[ctx.mum.id].unseen_notices == 0
    assert rows[ctx.dad2.id].missing
    assert seen.report(ctx.c5, period)[0].user_id == ctx.dad2.id  # who has not seen: first


def test_the_report_runs_a_fixed_number_of_queries(ctx):
    period = ctx.builder.periods[1]
    with count_queries() as few:
        seen.report(ctx.c5, period)
    for i in range(10):
        kid = ctx.builder.pupil(ctx.c5, "Новиков", f"Ученик{i}")
        ctx.builder.parent(f"p{kid.id}", kid)
        final(ctx, kid, "4")
    with count_queries() as many:
        assert len(seen.report(ctx.c5, period)) == 12
    assert len(many) == len(few)


# -- retention ---------------------------------------------------------------------------------

def test_retention_purges_old_notices_and_conversations(ctx, app):
    from models import Conversation, ConversationMember, Message, MessageAttachment
    from services import retention, uploads
    from tests.test_retention import past_year
    old = past_year(ctx, 2019)
    db.session.add(Notice(user_id=ctx.mum.id, pupil_id=ctx.anna.id, kind="homework",
                          event=f"homework:{old.lesson.id}:{ctx.anna.id}",
                          lesson_id=old.lesson.id, page_id=old.page.id))
    talk = Conversation(started_by=ctx.mum.id, subject="Old",
                        created_at=dt.datetime(2019, 10, 1), last_message_at=dt.datetime(2019, 10, 1))
    recent = Conversation(started_by=ctx.mum.id, subject="New")
    db.session.add_all([talk, recent])
    db.session.flush()
    db.session.add_all([ConversationMember(conversation_id=talk.id, user_id=ctx.mum.id),
                        ConversationMember(conversation_id=recent.id, user_id=ctx.mum.id)])
    message = Message(conversation_id=talk.id, sender_id=ctx.mum.id, body="Здравствуйте",
                      sent_at=dt.datetime(2019, 10, 1))
    db.session.add(message)
    db.session.flush()
    key = "a" * 32 + ".pdf"
    (uploads.folder("messages") / key).write_bytes(b"%PDF-1.4")
    db.session.add(MessageAttachment(message_id=message.id, filename="справка.pdf",
                                     stored_name=key, content_type="application/pdf", size=8))
    save(ctx, lesson(ctx), ctx.anna, "н")  # this year's notice stays
    db.session.commit()
    plan = retention.make_plan()
    assert plan.years[0].counts["family_notices"] == 1
    assert plan.years[0].counts["messages"] == 1
    counts, files = retention.purge(ctx.admin, plan)
    db.session.commit()
    retention.remove_files(files)
    assert [n.kind for n in notices()] == ["absence"]
    assert list(db.session.scalars(select(Conversation.subject))) == ["New"]
    assert db.session.scalar(select(Message.id)) is None
    assert not (uploads.folder("messages") / key).exists()


# -- the family's data ("My data") ------------------------------------------------------------

def test_my_data_holds_the_readers_notices_and_conversations(ctx):
    from models import Conversation, ConversationMember, Message
    from services.privacy import holdings
    les = lesson(ctx)
    save(ctx, les, ctx.anna, "н")
    save(ctx, les, ctx.vera, "н")
    about_anna = Conversation(started_by=ctx.mum.id, subject="Про Анну", pupil_id=ctx.anna.id)
    about_boris = Conversation(started_by=ctx.mum.id, subject="Про Бориса",
                               pupil_id=ctx.boris.id)
    db.session.add_all([about_anna, about_boris])
    db.session.flush()
    for talk in (about_anna, about_boris):
        db.session.add_all([ConversationMember(conversation_id=talk.id, user_id=ctx.mum.id),
                            ConversationMember(conversation_id=talk.id, user_id=ctx.ct.id),
                            Message(conversation_id=talk.id, sender_id=ctx.mum.id,
                                    body="Добрый день")])
    db.session.flush()
    held = holdings.gather(ctx.anna, "ru", reader=ctx.mum)
    assert [r[1] for r in held.table("journal_notices").rows] == [
        "Absent from Математика on 23 November"]
    assert [(r[0], r[3]) for r in held.table("messages").rows] == [("Про Анну", "Добрый день")]
    other = holdings.gather(ctx.vera, "ru", reader=ctx.dad2)
    assert len(other.table("journal_notices").rows) == 1
    assert other.table("messages").rows == []  # mum's conversations are not dad2's
    # A conversation about no child (mum with a colleague or another family, were she staff)
    # stays out of her child's archive; a pupil's own untagged one is in the pupil's.
    from models import User
    anna = db.session.scalar(select(User).where(User.username == "anna"))
    for starter in (ctx.mum, anna):
        talk = Conversation(started_by=starter.id, subject=f"Без ребёнка {starter.id}")
        db.session.add(talk)
        db.session.flush()
        db.session.add_all([ConversationMember(conversation_id=talk.id, user_id=starter.id),
                            Message(conversation_id=talk.id, sender_id=starter.id, body="?")])
    db.session.flush()
    held = holdings.gather(ctx.anna, "ru", reader=ctx.mum)
    assert [r[0] for r in held.table("messages").rows] == ["Про Анну"]
    own = holdings.gather(ctx.anna, "ru", reader=anna)
    assert [r[0] for r in own.table("messages").rows] == [f"Без ребёнка {anna.id}"]


# -- the demo school ---------------------------------------------------------------------------

def test_demo_notices_come_from_the_journal(ctx):
    from models import FinalMark, MarksSeen
    from services.demo_notices import seed_notices
    today_lesson, old_lesson = lesson(ctx), lesson(ctx, day=TODAY - 4 * DAY)
    wt = ctx.builder.work_types["lesson"].id
    db.session.add_all([  # as the demo generator writes them: straight into the journal
        Attendance(lesson_id=today_lesson.id, pupil_id=ctx.anna.id, status="absent"),
        Mark(lesson_id=old_lesson.id, pupil_id=ctx.vera.id, value=5, work_type_id=wt),
        FinalMark(page_id=ctx.maths5.id, pupil_id=ctx.anna.id, kind="period",
                  period_id=ctx.builder.periods[0].id, value=4),
        FinalMark(page_id=ctx.maths5.id, pupil_id=ctx.vera.id, kind="period",
                  period_id=ctx.builder.periods[0].id, value=5)])
    db.session.flush()
    assert seed_notices(TODAY) == 4
    assert kinds(ctx.mum) == [("absence", "absence"), ("period", "period")]
    assert [n.seen_at is None for n in notices(ctx.dad2) if n.kind == "mark"] == [False]
    assert [n.seen_at is None for n in notices(ctx.mum) if n.kind == "absence"] == [True]
    seen_by = set(db.session.scalars(select(MarksSeen.user_id)))
    assert seen_by == {u.id for u in (ctx.mum, ctx.dad2) if u.id % 3}
