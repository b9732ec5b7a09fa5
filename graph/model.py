"""The equity graph's data model: entities (nodes) and the facts that link them (edges).

Shares are kept as fractions in [0, 1]; loaders convert from the percentages users write.
Every record has a deterministic ``key`` so that loading the same fact twice stores it once.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import unicodedata
from dataclasses import dataclass, field


class EntityKind(str, enum.Enum):
    COMPANY = "company"
    PERSON = "person"
    ORGANIZATION = "organization"  # state body, fund, partnership or other non-company holder
    ADDRESS = "address"
    CONTACT = "contact"  # phone number or e-mail address
    EVENT = "event"  # a risk event about one entity


#: A register covering less of a company's shares than this is counted as incomplete in the reports.
REGISTER_COMPLETE = 0.95

#: Kinds that can hold shares and serve as officers.
PARTY_KINDS = (EntityKind.COMPANY, EntityKind.PERSON, EntityKind.ORGANIZATION)


class Interest(str, enum.Enum):
    SHAREHOLDING = "shareholding"
    VOTING = "voting"
    OTHER = "other"
    BOARD = "board"  # the right to appoint or remove (a majority of) the board


class EventType(str, enum.Enum):
    CONFIRMED_CASE = "confirmed_case"  # a confirmed illegal-fundraising case
    COMPLAINT = "complaint"
    NEGATIVE_NEWS = "negative_news"
    COURT_CASE = "court_case"
    PENALTY = "penalty"
    ABNORMAL_OPERATION = "abnormal_operation"  # listed as operating abnormally (经营异常)
    # Confirmed matches of a screening (queries.screen), added after the others so stored codes keep their meaning:
    SANCTIONED = "sanctioned"  # on a sanctions list
    PEP = "pep"  # a politically exposed person (or a relative or close associate of one)
    WANTED = "wanted"  # wanted, or on a list of crime
    LISTED = "listed"  # on another watchlist (debarment, export control)


class LinkKind(str, enum.Enum):
    LOCATED_AT = "located_at"  # party -> address
    HAS_CONTACT = "has_contact"  # party -> phone / e-mail


class RelationType(str, enum.Enum):
    """Ties a registry does not show but an investigator knows (relations.csv)."""

    CONCERT_PARTY = "concert_party"  # 一致行动人: their votes count together
    SPOUSE = "spouse"
    PARENT = "parent"  # a is b's parent
    CHILD = "child"  # a is b's child
    SIBLING = "sibling"
    RELATIVE = "relative"  # another close family tie
    NOMINEE = "nominee"  # a holds, on record, for b (the principal): 代持
    CONTROL_AGREEMENT = "control_agreement"  # a controls b by contract (VIE): 协议控制
    # From the open registers (GLEIF, BODS); added after the others so that stored codes keep their meaning.
    ACCOUNTING_PARENT = "accounting_parent"  # a consolidates b in its accounts (GLEIF direct parent): control
    ULTIMATE_PARENT = "ultimate_parent"  # a is declared b's ultimate parent (checked, not used, by the analysis)
    INDIRECT_HOLDER = "indirect_holder"  # a is declared to hold ``share`` of b through others
    BENEFICIAL_OWNER = "beneficial_owner"  # a is declared a beneficial owner of b
    FUND_MANAGER = "fund_manager"  # a manages fund b
    UMBRELLA_FUND = "umbrella_fund"  # b is a sub-fund of a
    MASTER_FUND = "master_fund"  # b is a feeder fund of a
    # A data vendor's or register's declared actual controller (实际控制人, actl_cntr_name): checked, not used.
    DECLARED_CONTROLLER = "declared_controller"


#: Facts a register declares about control through others: kept beside what the analysis computes
#: and compared with it (``equitygraph discrepancies``), never used as edges of their own.
DECLARED_FACTS = (RelationType.ULTIMATE_PARENT, RelationType.INDIRECT_HOLDER, RelationType.BENEFICIAL_OWNER,
                  RelationType.DECLARED_CONTROLLER)


FAMILY_TIES = (RelationType.SPOUSE, RelationType.PARENT, RelationType.CHILD, RelationType.SIBLING,
               RelationType.RELATIVE)


@dataclass(frozen=True)
class Share:
    """A share as a fraction: exact (``low == high``), a range, or unknown (both ``None``).

    Examples
    --------
    >>> Share.exact(0.51).is_exact
    True
    >>> Share(0.5, 0.75).describe()
    '50-75 %'
    >>> Share.unknown().describe()
    'unknown'
    """

    low: float | None
    high: float | None

    def __post_init__(self):
        if (self.low is None) != (self.high is None):
            raise ValueError("a share range needs both bounds or neither")
        if self.low is not None:
            if not (0.0 <= self.low <= self.high <= 1.0):
                raise ValueError(f"share bounds must satisfy 0 <= low <= high <= 1, got {self.low}, {self.high}")

    @classmethod
    def exact(cls, value: float) -> "Share":
        return cls(value, value)

    @classmethod
    def unknown(cls) -> "Share":
        return cls(None, None)

    @property
    def is_known(self) -> bool:
        return self.low is not None

    @property
    def is_exact(self) -> bool:
        return self.low is not None and self.low == self.high

    def describe(self) -> str:
        if self.low is None:
            return "unknown"
        if self.is_exact:
            return f"{_percent(self.low)} %"
        return f"{_percent(self.low)}-{_percent(self.high)} %"


def _percent(fraction: float) -> str:
    text = f"{fraction * 100:.4f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Entity:
    """A node: a company, person, other organization, address, contact or event."""

    id: str
    kind: EntityKind
    name: str
    aliases: tuple[str, ...] = ()
    reg_no: str | None = None
    jurisdiction: str | None = None
    status: str | None = None
    founded: dt.date | None = None
    registered_capital: float | None = None
    paid_in_capital: float | None = None
    currency: str | None = None
    industry: str | None = None
    business_scope: str | None = None
    # What the register of holders leaves out (docs/control.md, "Registers that are not complete"):
    # every holder not on record holds less than ``disclosure_threshold`` (0 = the register is
    # complete); a ``listed`` company's unrecorded shares, or its declared ``free_float``, are held
    # by dispersed public holders.
    disclosure_threshold: float | None = None
    listed: bool = False
    free_float: float | None = None
    # A natural person's identity evidence: a salted hash of the ID number (the number itself only
    # where the user asked to keep it), and the birth date.
    id_hash: str | None = None
    id_number: str | None = None
    birth_date: dt.date | None = None

    @property
    def key(self) -> str:
        return self.id

    @property
    def identity(self) -> str | None:
        """What makes two person records one person: the same ID number (hash), or the same name
        with the same birth date. None where the record has neither: a name alone proves nothing.

        Examples
        --------
        >>> Entity("p1", EntityKind.PERSON, "王伟", birth_date=dt.date(1980, 5, 1)).identity
        'nb:王伟|1980-05-01'
        >>> Entity("p2", EntityKind.PERSON, "王伟").identity is None
        True
        """
        if self.kind is not EntityKind.PERSON:
            return None
        if self.id_hash:
            return "id:" + self.id_hash
        if self.birth_date:
            return f"nb:{normalize_name(self.name)}|{self.birth_date.isoformat()}"
        return None


class _InForce:
    """A fact in force from ``since`` to ``until``, both days included; None leaves that end open."""

    def valid_on(self, day: dt.date) -> bool:
        return _valid_on(self.since, self.until, day)

    def in_force(self, as_of: dt.date | None = None) -> bool:
        """In force on ``as_of``, or today when None (see :func:`effective_day`)."""
        return self.valid_on(effective_day(as_of))


@dataclass(frozen=True)
class Holding(_InForce):
    """``holder_id`` holds ``share`` of ``company_id`` (holder -> company)."""

    holder_id: str
    company_id: str
    share: Share = field(default_factory=Share.unknown)
    interest: Interest = Interest.SHAREHOLDING
    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None

    @property
    def key(self) -> str:
        return natural_key(self.holder_id, self.company_id, self.interest.value, _date_key(self.since))


@dataclass(frozen=True)
class Officer(_InForce):
    """``person_id`` serves ``company_id`` in ``role`` (a standard role of :mod:`.roles`, or a title
    no role knows, as written); ``title`` is the title the register wrote for a standard role
    (董事長, 獨立非執行董事), where it differs from the role's name: shown, never part of the key."""

    person_id: str
    company_id: str
    role: str
    since: dt.date | None = None
    until: dt.date | None = None
    title: str | None = None

    @property
    def key(self) -> str:
        return natural_key(self.person_id, self.company_id, self.role, _date_key(self.since))


@dataclass(frozen=True)
class Link(_InForce):
    """A party's registered address or contact: ``src`` (party) -> ``dst`` (address / contact).

    A link with an ``until`` is history: a register snapshot no longer showed it (stores keep it
    apart from the links in force, which every question about today reads)."""

    src: str
    dst: str
    kind: LinkKind
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def key(self) -> str:
        return natural_key(self.src, self.dst, self.kind.value)

    @property
    def history_key(self) -> str:
        """The key of an ended link: the same link may end, come back and end again."""
        return natural_key(self.src, self.dst, self.kind.value, _date_key(self.since), _date_key(self.until))


@dataclass(frozen=True)
class Relation(_InForce):
    """A declared tie between two parties: ``a`` is ``type`` of ``b`` (see :class:`RelationType`);
    ``share`` is the declared stake of an indirect holder or beneficial owner."""

    a: str
    b: str
    type: RelationType
    since: dt.date | None = None
    until: dt.date | None = None
    source: str | None = None
    share: Share = field(default_factory=Share.unknown)

    @property
    def key(self) -> str:
        return natural_key(self.a, self.b, self.type.value, _date_key(self.since))


def id_number_hash(number: str, salt: str) -> str:
    """A salted hash of an ID number (spaces dropped, letters upper-cased), so that two records with
    one number can be told to be one person without keeping the number.

    Examples
    --------
    >>> id_number_hash("11010119800501123x", "s") == id_number_hash("110101 19800501123X", "s")
    True
    """
    import hmac

    normal = "".join(number.split()).upper()
    return hmac.new(salt.encode(), normal.encode(), hashlib.sha256).hexdigest()[:32]


def mask_id_number(number: str) -> str:
    """An ID number as it may be shown: its first four and last four characters.

    Examples
    --------
    >>> mask_id_number("11010119800501123X")
    '1101**********123X'
    """
    return number[:4] + "*" * max(0, len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


@dataclass(frozen=True)
class RiskEvent:
    """A risk event about one entity; ``severity`` runs from 1 (minor) to 5 (grave)."""

    entity_id: str
    type: EventType
    date: dt.date | None = None
    severity: int | None = None
    text: str | None = None
    source: str | None = None

    @property
    def id(self) -> str:
        return event_id(self.entity_id, self.type.value, _date_key(self.date), self.text or "", self.source or "")

    @property
    def key(self) -> str:
        return self.id




def _date_key(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


#: The days a question may be asked about (--as-of, --since, --until): far enough either way for any register.
FIRST_DAY, LAST_DAY = dt.date(1800, 1, 1), dt.date(2999, 12, 31)


def day_after(day: dt.date) -> dt.date:
    """The next day; the last day there is stays itself (registers write 9999-12-31 for "no end").

    Examples
    --------
    >>> day_after(dt.date(2024, 2, 28)), day_after(dt.date(9999, 12, 31))
    (datetime.date(2024, 2, 29), datetime.date(9999, 12, 31))
    """
    return day + dt.timedelta(days=1) if day < dt.date.max else day


def check_day(day: dt.date, what: str) -> dt.date:
    """``day`` if a question may be asked about it, else a ``ValueError`` saying the range."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{what} {day.isoformat()} is outside {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day


def effective_day(as_of: dt.date | None) -> dt.date:
    """The day a question is asked about: ``as_of``, or today. "Current" always means "in force
    today": a holding that ends in the future is current, one that starts in the future is not.

    Examples
    --------
    >>> effective_day(dt.date(2020, 1, 1))
    datetime.date(2020, 1, 1)
    >>> effective_day(None) == dt.date.today()
    True
    """
    return as_of if as_of is not None else dt.date.today()


def _valid_on(since: dt.date | None, until: dt.date | None, day: dt.date) -> bool:
    return (since is None or since <= day) and (until is None or day <= until)


def natural_key(*parts: str) -> str:
    """The parts joined with ``|``, each ``\\`` and ``|`` in them escaped, so that no two different
    records share a key (``A|B`` holding ``C`` and ``A`` holding ``B|C`` do not).

    Examples
    --------
    >>> natural_key("A|B", "C") == natural_key("A", "B|C")
    False
    >>> natural_key("P1", "C1", "shareholding", "")
    'P1|C1|shareholding|'
    """
    return "|".join(part.replace("\\", "\\\\").replace("|", "\\|") for part in parts)


def split_key(key: str) -> list[str]:
    """The parts of a :func:`natural_key`.

    Examples
    --------
    >>> split_key(natural_key("A|B", "C")), split_key("P1")
    (['A|B', 'C'], ['P1'])
    """
    parts, current, escaped = [], [], False
    for ch in key:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def event_id(*parts: str) -> str:
    """A stable id for an event made from its facts, so that reloading it does not duplicate it."""
    joined = "\x1f".join(part.replace("\\", "\\\\").replace("\x1f", "\\\x1f") for part in parts)
    digest = hashlib.sha1(joined.encode("utf-8")).hexdigest()[:16]
    return f"event:{digest}"


def address_id(text: str) -> str:
    """The id of an address node: addresses written alike (width, case, spaces) share one node.

    Examples
    --------
    >>> address_id("北京市朝阳区 建国路１号") == address_id("北京市朝阳区建国路1号")
    True
    """
    return "addr:" + _digest(normalize_name(text).replace(" ", ""))


def contact_id(text: str) -> str:
    """The id of a phone / e-mail node; phone numbers are compared by their digits.

    Examples
    --------
    >>> contact_id("010-8888 6666") == contact_id("01088886666")
    True
    """
    norm = normalize_name(text)
    if "@" not in norm:
        digits = "".join(ch for ch in norm if ch.isdigit())
        norm = digits or norm
    return "contact:" + _digest(norm)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def normalize_name(text: str) -> str:
    """The form names are compared and searched in: NFKC (full-width to half-width), case-folded,
    white space collapsed.

    Examples
    --------
    >>> normalize_name("  ＡＢＣ（中国）  Holdings ")
    'abc(中国) holdings'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())
