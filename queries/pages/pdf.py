"""A page printed to PDF by the headless Chromium the tests use (Debian's ``chromium``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ...graph.errors import EquityGraphError
from ...graph.stores.private_files import open_private

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WAIT_MS = 30000  # virtual time for the graph to lay itself out before printing
PRINTS = 3  # a print without the graph's picture is printed again, this many times in all


def find_browser() -> str:
    for name in (os.environ.get("EQUITYGRAPH_CHROMIUM"), *BROWSERS):
        if name and shutil.which(name):
            return shutil.which(name)
    raise EquityGraphError("printing to PDF needs Chromium (apt-get install chromium fonts-noto-cjk), "
                           "or EQUITYGRAPH_CHROMIUM naming a Chrome or Chromium")


def print_pdf(html: str, pdf_path: str | os.PathLike) -> Path:
    """Write ``html`` as a PDF at ``pdf_path`` (A4, the page's print stylesheet), readable by its owner only."""
    browser = find_browser()
    target = Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="equitygraph-pdf-") as work:
        page = Path(work) / "report.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(work) / "report.pdf"
        # Now and then a loaded machine's Chromium prints before the page's script has drawn the graph
        # (a PDF with no picture in it): printed again then, twice at most.
        for _attempt in range(PRINTS):
            done = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={Path(work) / 'profile'}", f"--virtual-time-budget={WAIT_MS}",
                 "--no-pdf-header-footer", f"--print-to-pdf={printed}", page.as_uri()],
                capture_output=True, text=True, timeout=180)
            if done.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise EquityGraphError(f"Chromium could not print the report ({browser}: {last})")
            if 'id="graph"' not in html or re.search(rb"/Subtype\s*/Image", printed.read_bytes()):
                break
        with open_private(target, "wb") as out:
            out.write(printed.read_bytes())
    return target
