"""reviewers, review sessions, face embeddings, re-verification runs; result provenance; webhook events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSONB = postgresql.JSONB(astext_type=sa.Text())


def upgrade() -> None:
    op.add_column("results", sa.Column("source", sa.String(16), server_default="engine", nullable=False))
    op.add_column("results", sa.Column("engine_decision", sa.String(16), nullable=True))
    op.add_column("results", sa.Column("policy_version", sa.String(40), nullable=True))
    op.add_column("results", sa.Column("updated_at", _TS, nullable=True))
    op.execute("UPDATE results SET engine_decision = decision, policy_version = report->>'policy_version'")

    op.add_column(
        "webhook_deliveries",
        sa.Column("event", sa.String(40), server_default="verification.completed", nullable=False),
    )
    op.drop_constraint("webhook_deliveries_verification_id_key", "webhook_deliveries", type_="unique")
    op.create_index("ix_webhook_deliveries_verification_id", "webhook_deliveries", ["verification_id"])
    op.create_index(
        "uq_webhook_completed_once",
        "webhook_deliveries",
        ["verification_id"],
        unique=True,
        postgresql_where=sa.text("event = 'verification.completed'"),
    )

    op.create_table(
        "reviewers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("username", sa.String(120), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("disabled_at", _TS, nullable=True),
    )
    op.create_index("ix_reviewers_tenant_id", "reviewers", ["tenant_id"])
    op.create_table(
        "review_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "reviewer_id", sa.String(36), sa.ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
    )
    op.create_index("ix_review_sessions_reviewer_id", "review_sessions", ["reviewer_id"])
    op.create_table(
        "face_embeddings",
        sa.Column(
            "verification_id",
            sa.String(36),
            sa.ForeignKey("verifications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "tenant_id", sa.String(36), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("subject_hash", sa.String(64), nullable=False),
        sa.Column("model", sa.String(120), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
    )
    op.create_index("ix_face_embeddings_tenant_model", "face_embeddings", ["tenant_id", "model"])
    op.create_table(
        "reverify_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(36), nullable=True),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("filters", _JSONB, nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("policy_toml", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
    )
    op.create_table(
        "reverify_items",
        sa.Column(
            "run_id", sa.String(36), sa.ForeignKey("reverify_runs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "verification_id",
            sa.String(36),
            sa.ForeignKey("verifications.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("old_decision", sa.String(16), nullable=True),
        sa.Column("old_reasons", _JSONB, nullable=False),
        sa.Column("new_decision", sa.String(16), nullable=True),
        sa.Column("new_reasons", _JSONB, nullable=True),
        sa.Column("report", _JSONB, nullable=True),
        sa.Column("error", _JSONB, nullable=True),
        sa.Column("updated_at", _TS, nullable=True),
    )
    op.create_index("ix_reverify_items_run_status", "reverify_items", ["run_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_reverify_items_run_status", table_name="reverify_items")
    op.drop_table("reverify_items")
    op.drop_table("reverify_runs")
    op.drop_index("ix_face_embeddings_tenant_model", table_name="face_embeddings")
    op.drop_table("face_embeddings")
    op.drop_index("ix_review_sessions_reviewer_id", table_name="review_sessions")
    op.drop_table("review_sessions")
    op.drop_index("ix_reviewers_tenant_id", table_name="reviewers")
    op.drop_table("reviewers")
    op.drop_index("uq_webhook_completed_once", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_verification_id", table_name="webhook_deliveries")
    op.execute("DELETE FROM webhook_deliveries WHERE event <> 'verification.completed'")
    op.create_unique_constraint(
        "webhook_deliveries_verification_id_key", "webhook_deliveries", ["verification_id"]
    )
    op.drop_column("webhook_deliveries", "event")
    for col in ("updated_at", "policy_version", "engine_decision", "source"):
        op.drop_column("results", col)
