"""report jobs: the background batches of hard copies (issue 18), their progress and file

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 14:04:47.803989

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('class_ids', sa.JSON(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.Column('result_key', sa.String(length=60), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('hardcopy')", name=op.f('ck_report_job_kind')),
    sa.CheckConstraint("status != 'done' OR result_key IS NOT NULL", name=op.f('ck_report_job_result')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_report_job_status')),
    sa.CheckConstraint('done >= 0 AND done <= total', name=op.f('ck_report_job_progress')),
    sa.ForeignKeyConstraint(['period_id'], ['study_period.id'], name=op.f('fk_report_job_period_id_study_period'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by'], ['user.id'], name=op.f('fk_report_job_requested_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_job'))
    )
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.create_index('ix_report_job_user', ['requested_by', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index('ix_report_job_user')

    op.drop_table('report_job')
