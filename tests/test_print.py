"""The demo annual report prints on at most 12 A4 pages (issue 14), with the title block and
the leaders' brief on page 1: printed by headless Chromium where it is installed (skipped
where not; the product itself never needs a browser)."""

from __future__ import annotations

import re
import shutil
import subprocess

import nbformat
import papermill
import pytest

from evalstats.core.resources import packaged_notebook
from evalstats.present.report import render_html

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((b for b in map(shutil.which, BROWSERS) if b), None)
MAX_PAGES = 12

pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium to print with")


def _print_pdf(html_path, pdf_path, profile) -> bytes:
    subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            "--no-pdf-header-footer",
            html_path.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return pdf_path.read_bytes()


def _pages(pdf: bytes) -> int:
    """Page objects of a PDF as Chromium writes it (one ``/Type /Page`` per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_demo_annual_report_prints_on_at_most_12_a4_pages(tmp_path):
    out = tmp_path / "annual"
    executed = tmp_path / "annual.ipynb"
    papermill.execute_notebook(
        str(packaged_notebook("annual")),
        str(executed),
        parameters={"output_dir": str(out), "n_resamples": 500, "report_date": "2026-12-20"},
        cwd=str(packaged_notebook("annual").parent),
        kernel_name="python3",
        progress_bar=False,
    )
    html = render_html(executed, tmp_path / "report.html", edition="internal")
    page = html.read_text("utf-8")
    page = page[page.index("<main") :]
    # the title block: title, office and date in words, the edition; then the brief
    assert "2026年度政风行风测评分析报告" in page
    assert "示范镇政风行风测评工作领导小组办公室　　2026年12月20日" in page
    assert (
        page.index("内部资料")
        < page.index("领导简报")
        < page.index('<div class="evalstats-page-end">')
    )
    pdf = _print_pdf(html, tmp_path / "report.pdf", tmp_path / "profile")
    assert pdf.startswith(b"%PDF")
    n = _pages(pdf)
    assert 2 <= n <= MAX_PAGES, f"the demo annual report prints on {n} A4 pages"
    # the detail tables give way on paper to a line naming their workbook sheet
    nb = nbformat.read(executed, as_version=4)
    shown = "".join(
        o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", [])
    )
    assert shown.count('class="evalstats-print-only"') >= 5
