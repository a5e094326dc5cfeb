"""News and the calendar of the demo school (issue 20): what a school's deputy and
administrator publish in a term — meetings, holidays, exams of a parallel, a class's
excursion, the staff room's councils — dated around the demo's day, so the news, the
calendar and its past and coming days all have something to show. Nothing is committed."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from extensions import db
from models import NewsItem, SchoolClass, User
from services.school import current_year

# (days from today, days it lasts, audience, grade or "grade letter", pinned, title, body)
PLAN = (
    (-20, 1, "all", None, False, "День открытых дверей",
     "Приглашаем родителей на открытые уроки. Расписание уроков — у классных "
     "руководителей."),
    (-9, 1, "staff", None, False, "Педагогический совет",
     "Повестка: итоги первой четверти, успеваемость и посещаемость. Актовый зал, 15:00."),
    (-4, 1, "grade", "9", False, "Пробный ОГЭ по математике",
     "Начало в 9:00, продолжительность 3 ч 55 мин. Взять паспорт, чёрную гелевую ручку, "
     "линейку."),
    (-1, 1, "class", "5 А", False, "Экскурсия в краеведческий музей",
     "Сбор у школы в 9:00, возвращение к 13:00. Стоимость входа оплачена родительским "
     "комитетом."),
    (0, 8, "all", None, True, "Родительские собрания по итогам четверти",
     "Собрания проходят по классам с 17:30, кабинеты указаны на стенде у входа.\n"
     "Подробнее о сроках: https://edu.gov.kz"),
    (2, 1, "grade", "4", False, "ВПР: русский язык (4 классы)",
     "Работа проводится на 2-м и 3-м уроках. Дополнительная подготовка не требуется."),
    (3, 1, "staff", None, False, "Методическое объединение учителей начальных классов",
     "Кабинет 12, 14:30. Обсуждаем КТП на третью четверть."),
    (5, 1, "class", "7 Б", False, "Сынып сағаты: «Қауіпсіз интернет»",
     "Ата-аналар да шақырылады. Бастауы 14:00-де."),
    (9, 1, "all", None, False, "Новогодний концерт",
     "Актовый зал, 16:00. Выступают ученики 1-11 классов и школьный хор."),
    (12, 1, "staff", None, True, "Сдача отчётов за четверть",
     "Классные руководители сдают отчёты об успеваемости и посещаемости заместителю "
     "директора до 17:00."),
    (14, 10, "all", None, False, "Зимние каникулы", "Занятия возобновятся после каникул по "
     "расписанию третьей четверти."),
)


def seed_news(today: dt.date) -> int:
    """Add the demo's news items dated around today; returns how many. Items for a class or
    a parallel the school does not have are left out; without the deputy's and the
    administrator's accounts nothing is added."""
    authors = dict(db.session.execute(select(User.username, User.id).where(
        User.username.in_(("deputy", "admin")))).all())
    if not authors:
        return 0
    classes = {f"{c.grade} {c.letter}": c for c in db.session.scalars(
        select(SchoolClass).where(SchoolClass.year_id == _year_id()))}
    grades = {str(c.grade) for c in classes.values()}
    made = 0
    for offset, days, audience, whom, pinned, title, body in PLAN:
        if (audience == "class" and whom not in classes) or (
                audience == "grade" and whom not in grades):
            continue
        start = today + dt.timedelta(days=offset)
        db.session.add(NewsItem(
            title=title, body=body, starts_on=start,
            ends_on=start + dt.timedelta(days=days - 1) if days > 1 else None,
            audience=audience, pinned=pinned,
            grade=int(whom) if audience == "grade" else None,
            class_id=classes[whom].id if audience == "class" else None,
            author_id=authors.get("deputy", authors.get("admin"))))
        made += 1
    db.session.flush()
    return made


def _year_id() -> int:
    year = current_year()
    return year.id if year else -1
