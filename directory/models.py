"""Tables of the directory: divisions, service categories, platforms and providers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.orm import Base, utcnow

# The four platform levels of the certification measures, and plain service providers.
KINDS = ("district_call_center", "township_center", "village_station", "provider")
# Digits of a national statistical code at each level (province .. village).
CODE_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class Division(Base):
    """An administrative division by its national statistical code."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[int] = mapped_column(SmallInteger, index=True)
    # Not a foreign key: a file may start below the province (Hefei's names parent 34).
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Folded pinyin computed once at import ("core|kind|alias;alias"), so matching never
    # runs pypinyin over the directory at call time.
    reading: Mapped[str] = mapped_column(Text, default="")


class Category(Base):
    """A kind of service residents ask for, with the everyday words that name it."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    zh: Mapped[str] = mapped_column(String(64))
    en: Mapped[str] = mapped_column(String(128))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)


class Provider(Base):
    """A platform (call center, township center, village station) or a service provider."""

    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    hours: Mapped[str | None] = mapped_column(String(256))
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Open work orders right now; kept by referrals, compared with capacity by routing.
    open_cases: Mapped[int] = mapped_column(Integer, default=0)
    # Taken out of routing by an administrator (hours and capacity are kept).
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    categories: Mapped[list[ProviderCategory]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    serves: Mapped[list[ProviderArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def category_codes(self) -> list[str]:
        """Codes of the categories this provider offers."""
        return sorted(c.category_code for c in self.categories)

    @property
    def serve_codes(self) -> list[str]:
        """Division codes this provider covers (each covers everything below it)."""
        return sorted(s.division_code for s in self.serves)


class ProviderCategory(Base):
    """A category a provider offers."""

    __tablename__ = "provider_categories"

    provider_id: Mapped[str] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), primary_key=True,
                                               index=True)


class ProviderArea(Base):
    """A division a provider serves; it covers every division below it too."""

    __tablename__ = "provider_areas"

    provider_id: Mapped[str] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
    )
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), primary_key=True,
                                               index=True)


class DirectoryVersion(Base):
    """A counter bumped by every import that changes something, so caches know to reload."""

    __tablename__ = "directory_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
