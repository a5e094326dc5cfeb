"""Messages in the demo school (issue 20), written through the real services so that unread
counters, read marks and the reply rule hold: the demo parent asks the class teacher about an
absence (answered), asks a subject teacher about homework (unanswered for four school days,
so it is overdue), the class teacher invites all the class's parents to a meeting (two answer),
a pupil asks a question, the deputy writes to the teacher, a parent writes in Kazakh. The
texts are generated, the people are the demo's generated people. Nothing is committed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from extensions import db
from models import Pupil, SchoolClass, Staff, SubjectPage, User
from models.messages import Conversation, ConversationMember, Message
from services import clock, policy
from services.messages import MessageError, broadcast, conversations

ABSENCE = (
    (True, "Добрый день! {kid} заболела, сегодня и завтра её не будет. Справку принесём "
           "после выздоровления."),
    (False, "Здравствуйте! Спасибо, что предупредили. Выздоравливайте, задания будут в "
            "дневнике."),
    (True, "Спасибо большое!"),
)
HOMEWORK = ((True, "Здравствуйте! Подскажите, пожалуйста, какие номера задали на дом? В "
                   "дневнике указан только параграф.\nСсылка на учебник: "
                   "https://edu.gov.kz"),)
PUPIL = (
    (True, "Здравствуйте! Можно ли переписать контрольную работу на следующей неделе?"),
    (False, "Да, во вторник после шестого урока, кабинет 21."),
)
STAFF = (
    (True, "Коллеги, прошу до пятницы сдать КТП на третью четверть. Шаблон в учительской."),
    (False, "Хорошо, сдам в четверг."),
)
KAZAKH = (
    (True, "Сәлеметсіз бе! Ертең балам дәрігерге барады, екінші сабаққа келеді. "
           "Рұқсат етесіз бе?"),
    (False, "Сәлеметсіз бе! Жақсы, ескертіп қойғаныңызға рахмет."),
)
MEETING = ("Родительское собрание", "Уважаемые родители! Приглашаю на собрание по итогам "
           "четверти в четверг в 18:00, кабинет 14. Повестка: успеваемость, экскурсия, "
           "питание.")
REPLIES = ("Спасибо, буду.", "Добрый вечер! Прийти не смогу, можно узнать итоги у вас потом?")


def seed_messages(today: dt.date) -> int:
    """Add the demo's conversations; returns how many. A pair the school does not allow to
    talk (policy.can_message) is left out, as is everything without the demo accounts."""
    users = dict(db.session.execute(select(User.username, User).where(User.username.in_(
        ("parent", "pupil", "teacher", "deputy")))).all())
    parent = users.get("parent")
    kid = next((k for k in policy.children_of(parent) if k.class_id), None) if parent else None
    if kid is None:
        return 0
    leader, teacher = _class_teacher(kid.class_id), _subject_teacher(kid.class_id)
    name = kid.person.first_name
    absence = tuple((by_sender, text.format(kid=name)) for by_sender, text in ABSENCE)
    made = [_talk(parent, leader, "Пропуск по болезни", kid, absence, _days(today, 3)),
            _talk(parent, teacher, "Домашнее задание", kid, HOMEWORK, _days(today, 4)),
            _talk(users.get("pupil"), _subject_teacher(_class_of(users.get("pupil"))),
                  "Контрольная работа", None, PUPIL, _days(today, 2)),
            _talk(users.get("deputy"), users.get("teacher"), "КТП на третью четверть", None,
                  STAFF, _days(today, 1)),
            _talk(_other_parent(kid.class_id, parent), leader, "Дәрігерге бару", None, KAZAKH,
                  _days(today, 1))]
    return sum(1 for c in made if c is not None) + _meeting(leader, kid.class_id, today)


def _days(today: dt.date, back: int) -> dt.date:
    """The school day `back` weekdays before today."""
    day = today
    while back:
        day -= dt.timedelta(days=1)
        back -= day.isoweekday() <= 5
    return day


def _at(day: dt.date, minutes: int) -> dt.datetime:
    """A stored instant (naive UTC) at the school on that day, minutes after 8:00."""
    local = dt.datetime.combine(day, dt.time(8), tzinfo=clock.zone())
    return (local + dt.timedelta(minutes=minutes)).astimezone(dt.UTC).replace(tzinfo=None)


def _talk(sender: User | None, recipient: User | None, subject: str, pupil: Pupil | None,
          lines: tuple, day: dt.date) -> Conversation | None:
    """A conversation whose lines alternate between sender (True) and recipient, then dated
    on the day, an hour or so apart."""
    if sender is None or recipient is None or not policy.can_message(sender, recipient):
        return None
    try:
        first, *rest = lines
        talk = conversations.start(sender, recipient, subject, first[1], pupil=pupil)
        for by_sender, text in rest:
            conversations.reply(sender if by_sender else recipient, talk, text)
    except MessageError:
        return None
    _redate(talk, [_at(day, 60 * i + 37 * (i % 2)) for i in range(len(lines))])
    return talk


def _redate(talk: Conversation, instants: list[dt.datetime]) -> None:
    """Move a conversation written now to the instants given, one per message in order; the
    reply rule's mark moves with the parent's first unanswered message."""
    messages = list(db.session.scalars(select(Message).where(
        Message.conversation_id == talk.id).order_by(Message.id)))
    waiting = None
    for message, at in zip(messages, instants, strict=True):
        message.sent_at = at
        waiting = None if policy.is_staff(message.sender) else waiting or at
    talk.created_at, talk.last_message_at = instants[0], instants[-1]
    if talk.awaiting_reply_since is not None:
        talk.awaiting_reply_since = waiting
    db.session.execute(update(ConversationMember).where(
        ConversationMember.conversation_id == talk.id).values(last_message_at=instants[-1])
        .execution_options(synchronize_session=False))


def _meeting(leader: User | None, class_id: int, today: dt.date) -> int:
    """The class teacher's invitation to all the class's parents; two of them answer."""
    if leader is None:
        return 0
    try:
        key, count = broadcast.send(leader, [class_id], *MEETING)
    except MessageError:
        return 0
    talks = list(db.session.scalars(select(Conversation).where(
        Conversation.broadcast_key == key).order_by(Conversation.id)))
    sent = _at(_days(today, 1), 9 * 60)
    for i, talk in enumerate(talks):
        parent = next(m.user for m in talk.members if m.user_id != leader.id)
        if i < len(REPLIES):
            conversations.reply(parent, talk, REPLIES[i])
            _redate(talk, [sent, sent + dt.timedelta(minutes=40 + 15 * i)])
        else:
            _redate(talk, [sent])
    return count


def _user_of_staff(staff_id: int | None) -> User | None:
    if staff_id is None:
        return None
    return db.session.scalar(select(User).join(Staff, Staff.person_id == User.person_id)
                             .where(Staff.id == staff_id))


def _class_teacher(class_id: int) -> User | None:
    return _user_of_staff(db.session.scalar(select(SchoolClass.class_teacher_id).where(
        SchoolClass.id == class_id)))


def _subject_teacher(class_id: int | None) -> User | None:
    """A teacher of the class other than its class teacher (the first by subject page)."""
    leader = db.session.scalar(select(SchoolClass.class_teacher_id).where(
        SchoolClass.id == class_id))
    return _user_of_staff(db.session.scalar(
        select(SubjectPage.teacher_id).where(SubjectPage.class_id == class_id,
                                             SubjectPage.teacher_id != leader)
        .order_by(SubjectPage.id).limit(1)))


def _class_of(user: User | None) -> int | None:
    kids = policy.children_of(user) if user is not None else []
    return kids[0].class_id if kids else None


def _other_parent(class_id: int, besides: User) -> User | None:
    """Another parent of the class (one of those the meeting invites)."""
    found = [u for u, _kid in broadcast.parents_of([class_id]) if u.id != besides.id]
    return found[-1] if found else None
