"""people, consent, accounts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:34:00.650998

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('text_ru', sa.Text(), nullable=False),
    sa.Column('text_kk', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_text')),
    sa.UniqueConstraint('version', name=op.f('uq_consent_text_version'))
    )
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_address_at', ['address', 'at'], unique=False)
        batch_op.create_index('ix_login_attempt_user_at', ['username', 'at'], unique=False)

    op.create_table('staff_subject',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_subject_staff_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['subject.id'], name=op.f('fk_staff_subject_subject_id_subject')),
    sa.PrimaryKeyConstraint('staff_id', 'subject_id', name=op.f('pk_staff_subject'))
    )
    op.create_table('card_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('checked_by', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by'], ['user.id'], name=op.f('fk_card_check_checked_by_user')),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_card_check_class_id_school_class'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_check')),
    sa.UniqueConstraint('class_id', 'month', name=op.f('uq_card_check_class_id_month'))
    )
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('text_id', sa.Integer(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('revoked_on IS NULL OR revoked_on >= given_on', name=op.f('ck_consent_dates')),
    sa.ForeignKeyConstraint(['giver_id'], ['person.id'], name=op.f('fk_consent_giver_id_person')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_consent_pupil_id_pupil')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_consent_recorded_by_user')),
    sa.ForeignKeyConstraint(['revoked_by'], ['user.id'], name=op.f('fk_consent_revoked_by_user')),
    sa.ForeignKeyConstraint(['text_id'], ['consent_text.id'], name=op.f('fk_consent_text_id_consent_text')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent'))
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index('ix_consent_pupil_dates', ['pupil_id', 'given_on', 'revoked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_pupil_id'), ['pupil_id'], unique=False)

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_no', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('order_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('end_order_no', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('end_order_date', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            'end_reason', "end_reason IS NULL OR end_reason IN ('transfer', 'expulsion', "
            "'graduation', 'other', 'moved')")

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'dates', 'left_on IS NULL OR hired_on IS NULL OR left_on >= hired_on')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), server_default='', nullable=False))

    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medical_group', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('medical_notes', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('notes', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint(
            'medical_group', "medical_group IS NULL OR medical_group IN ('main', 'preparatory', "
            "'special', 'exempt')")

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('address', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('server_url', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('min_password_length', sa.Integer(), server_default='8', nullable=False))
        batch_op.add_column(sa.Column('staff_access_days', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('family_access_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('access_end_days', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint('min_password', 'min_password_length BETWEEN 6 AND 64')
        batch_op.create_check_constraint(
            'access_days', 'staff_access_days BETWEEN 0 AND 30 AND family_access_days BETWEEN 0 '
            'AND 30 AND access_end_days BETWEEN 0 AND 30')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('issued_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('issued_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_user_issued_by_user'), 'user', ['issued_by'], ['id'])

    _consents_of_before()


def _consents_of_before():
    """A consent date kept on the pupil before becomes a Consent row (given by the pupil's
    first representative, to a first version of the consent text) so that families keep
    their access."""
    conn = op.get_bind()
    pupils = conn.execute(sa.text("SELECT id, person_id, consent_on FROM pupil "
                                  "WHERE consent_on IS NOT NULL")).all()
    recorder = conn.execute(sa.text("SELECT MIN(id) FROM \"user\"")).scalar()
    if not pupils or recorder is None:
        return
    conn.execute(sa.text(
        "INSERT INTO consent_text (version, text_ru, text_kk, created_at) VALUES "
        "('1', :ru, :kk, CURRENT_TIMESTAMP)"), {"ru": LEGACY_RU, "kk": LEGACY_KK})
    text_id = conn.execute(sa.text("SELECT id FROM consent_text WHERE version = '1'")).scalar()
    givers = dict(conn.execute(sa.text(
        "SELECT pupil_id, MIN(person_id) FROM guardian GROUP BY pupil_id")).all())
    for pupil_id, person_id, given_on in pupils:
        conn.execute(sa.text(
            "INSERT INTO consent (pupil_id, giver_id, text_id, given_on, recorded_by, "
            "recorded_at) VALUES (:p, :g, :t, :d, :r, CURRENT_TIMESTAMP)"),
            {"p": pupil_id, "g": givers.get(pupil_id, person_id), "t": text_id, "d": given_on,
             "r": recorder})


LEGACY_RU = ("Согласие законного представителя на обработку персональных данных обучающегося "
             "в электронном журнале и дневнике (записано до ведения текстов согласий).")
LEGACY_KK = ("Заңды өкілдің білім алушының дербес деректерін электрондық журнал мен күнделікте "
             "өңдеуге келісімі (келісім мәтіндері енгізілгенге дейін жазылған).")


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_issued_by_user'), type_='foreignkey')
        batch_op.drop_column('session_version')
        batch_op.drop_column('issued_by')
        batch_op.drop_column('issued_at')
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint('access_days', type_='check')
        batch_op.drop_constraint('min_password', type_='check')
        batch_op.drop_column('access_end_days')
        batch_op.drop_column('family_access_days')
        batch_op.drop_column('staff_access_days')
        batch_op.drop_column('min_password_length')
        batch_op.drop_column('server_url')
        batch_op.drop_column('address')
        batch_op.drop_column('is_demo')

    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_constraint('medical_group', type_='check')
        batch_op.drop_column('notes')
        batch_op.drop_column('medical_notes')
        batch_op.drop_column('medical_group')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('address')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint('dates', type_='check')

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint('end_reason', type_='check')
        batch_op.drop_column('end_order_date')
        batch_op.drop_column('end_order_no')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('order_date')
        batch_op.drop_column('order_no')

    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_pupil_id'))
        batch_op.drop_index('ix_consent_pupil_dates')

    op.drop_table('consent')
    op.drop_table('card_check')
    op.drop_table('staff_subject')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_user_at')
        batch_op.drop_index('ix_login_attempt_address_at')

    op.drop_table('login_attempt')
    op.drop_table('consent_text')
