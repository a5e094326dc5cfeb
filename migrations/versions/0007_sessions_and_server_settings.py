"""sessions and server settings: revocable sign-ins, the idle time, the backup warning (issue 19)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:17:05.375668

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user', ['user_id', 'ended_at'], unique=False)

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_idle_minutes', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('backup_warn_days', sa.Integer(), server_default='14', nullable=False))
        batch_op.create_check_constraint('session_idle', 'session_idle_minutes BETWEEN 5 AND 1440')
        batch_op.create_check_constraint('backup_warn', 'backup_warn_days BETWEEN 1 AND 90')



def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint('backup_warn', type_='check')
        batch_op.drop_constraint('session_idle', type_='check')
        batch_op.drop_column('backup_warn_days')
        batch_op.drop_column('session_idle_minutes')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user')

    op.drop_table('user_session')
