"""Update the translation catalogs: extract every message, merge into each language's .po, compile the .mo.

    python scripts/i18n.py            # extract, update, compile
    python scripts/i18n.py --check    # exit 1 if a message has no translation or a .mo is stale

Messages are: ``_()``/``N_()`` in Python, ``_()`` in the page templates, ``t()``/``fmt()`` in the
explorer's script, ``data-i18n`` attributes in its page, the column headings and empty texts of
every ``Section(...)`` (translated when the section is made), and the words the code translates
from data it computes (kinds of entity, verdicts, rules, tiers, standard roles, signal kinds).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
LOCALES = QUERIES / "locale"
DOMAIN = "equitygraph"


def vocabulary() -> list[str]:
    """The words translated from computed values (``_(entity.kind.value)`` and the like)."""
    sys.path.insert(0, str(ROOT.parent))
    from equitygraph.graph.analysis.control_rules import REASONS, RULES, VERDICTS
    from equitygraph.graph.model import EntityKind, EventType, Interest, RelationType
    from equitygraph.graph.roles import OFFICER_ROLES

    words = [k.value for k in EntityKind] + [i.value for i in Interest] + [e.value for e in EventType] + list(VERDICTS) + list(RULES)
    words += [r.replace("_", " ") for r in REASONS if r]  # why a verdict is uncertain or a loop (analyze's summary)
    words += [r.replace("_", " ") for r in OFFICER_ROLES] + [r.value.replace("_", " ") for r in RelationType]
    words += ["confirmed", "red", "orange", "yellow", "address", "contact",
              "ownership", "possible ownership", "control", "senior manager",
              "reg_no", "exact", "alias", "prefix", "contains", "pinyin", "fuzzy",
              "pyramid", "wedge", "cycle", "shell layers", "nominee holder", "shared contact", "change before event",
              "nominee handoff", "controller churn", "group officer wave",
              "holding", "officer", "link", "relation", "has_contact", "located_at",
              "natural person", "other organization", "phone / e-mail", "actual controller", "control chain"]
    # what load, export, generate and evaluate count and name
    words += ["entity rows", "entities", "holdings", "officers", "links", "events", "relations", "organizations",
              "persons", "addresses", "contacts", "entity", "rings", "ring companies", "groups", "companies",
              "combined", "intrinsic", "network", "past", "hidden", "seed", "generator"]
    # what the readers of registers and open standards count
    words += ["company rows", "exemptions", "matched on record", "placeholders", "psc lines", "statements",
              "replaced statements", "superseded statements", "skipped (not a company)", "unknown parties",
              "shares from subscribed capital", "shares held of a company whose issued shares are not given"]
    from equitygraph.loaders.holder_kinds import RULES as HOLDER_RULES

    words += [f"typed by {rule}" for rule in HOLDER_RULES] + ["roles recognised", "roles kept as written", "declared controllers"]
    words += ["holder in", "holder out", "share changed", "officer in", "officer out", "legal representative changed",
              "risk event", "controller changed", "beneficial owner changed", "none",
              "address changed", "contact changed", "risk tier changed", "group changed", "cluster changed"]
    # what a snapshot load counts, and the history generator's summary
    words += ["facts ended", "shares changed", "facts started", "end dates changed", "facts unchanged",
              "history recorded", "entries changed", "parties not seen", "parties not seen earlier",
              "snapshots", "first snapshot", "last snapshot", "planted changes"]
    words += ["aliases", "jurisdiction", "founded", "paid-in capital", "industry", "business scope"]
    words += ["controller", "subsidiary", "fellow subsidiary", "associate", "significant investor", "major holder",
              "key management", "managed by key management", "family", "shared address", "shared officer",
              "common holder", "possible same person"]
    # the steps of related parties' evidence, and the dimensions of the intrinsic risk score
    words += ["holds", "controls", "controls (actual)", "officer of", "may be", "registers"]
    from equitygraph.graph.analysis.risk_indicators import DIMENSIONS, INDICATORS

    words += [d.replace("_", " ") for d in DIMENSIONS]
    words += [i.replace("_", " ") for d in DIMENSIONS for i in INDICATORS[d]]
    words += [f"evidence: {kind}" for kind in ("pyramid", "wedge", "cycle", "shell_layers", "nominee_holder",
                                               "shared_contact", "change_before_event", "nominee_handoff", "controller_churn",
                                               "group_officer_wave")]
    return words


# What click itself says on the command line (it marks them for gettext; speech.speak binds them to our
# domain): headings, help options, and the usage errors a user meets. Plural messages as pairs.
CLICK_MESSAGES = [
    "Usage:", "Options", "Commands", "Positional arguments", "Aborted!", "Missing command.", "env var: {var}",
    "default: {default}", "required", "Show the version and exit.", "Show this message and exit.",
    "%(prog)s, version %(version)s", "Error: {message}", "Try '{command} {option}' for help.",
    "Invalid value: {message}", "Invalid value for {param_hint}: {message}", "Missing argument", "Missing option",
    "Missing parameter", "Missing {param_type}", "Missing parameter: {param_name}", "No such option {name!r}.",
    "No such command {name!r}.", "Could not open file {filename!r}: {message}", "Option {name!r} does not take a value.",
    "{value!r} is not a valid {number_type}.", "{value} is not in the range {range}.", "{value!r} is not a valid boolean. "
    "Recognized values: {states}", "file", "directory", "path", "{name} {filename!r} does not exist.",
    "{name} {filename!r} is a file.", "{name} {filename!r} is a directory.", "{name} {filename!r} is not readable.",
    "{name} {filename!r} is not writable.", "Choose from:\n\t{choices}",
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."),
]


def command_words() -> list[str]:
    """The help of every command and option (said from the catalog when help is shown)."""
    sys.path.insert(0, str(ROOT.parent))
    from equitygraph.queries.cli import cli
    from equitygraph.queries.cli.speech import help_texts

    return help_texts(cli)


def section_words(path: Path) -> list[str]:
    """The literal column headings and ``empty=`` texts of the ``Section(...)`` calls in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Section":
            if len(node.args) > 1 and isinstance(node.args[1], (ast.List, ast.Tuple)):
                found += [e.value for e in node.args[1].elts if isinstance(e, ast.Constant) and e.value]
            for keyword in node.keywords:
                if keyword.arg == "empty" and isinstance(keyword.value, ast.Constant):
                    found.append(keyword.value.value)
    return found


def messages() -> list[str]:
    """Every message, in a stable order."""
    found: list[str] = []
    keywords = {"_": None, "N_": None}
    for path in sorted(QUERIES.rglob("*.py")):
        found += [m[1] for m in extract_from_file("python", str(path), keywords=keywords) if isinstance(m[1], str)]
        found += section_words(path)
    for path in sorted((QUERIES / "pages" / "templates").glob("*.html")):
        found += [m[1] for m in extract_from_file("jinja2.ext:babel_extract", str(path), keywords={"_": None})
                  if isinstance(m[1], str)]
    for path in sorted((QUERIES / "app" / "static").glob("*.js")):
        found += [m[1] for m in extract_from_file("javascript", str(path), keywords={"t": None, "fmt": (1,)})
                  if isinstance(m[1], str)]
    for path in sorted((QUERIES / "app" / "static").glob("*.html")):
        found += re.findall(r'data-i18n(?:-placeholder)?="([^"]+)"', path.read_text(encoding="utf-8"))
    found += vocabulary() + command_words() + CLICK_MESSAGES
    return [m for m in dict.fromkeys(found) if (m[0] if isinstance(m, tuple) else m).strip()]


def update(lang: str, wanted: list[str]) -> Catalog:
    po_path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    old = read_po(po_path.open("rb")) if po_path.exists() else Catalog(locale=lang)
    new = Catalog(locale=lang, domain=DOMAIN, project="equitygraph")
    for message in wanted:
        kept = old.get(message)
        blank = ("",) * new.num_plurals if isinstance(message, tuple) else ""
        new.add(message, kept.string if kept is not None and isinstance(kept.string, type(blank)) else blank)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as f:
        write_po(f, new, width=120, omit_header=False, sort_output=False)
    with (po_path.with_suffix(".mo")).open("wb") as f:
        write_mo(f, new)
    return new


def check(lang: str, wanted: list[str]) -> list[str]:
    """What is wrong with ``lang``'s catalogs: messages without a translation, a stale .mo."""
    po_path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    po = read_po(po_path.open("rb"))
    problems = [f"{lang}: no translation for {m!r}" for m in wanted if po.get(m) is None or not _translated(po.get(m))]
    mo = read_mo(po_path.with_suffix(".mo").open("rb"))
    compiled = {_plain(m.id): _plain(m.string) for m in mo if m.id}
    written = {_plain(m.id): _plain(m.string) for m in po if m.id}
    if compiled != written:
        problems.append(f"{lang}: {po_path.with_suffix('.mo').name} is not compiled from the .po (run scripts/i18n.py)")
    return problems


def _plain(value):
    """A plural message's forms as a tuple, however the reader gave them."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def main(argv: list[str]) -> int:
    wanted = messages()
    if "--check" in argv:
        problems = check("zh", wanted)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    catalog = update("zh", wanted)
    missing = [m.id for m in catalog if m.id and not _translated(m)]
    print(f"{len(wanted)} messages; {len(missing)} without a Chinese translation", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
