"""What a load prints: the counts it wrote, the store's totals, and its warnings."""

from __future__ import annotations

from dataclasses import dataclass

from ..loaders.csv_folder import LoadReport
from .render import Result, Section

SHOWN_WARNINGS = 20


@dataclass
class LoadResult(Result):
    report: LoadReport
    store: str
    totals: dict[str, int]

    def to_dict(self) -> dict:
        return {**self.report.to_dict(), "store": self.store, "store_totals": self.totals}

    def sections(self) -> list[Section]:
        r = self.report
        rate = r.rows / r.seconds if r.seconds else 0.0
        read_as = []
        if r.mappings:
            read_as.append("mappings: " + "; ".join(f"{sheet} as {how}" for sheet, how in r.mappings.items()))
        if r.encodings:
            read_as.append("read as " + ", ".join(f"{name} {encoding}" for name, encoding in r.encodings.items()))
        loaded = Section(
            f"Loaded {r.source} ({r.fmt}) into {self.store}: {r.rows} rows in {r.seconds:.2f} s ({rate:,.0f} rows/s)",
            ["written", "count"], sorted(r.counts.items()), note="\n".join(read_as),
        )
        totals = Section("The store now holds", ["what", "count"], list(self.totals.items()),
                         note=f"{r.incomplete_registers:,} of the companies loaded have less than 95 % of their shares "
                              "on record today" if r.incomplete_registers else "")
        hidden = len(r.warnings) - SHOWN_WARNINGS
        warnings = Section("Warnings", ["warning"], [(w,) for w in r.warnings[:SHOWN_WARNINGS]],
                           note=f"{hidden} more (see --format json)" if hidden > 0 else "")
        return [loaded, totals, warnings]
