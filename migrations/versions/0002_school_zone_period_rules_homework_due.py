"""school time zone, period rules, homework due date

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 14:37:38.123630

"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('homework_due', sa.Date(), nullable=True))
        batch_op.create_index('ix_lesson_homework_due', ['page_id', 'homework_due'], unique=False)

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=False,
                                      server_default='Asia/Almaty'))
        batch_op.add_column(sa.Column('min_marks_for_period', sa.Integer(), nullable=False,
                                      server_default='3'))
        batch_op.add_column(sa.Column('notice_lessons_before', sa.Integer(), nullable=False,
                                      server_default='3'))
        batch_op.create_check_constraint('min_marks', 'min_marks_for_period BETWEEN 0 AND 20')
        batch_op.create_check_constraint('notice_lessons', 'notice_lessons_before BETWEEN 0 AND 10')
        batch_op.create_check_constraint('timezone', "timezone <> ''")

    # Homework given before this revision is due at the page's next lesson.
    op.execute("""
        UPDATE lesson SET homework_due = (
            SELECT MIN(n.date) FROM lesson AS n
            WHERE n.page_id = lesson.page_id AND n.date > lesson.date)
        WHERE homework <> ''
    """)
    # A grades setting saved before it was checked keeps only its grades (issue 14).
    conn = op.get_bind()
    for school_id, text in conn.execute(sa.text("SELECT id, no_marks_grades FROM school")).all():
        grades = sorted({int(p) for p in (text or "").replace(" ", "").split(",")
                         if re.fullmatch(r"[0-9]{1,2}", p) and int(p) <= 12})
        clean = ",".join(map(str, grades))
        if clean != text:
            conn.execute(sa.text("UPDATE school SET no_marks_grades = :v WHERE id = :id"),
                         {"v": clean, "id": school_id})


def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint('timezone', type_='check')
        batch_op.drop_constraint('notice_lessons', type_='check')
        batch_op.drop_constraint('min_marks', type_='check')
        batch_op.drop_column('notice_lessons_before')
        batch_op.drop_column('min_marks_for_period')
        batch_op.drop_column('timezone')

    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_homework_due')
        batch_op.drop_column('homework_due')
