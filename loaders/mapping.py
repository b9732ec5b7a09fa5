"""Mappings: which column of a registry extract becomes which field of the model, and how its values
are read (docs/mappings.md). A mapping file is TOML::

    share_scale = "percent"        # plain share numbers: percent (51) or fraction (0.51)
    amount_unit = "元"             # plain amounts in 元 or 万元 (a header saying 万元 wins)

    [[table]]
    kind = "shareholders"          # companies, shareholders, officers, penetration or events
    sheet = "股东信息"              # the worksheet (or CSV file) it reads; omitted: any sheet it fits
    company = "华信投资有限公司"     # the company a one-company list is about (no company column)
    [table.columns]
    company = "企业名称"
    holder = "股东名称"
    share = "持股比例"

The built-in mappings (builtin_mappings.toml) are chosen by the headers when no mapping is given, or
for the sheets a mapping does not name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..graph.errors import InvalidInput
from .sheets import Sheet, header_key
from .textfile import escape_steering

KINDS = ("companies", "shareholders", "officers", "penetration", "events")
#: The order tables are read in: companies first, so the others find the companies they name.
READ_ORDER = {kind: n for n, kind in enumerate(KINDS)}
_DETECT_PREFERENCE = ("penetration", "shareholders", "officers", "events", "companies")
#: Headers that say a table lists people: such a table is never a company list.
PERSON_HEADERS = ("性别", "性別", "gender", "sex", "年龄", "年齡", "age", "出生日期", "出生年月", "出生年份", "出生", "birth",
                  "birthday", "birth_date", "date of birth", "身份证号", "身份证号码", "身份證字號", "证件号码", "id number",
                  "id_number", "学历", "學歷", "education", "degree", "国籍", "國籍", "nationality")


@dataclass(frozen=True)
class KindSpec:
    kind: str
    title: str
    required: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]]  # field -> header words, in order of preference


@dataclass
class TableMapping:
    """How one sheet is read: its kind, the header of each field, where the mapping came from."""

    kind: str
    columns: dict[str, str]  # field -> header as written in the sheet
    origin: str  # "built-in company list (企业名单)" or the mapping file's name
    company: str | None = None
    unmapped: list[str] = field(default_factory=list)


@dataclass
class Mapping:
    share_scale: str = "percent"
    amount_unit: str = "元"
    tables: list[dict] = field(default_factory=list)
    origin: str = "built-in"


@functools.cache
def builtin_specs() -> dict[str, KindSpec]:
    import tomllib

    data = tomllib.loads(resources.files(__package__).joinpath("builtin_mappings.toml").read_text("utf-8"))
    specs = {}
    for kind in KINDS:
        entry = dict(data[kind])
        title, required = entry.pop("title"), tuple(entry.pop("required"))
        specs[kind] = KindSpec(kind, title, required, {f: tuple(words) for f, words in entry.items()})
    return specs


def all_header_words() -> set[str]:
    return {header_key(w) for spec in builtin_specs().values() for words in spec.synonyms.values() for w in words}


_AMOUNT_UNITS = {"元": 1.0, "yuan": 1.0, "万元": 1e4, "万": 1e4, "wan": 1e4, "亿元": 1e8, "亿": 1e8}


def amount_factor(unit: str) -> float:
    return _AMOUNT_UNITS[unit]


def read_mapping(path: str | Path, share_scale: str = "percent") -> Mapping:
    """A mapping file, checked: unknown kinds, fields or options are errors naming the file;
    ``share_scale`` where the file does not set one."""
    import tomllib

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as e:
        raise InvalidInput(path, None, None, f"cannot read the mapping: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InvalidInput(path, None, None, f"is not valid TOML: {e}") from None
    unknown = set(data) - {"share_scale", "amount_unit", "table"}
    if unknown:
        raise InvalidInput(path, None, sorted(unknown)[0], "is not a mapping option (share_scale, amount_unit, table)")
    mapping = Mapping(origin=path.name)
    mapping.share_scale = data.get("share_scale", share_scale)
    if mapping.share_scale not in ("percent", "fraction"):
        raise InvalidInput(path, None, "share_scale", f"{mapping.share_scale!r} is not percent or fraction")
    mapping.amount_unit = data.get("amount_unit", "元")
    if mapping.amount_unit not in _AMOUNT_UNITS:
        raise InvalidInput(path, None, "amount_unit", f"{mapping.amount_unit!r} is not one of {', '.join(_AMOUNT_UNITS)}")
    specs = builtin_specs()
    tables = data.get("table", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InvalidInput(path, None, "table", "must be tables, each written [[table]]")
    for number, table in enumerate(tables, 1):
        where = f"table {number}"
        kind = table.get("kind")
        if kind not in specs:
            raise InvalidInput(path, None, f"{where}: kind", f"{kind!r} is not one of {', '.join(KINDS)}")
        extra = set(table) - {"kind", "sheet", "company", "columns"}
        if extra:
            raise InvalidInput(path, None, f"{where}: {sorted(extra)[0]}", "is not a table option (kind, sheet, company, columns)")
        columns = table.get("columns", {})
        if not isinstance(columns, dict):
            raise InvalidInput(path, None, f"{where}: columns", "must be a table of field = \"column header\" lines")
        if not isinstance(table.get("sheet", ""), str) or not isinstance(table.get("company", ""), str):
            option = "sheet" if not isinstance(table.get("sheet", ""), str) else "company"
            raise InvalidInput(path, None, f"{where}: {option}", "must be a text in quotes")
        for name, header in columns.items():
            if name not in specs[kind].synonyms:
                raise InvalidInput(path, None, f"{where}: columns.{name}",
                                   f"is not a field of {kind} ({', '.join(specs[kind].synonyms)})")
            if not isinstance(header, str) or not header.strip():
                raise InvalidInput(path, None, f"{where}: columns.{name}", "must name a column header")
        mapping.tables.append(table)
    return mapping


def map_sheet(sheet: Sheet, mapping: Mapping) -> TableMapping | None:
    """How ``sheet`` is read: by the mapping's table naming it (or, unnamed, fitting it), else by the
    built-in kind its headers fit best; None for a sheet nothing fits (it is skipped, and said)."""
    present = {header_key(h): h for h in sheet.header if h}
    named = [t for t in mapping.tables if t.get("sheet") is not None]
    for table in named:
        if header_key(table["sheet"]) in (header_key(sheet.name), header_key(sheet.file.name), header_key(sheet.file.stem)):
            return _from_table(table, sheet, present, mapping.origin)
    for table in mapping.tables:
        if table.get("sheet") is None and all(header_key(h) in present for h in table.get("columns", {}).values()):
            return _from_table(table, sheet, present, mapping.origin)
    return detect(sheet)


def _from_table(table: dict, sheet: Sheet, present: dict[str, str], origin: str) -> TableMapping:
    spec = builtin_specs()[table["kind"]]
    columns = {}
    for name, header in table.get("columns", {}).items():
        if header_key(header) not in present:
            sheet.fail(sheet.header_row, header, f"the mapped column ({table['kind']} {name}) is not in the header")
        columns[name] = present[header_key(header)]
    if not table.get("columns"):  # a table naming only its kind and sheet: the built-in headers
        columns = _match(spec, present)
    for name in spec.required:
        if name not in columns:
            sheet.fail(sheet.header_row, None, f"no column for the required field {name!r} of {table['kind']}")
    used = set(columns.values())
    return TableMapping(table["kind"], columns, origin, table.get("company"), [h for h in sheet.header if h and h not in used])


def _match(spec: KindSpec, present: dict[str, str]) -> dict[str, str]:
    columns, used = {}, set()
    for name, words in spec.synonyms.items():
        for word in words:
            header = present.get(header_key(word))
            if header is not None and header not in used:
                columns[name] = header
                used.add(header)
                break
    return columns


def detect(sheet: Sheet) -> TableMapping | None:
    """The built-in kind a sheet's headers fit best, reading every header: a table of people
    (:data:`PERSON_HEADERS`) is never a company list, nor is a table of which only the name column
    would be read; None where nothing fits (the sheet is then refused or skipped, and said)."""
    present = {header_key(h): h for h in sheet.header if h}
    people = looks_like_people(sheet.header)
    best = None
    for kind in _DETECT_PREFERENCE:
        spec = builtin_specs()[kind]
        columns = _match(spec, present)
        if not all(name in columns for name in spec.required):
            continue
        if kind == "companies" and (people or (len(columns) == 1 and len(present) > 2)):
            continue
        if best is None or len(columns) > len(best.columns):
            used = set(columns.values())
            best = TableMapping(kind, columns, f"built-in {spec.title}",
                                unmapped=[h for h in sheet.header if h and h not in used])
    return best


def looks_like_people(header: list[str]) -> bool:
    """Whether a header says its rows are people (gender, age, birth, ID number, education).

    Examples
    --------
    >>> looks_like_people(["name", "gender", "age", "code", "jobs"]), looks_like_people(["企业名称", "法定代表人"])
    (True, False)
    """
    keys = {header_key(h) for h in header if h}
    return any(header_key(word) in keys for word in PERSON_HEADERS)


def mapping_toml(tables: list[tuple[Sheet, TableMapping | None]]) -> str:
    r"""A starting mapping for the sheets: what was recognised, the rest as comments to fill in. Every
    name and header the file gave is written as a quoted TOML string (also in comments), so none can
    add a line of its own or steer a terminal that shows it.

    Examples
    --------
    >>> import tomllib
    >>> _quote('股东"名称\n[[table]]\u202e')
    '"股东\\"名称\\n[[table]]\\u202e"'
    >>> tomllib.loads("x = " + _quote('股东"名称\n[[table]]'))["x"]
    '股东"名称\n[[table]]'
    """
    lines = ["# equitygraph mapping (docs/mappings.md): check each column, then",
             "#   equitygraph mapping check THIS_FILE DATA_FILE", "",
             'share_scale = "percent"   # plain share numbers: percent (51) or fraction (0.51)',
             'amount_unit = "元"         # plain amounts in 元 or 万元 (a header saying 万元 wins)', ""]
    for sheet, mapped in tables:
        if mapped is None:
            lines += [f"# sheet {_quote(sheet.name)}: not recognised; its headers: "
                      + ", ".join(_quote(h) for h in sheet.header if h), ""]
            continue
        lines += ["[[table]]", f"kind = {_quote(mapped.kind)}", f"sheet = {_quote(sheet.name)}", "[table.columns]"]
        lines += [f"{name} = {_quote(header)}" for name, header in mapped.columns.items()]
        spec = builtin_specs()[mapped.kind]
        free = [name for name in spec.synonyms if name not in mapped.columns]
        if free:
            lines.append("# fields not found: " + ", ".join(free))
        if mapped.unmapped:
            lines.append("# columns not read: " + ", ".join(_quote(h) for h in mapped.unmapped))
        lines.append("")
    return "\n".join(lines)


def _quote(text: str) -> str:
    """``text`` as a TOML basic string (tomli-w's quoting), with bidirectional controls escaped."""
    import tomli_w

    return escape_steering(tomli_w.dumps({"x": text})[len("x = "):].rstrip("\n"))
