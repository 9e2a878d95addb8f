"""SQLAlchemy models of schema.yaml, written by `schemadiff models`.

Do not edit: change schema.yaml and run `schemadiff models` again; CI checks that the two agree
with `schemadiff diff schema.yaml sqlalchemy:<this module>:Base --exit-code`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class AuditLogs(Base):
    __tablename__ = 'audit_logs'
    __table_args__ = (
        Index('idx_audit_logs_user_id', 'user_id'),
        Index('idx_audit_logs_created_at', 'created_at'),
        Index('idx_audit_logs_action', 'action'),
        Index('idx_audit_logs_entity', 'entity_type', 'entity_id'),
        {'comment': 'Who did what to which entity; kept when the user is deleted.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[Optional[int]] = mapped_column(BigInteger, ForeignKey('users.id', ondelete='SET NULL'))
    action: Mapped[str] = mapped_column(String(100))
    entity_type: Mapped[Optional[str]] = mapped_column(String(100))
    entity_id: Mapped[Optional[str]] = mapped_column(String(255))
    before_state: Mapped[Optional[Any]] = mapped_column(JSONB)
    after_state: Mapped[Optional[Any]] = mapped_column(JSONB)
    ip_address: Mapped[Optional[str]] = mapped_column(INET)
    user_agent: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    metadata_: Mapped[Any] = mapped_column('metadata', JSONB, server_default=text("'{}'::jsonb"))

    user: Mapped[Optional["Users"]] = relationship(back_populates="audit_logs")


class Games(Base):
    __tablename__ = 'games'
    __table_args__ = (
        CheckConstraint('bet_amount >= 0'),
        CheckConstraint('payout_amount >= 0'),
        Index('idx_games_user_id', 'user_id'),
        Index('idx_games_created_at', 'created_at'),
        Index('idx_games_session_id', 'session_id'),
        {'comment': 'One game round played by a user, with its bet and payout.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey('users.id', ondelete='CASCADE'))
    algorithm_type: Mapped[str] = mapped_column(String(50))
    bet_amount: Mapped[Decimal] = mapped_column(Numeric(20, 8))
    outcome: Mapped[str] = mapped_column(String(50))
    multiplier: Mapped[Optional[Decimal]] = mapped_column(Numeric(20, 8))
    payout_amount: Mapped[Decimal] = mapped_column(Numeric(20, 8), server_default=text('0'))
    house_edge: Mapped[Optional[Decimal]] = mapped_column(Numeric(10, 6))
    session_id: Mapped[Optional[str]] = mapped_column(String(255))
    seed: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    metadata_: Mapped[Any] = mapped_column('metadata', JSONB, server_default=text("'{}'::jsonb"))

    user: Mapped["Users"] = relationship(back_populates="games")


class Notifications(Base):
    __tablename__ = 'notifications'
    __table_args__ = (
        Index('idx_notifications_user_id', 'user_id'),
        Index('idx_notifications_created_at', 'created_at'),
        Index('idx_notifications_is_read', 'is_read'),
        {'comment': 'Messages queued for or shown to a user.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey('users.id', ondelete='CASCADE'))
    notification_type: Mapped[str] = mapped_column(String(50))
    title: Mapped[Optional[str]] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    is_read: Mapped[bool] = mapped_column(Boolean, server_default=text('false'))
    read_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    metadata_: Mapped[Any] = mapped_column('metadata', JSONB, server_default=text("'{}'::jsonb"))

    user: Mapped["Users"] = relationship(back_populates="notifications")


class Outbox(Base):
    __tablename__ = 'outbox'
    __table_args__ = (
        CheckConstraint('attempts >= 0'),
        Index('idx_outbox_user_id', 'user_id'),
        Index('idx_outbox_status', 'status'),
        Index('idx_outbox_created_at', 'created_at'),
        Index('idx_outbox_next_retry_at', 'next_retry_at', postgresql_where=text("status = 'pending'")),
        {'comment': 'Transactional outbox of events to deliver, retried with backoff.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[Optional[int]] = mapped_column(BigInteger, ForeignKey('users.id', ondelete='CASCADE'))
    outbox_type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(50), server_default=text("'pending'"))
    payload: Mapped[Any] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text('0'))
    next_retry_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    metadata_: Mapped[Any] = mapped_column('metadata', JSONB, server_default=text("'{}'::jsonb"))

    user: Mapped[Optional["Users"]] = relationship(back_populates="outbox")


class Settings(Base):
    __tablename__ = 'settings'
    __table_args__ = (
        UniqueConstraint('setting_key'),
        Index('idx_settings_key', 'setting_key'),
        {'comment': 'Application settings as JSON values, one row per key.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    setting_key: Mapped[str] = mapped_column(String(255))
    setting_value: Mapped[Any] = mapped_column(JSONB)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))


class Transactions(Base):
    __tablename__ = 'transactions'
    __table_args__ = (
        Index('idx_transactions_user_id', 'user_id'),
        Index('idx_transactions_created_at', 'created_at'),
        Index('idx_transactions_type', 'transaction_type'),
        {'comment': 'Ledger of balance movements; balance_before/after make every row auditable.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey('users.id', ondelete='CASCADE'))
    transaction_type: Mapped[str] = mapped_column(String(50))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 8))
    balance_before: Mapped[Decimal] = mapped_column(Numeric(20, 8))
    balance_after: Mapped[Decimal] = mapped_column(Numeric(20, 8))
    status: Mapped[str] = mapped_column(String(50), server_default=text("'pending'"))
    reference_id: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    metadata_: Mapped[Any] = mapped_column('metadata', JSONB, server_default=text("'{}'::jsonb"))

    user: Mapped["Users"] = relationship(back_populates="transactions")


class Users(Base):
    __tablename__ = 'users'
    __table_args__ = (
        UniqueConstraint('telegram_id'),
        Index('idx_users_telegram_id', 'telegram_id'),
        Index('idx_users_created_at', 'created_at'),
        {'comment': 'Telegram users of the bot, one row per Telegram account.'},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    username: Mapped[Optional[str]] = mapped_column(String(255))
    first_name: Mapped[Optional[str]] = mapped_column(String(255))
    last_name: Mapped[Optional[str]] = mapped_column(String(255))
    language_code: Mapped[Optional[str]] = mapped_column(String(10))
    is_bot: Mapped[bool] = mapped_column(Boolean, server_default=text('false'))
    is_premium: Mapped[bool] = mapped_column(Boolean, server_default=text('false'))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), server_default=text('CURRENT_TIMESTAMP'))
    metadata_: Mapped[Any] = mapped_column('metadata', JSONB, server_default=text("'{}'::jsonb"))

    audit_logs: Mapped[list["AuditLogs"]] = relationship(back_populates="user", passive_deletes=True)
    games: Mapped[list["Games"]] = relationship(back_populates="user", passive_deletes=True)
    notifications: Mapped[list["Notifications"]] = relationship(back_populates="user", passive_deletes=True)
    outbox: Mapped[list["Outbox"]] = relationship(back_populates="user", passive_deletes=True)
    transactions: Mapped[list["Transactions"]] = relationship(back_populates="user", passive_deletes=True)
