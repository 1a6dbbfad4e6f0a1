"""The dialogs' view of the directory and the caller's file, read from the database."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialogs.services import OpenRequest, PlaceChoice, RouteAnswer
from directory import routing, service
from directory.models import Category, Division, Provider
from directory.names import english, spoken
from directory.understanding import NeedMatcher, PlaceMatcher, Understood
from ivr.core import clock
from ivr.core.models import Referral, Resident
from ivr.residents import checks
from ivr.residents.records import short_number
from ivr.residents.referrals import OPEN

MAX_HINT_WORDS = 60
T = TypeVar("T")
def place_choice(code: str, name: str, level: int) -> PlaceChoice:
    """A division as a caller chooses it by key: '三里庵街道', 'Sanlian Subdistrict'."""
    parts = spoken(name)
    return PlaceChoice(code, parts.core + parts.kind, english(name), broad=level <= 3)


class DbDirectory:
    """Implements dialogs.services.Directory over one request's session."""

    def __init__(self, session: Session, config: dict[str, Any] | Any, phone: str = "",
                 version: str | None = None) -> None:
        self.session = session
        self.config = config
        self.phone = phone
        # The directory version, when the caller read it with something else already.
        self._version: str | None = version

    def _current(self) -> str:
        """The directory version, read once per request."""
        if self._version is None:
            self._version = service.version(self.session)
        return self._version

    def _cached(self, name: Hashable, build: Callable[[], T]) -> T:
        """A value derived from the directory: names and hints change only with an import."""
        return service.per_version(self.session, self._current(), name, build)

    def understand_need(self, text: str) -> Understood:
        """Which category the words name."""
        return self._matchers()[1].find(text)

    def understand_place(self, text: str, within: str | None) -> Understood:
        """Which division the words name, inside the caller's district first."""
        return self._matchers()[0].find(text, within=within)

    def _matchers(self) -> tuple[PlaceMatcher, NeedMatcher]:
        return service.matchers(self.session, self._current())

    def need_name(self, code: str, language: str) -> str:
        """A category's name in a language."""
        names = self._cached("category names", lambda: {
            c: (zh, en) for c, zh, en in self.session.execute(
                select(Category.code, Category.zh, Category.en))})
        zh, en = names.get(code, (code, code))
        return en if language == "en" else zh

    def place_name(self, code: str, language: str = "zh-CN") -> str:
        """'包河区滨湖世纪社区': the district, then the place as people say it; in English
        'Binhushiji Community, Baohe District' (an English voice cannot read characters)."""
        return self._cached(("place name", code, language),
                            lambda: self._place_name(code, language))

    def _place_name(self, code: str, language: str) -> str:
        place = self.session.get(Division, code)
        if place is None:
            return code
        parts = spoken(place.name)
        short = parts.core + parts.kind
        district = self.session.get(Division, code[:6]) if place.level >= 4 else None
        if language == "en":
            mine = english(place.name)
            return f"{mine}, {english(district.name)}" if district is not None else mine
        return district.name + short if district is not None else short

    def route(self, need: str, division: str) -> RouteAnswer:
        """Where the request goes now, in the line's time zone."""
        answer = routing.route(self.session, need, division, clock.local_now(self.config),
                               duty_phone=self.config.get("DUTY_NUMBER") or None)
        return RouteAnswer(answer.id, answer.name, answer.phone, answer.level,
                           answer.reason_code, answer.next_open)

    def open_requests(self) -> list[OpenRequest]:
        """The caller's referrals in progress, newest first."""
        if not self.phone:
            return []
        rows = self.session.execute(
            select(Referral.id, Referral.category, Provider.name, Referral.status)
            .join(Resident, Resident.id == Referral.resident_id)
            .join(Provider, Provider.id == Referral.provider_id)
            .where(Resident.phone == self.phone, Referral.status.in_(OPEN))
            .order_by(Referral.created_at.desc()))
        return [OpenRequest(need, provider, state, short_number(rid))
                for rid, need, provider, state in rows]

    def check_caller(self, kind: str, entry: str) -> bool:
        """Whether the keys match the PIN or ID ending on the file of the calling number."""
        resident = self.session.scalars(select(Resident).where(
            Resident.phone == self.phone)).first() if self.phone else None
        return resident is not None and not resident.provisional and checks.verify(
            resident, kind, entry, str(self.config.get("SECRET_KEY") or ""))

    def hints(self, understand: str, within: str | None) -> tuple[str, ...]:
        """Words the recognizer should expect: category words, or nearby place names."""
        return self._cached(("hints", understand, within),
                            lambda: self._hints(understand, within))

    def _hints(self, understand: str, within: str | None) -> tuple[str, ...]:
        if understand == "need":
            words: list[str] = []
            for zh, keywords in self.session.execute(select(Category.zh, Category.keywords)):
                words += [zh, *[k for k in (keywords or [])[:4] if not k.isascii()]]
            return tuple(words[:MAX_HINT_WORDS])
        query = select(Division.name).where(Division.level.in_((3, 4)))
        if within:
            query = query.where(Division.code.like(f"{within}%"))
        names = self.session.scalars(query.order_by(Division.code).limit(MAX_HINT_WORDS))
        return tuple(spoken(n).core + spoken(n).kind for n in names)

    def place_choices(self, parent: str | None) -> list[PlaceChoice]:
        """The divisions right below `parent` (below the top division when None), by code."""
        return self._cached(("place choices", parent), lambda: self._place_choices(parent))

    def _place_choices(self, parent: str | None) -> list[PlaceChoice]:
        if parent is None:
            top = self.session.scalar(select(func.min(Division.level)))
            roots = list(self.session.scalars(
                select(Division.code).where(Division.level == top).limit(2)))
            if len(roots) != 1:
                rows = self.session.execute(select(Division.code, Division.name, Division.level)
                                            .where(Division.level == top)
                                            .order_by(Division.code))
                return [place_choice(c, n, lv) for c, n, lv in rows]
            parent = roots[0]
        rows = self.session.execute(select(Division.code, Division.name, Division.level)
                                    .where(Division.parent_code == parent)
                                    .order_by(Division.code))
        return [place_choice(c, n, lv) for c, n, lv in rows]
