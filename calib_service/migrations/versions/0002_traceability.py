"""traceability: intermediate checks, nonconformities, certificate details, external standards, CRMs

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import calib_service.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ### operations of the traceability issue ###
    op.create_table('intermediate_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('point', sa.String(length=100), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Double(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference_value', sa.Double(), nullable=True),
    sa.Column('reference_uncertainty', sa.Double(), nullable=True),
    sa.Column('limit_low', sa.Double(), nullable=True),
    sa.Column('limit_high', sa.Double(), nullable=True),
    sa.Column('center', sa.Double(), nullable=True),
    sa.Column('out_of_control', sa.Boolean(), nullable=False),
    sa.Column('performed_by', sa.String(length=200), nullable=False),
    sa.Column('check_standard', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', calib_service.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_intermediate_check_equipment_id_equipment')),
    sa.ForeignKeyConstraint(['standard_id'], ['measurement_standard.id'], name=op.f('fk_intermediate_check_standard_id_measurement_standard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intermediate_check'))
    )
    op.create_table('nonconformity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('equipment_id', sa.Integer(), nullable=True),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('suspect_since', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('raised_by', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', calib_service.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_nonconformity_equipment_id_equipment')),
    sa.ForeignKeyConstraint(['standard_id'], ['measurement_standard.id'], name=op.f('fk_nonconformity_standard_id_measurement_standard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity')),
    sa.UniqueConstraint('number', name=op.f('uq_nonconformity_number'))
    )
    op.create_table('nonconformity_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonconformity_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('taken_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', calib_service.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_nonconformity_action_customer_id_customer')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_nonconformity_action_nonconformity_id_nonconformity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity_action'))
    )
    op.create_table('nonconformity_impact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonconformity_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('calibration_id', sa.Integer(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('via', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['calibration_id'], ['calibration.id'], name=op.f('fk_nonconformity_impact_calibration_id_calibration')),
    sa.ForeignKeyConstraint(['certificate_id'], ['standard_certificate.id'], name=op.f('fk_nonconformity_impact_certificate_id_standard_certificate')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_nonconformity_impact_customer_id_customer')),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], name=op.f('fk_nonconformity_impact_nonconformity_id_nonconformity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nonconformity_impact'))
    )
    with op.batch_alter_table('measurement_standard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('crm_number', sa.String(length=100), nullable=True))

    with op.batch_alter_table('standard_certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('results', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('route', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('file_name', sa.String(length=300), nullable=True))

    # ### end Alembic commands ###

def downgrade() -> None:
    # ### operations of the traceability issue ###
    with op.batch_alter_table('standard_certificate', schema=None) as batch_op:
        batch_op.drop_column('file_name')
        batch_op.drop_column('route')
        batch_op.drop_column('results')
        batch_op.drop_column('issued_on')

    with op.batch_alter_table('measurement_standard', schema=None) as batch_op:
        batch_op.drop_column('crm_number')
        batch_op.drop_column('external')

    op.drop_table('nonconformity_impact')
    op.drop_table('nonconformity_action')
    op.drop_table('nonconformity')
    op.drop_table('intermediate_check')
    # ### end Alembic commands ###
