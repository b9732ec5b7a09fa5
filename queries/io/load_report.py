"""What a load prints: the counts it wrote, the store's totals, and its warnings."""

from __future__ import annotations

from dataclasses import dataclass

from ...loaders.report import LoadReport
from ..i18n import _
from ..render import Result, Section

SHOWN_WARNINGS = 20


@dataclass
class LoadResult(Result):
    report: LoadReport
    store: str
    totals: dict[str, int]
    #: the option that shows every warning (``load --report-format``; ``neo4j import --format``)
    format_option: str = "--report-format"

    def to_dict(self) -> dict:
        return {**self.report.to_dict(), "store": self.store, "store_totals": self.totals}

    def sections(self) -> list[Section]:
        r = self.report
        rate = r.rows / r.seconds if r.seconds else 0.0
        read_as = []
        if r.mappings:
            read_as.append(_("mappings: ") + "; ".join(_("{sheet} as {how}").format(sheet=sheet, how=how)
                                                        for sheet, how in r.mappings.items()))
        if r.encodings:
            read_as.append(_("read as ") + ", ".join(f"{name} {encoding}" for name, encoding in r.encodings.items()))
        loaded = Section(
            _("Loaded {source} ({fmt}) into {store}: {rows} rows in {seconds} s ({rate} rows/s)").format(
                source=r.source, fmt=r.fmt, store=self.store, rows=r.rows, seconds=f"{r.seconds:.2f}", rate=f"{rate:,.0f}"),
            ["written", "count"], [(_(k), n) for k, n in sorted(r.counts.items())], note="; ".join(read_as),
        )
        totals = Section(_("The store now holds"), ["what", "count"], [(_(k), n) for k, n in self.totals.items()],
                         note=_("{count} of the companies loaded have less than 95 % of their shares on record today")
                         .format(count=f"{r.incomplete_registers:,}") if r.incomplete_registers else "")
        hidden = len(r.warnings) - SHOWN_WARNINGS
        warnings = Section(_("Warnings"), ["warning"], [(w,) for w in r.warnings[:SHOWN_WARNINGS]],
                           note=_("{count} more (see {option} json)").format(count=hidden, option=self.format_option) if hidden > 0 else "")
        if r.snapshot is None:
            return [loaded, totals, warnings]
        previous = r.snapshot["previous"]
        if r.snapshot["loaded again"]:
            title = _("Snapshot of {date} loaded again: nothing changed").format(date=r.snapshot["date"])
        elif previous:
            title = _("Snapshot of {date} against the snapshot of {previous}").format(date=r.snapshot["date"],
                                                                                   previous=previous)
        else:
            title = _("Snapshot of {date}, the first").format(date=r.snapshot["date"])
        changed = Section(title, ["what", "count"], [(_(k), n) for k, n in r.snapshot.items()
                                                     if k not in ("date", "previous", "loaded again")])
        return [changed, loaded, totals, warnings]
