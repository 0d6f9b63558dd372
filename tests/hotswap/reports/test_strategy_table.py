"""The strategy-table report on small runs: reproducible, and a page a browser shows."""

import shutil
from pathlib import Path

import pytest

from hotswap.reports import guide, strategy_table


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    strategy_table.build(folder, runs=3, seed=1, large=2, gate_sizes=(100,))
    return folder


def test_the_same_seeds_reproduce_every_number(built, tmp_path):
    strategy_table.build(tmp_path, runs=3, seed=1, large=2, gate_sizes=(100,))
    assert (tmp_path / "strategy-table.md").read_text() == (built / "strategy-table.md").read_text()
    strategy_table.build(tmp_path, runs=3, seed=2, large=2, gate_sizes=(100,))
    assert (tmp_path / "strategy-table.md").read_text() != (built / "strategy-table.md").read_text()


def test_every_claim_gets_a_verdict(built):
    text = (built / "strategy-table.md").read_text()
    for section in (
        "## Deployment time",
        "## Rollback time",
        "## Risk",
        "## Resource overhead",
        "## Comparison matrix",
        "## Where the guide contradicts itself",
        "## Health gates at scale",
    ):
        assert section in text
    for strategy, (deploy, rollback, risk) in guide.TABLE.items():
        assert f"| {strategy} | {deploy} |" in text and f"| {strategy} | {rollback} |" in text
        assert f"| {strategy} | {risk} |" in text
    # the guide's own A/B configuration runs two hours: the table's 5-10 min cannot hold
    assert "| ABTesting | 5-10 min |" in text and "above 5-10 min" in text
    # blue-green costs a second fleet: High overhead, as the guide says
    assert "| BlueGreen | High | 100% | consistent |" in text
    assert "Insufficient capacity for Green environment" in text
    for image in ("deploy-time-cdf.png", "rollback-time-cdf.png", "blast-radius.png", "gates-at-scale.png"):
        assert f"(strategy-table/{image})" in text and (built / "strategy-table" / image).stat().st_size > 1000


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(chromium() is None, reason="no Chromium installed (.ci/run installs Debian's chromium)")
def test_the_html_report_opens_in_headless_chromium_with_its_plots(built):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is a test dependency")
    page_url = (built / "strategy-table.html").resolve().as_uri()
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_url)
            widths = page.evaluate("[...document.images].map(i => i.complete ? i.naturalWidth : 0)")
            tables = page.evaluate("document.querySelectorAll('table').length")
            title = page.title()
        finally:
            browser.close()
    assert errors == []
    assert len(widths) == 4 and all(w > 300 for w in widths)  # every plot decoded
    assert tables == 6  # deploy, rollback, risk, overhead, matrix, gates
    assert title == "The guide's strategy table, checked"


def test_the_html_report_is_self_contained(built):
    html = (built / "strategy-table.html").read_text()
    assert html.count('src="data:image/png;base64,') == 4
    assert "http://" not in html and "https://" not in html
    assert Path(built / "strategy-table.html").stat().st_size > 50_000
