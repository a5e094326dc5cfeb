"""data requests: a family asks the class teacher to correct what the school holds (issue 19)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 16:19:36.014260

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('answered_by', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), server_default='', nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL)", name=op.f('ck_data_request_answered')),
    sa.CheckConstraint("status IN ('open', 'answered')", name=op.f('ck_data_request_status')),
    sa.ForeignKeyConstraint(['answered_by'], ['user.id'], name=op.f('fk_data_request_answered_by_user')),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], name=op.f('fk_data_request_pupil_id_pupil')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_data_request_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request'))
    )
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index('ix_data_request_pupil', ['pupil_id', 'created_at'], unique=False)
        batch_op.create_index('ix_data_request_status', ['status', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index('ix_data_request_status')
        batch_op.drop_index('ix_data_request_pupil')

    op.drop_table('data_request')
