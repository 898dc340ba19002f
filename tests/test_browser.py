"""A real browser: `streamlit run` on a free port, headless Chromium through Playwright,
charts rendered, what a person sees asserted, and a screenshot saved.

Needs Debian's chromium (`.ci/run` installs it). Without it the test is skipped locally and
fails under CI=true, so that CI never passes without having run it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, DEMO_TICKETS, LAUNCH_ARGS, build_demo_warehouse, demo_end, need_browser

CHART = '[data-testid="stPlotlyChart"] .main-svg'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need_browser()
    # the demo desk of the shared warehouse (helpers.DEMO_TICKETS, DEMO_SEED), but with data
    # up to yesterday, so that the page shows no stale-data warning: the one reader that
    # cannot share tests/conftest.py's demo_warehouse, whose year is fixed (helpers.py says why)
    demo = build_demo_warehouse(tmp_path_factory.mktemp("demo"), end=demo_end())
    from etl.devtools.bench_browser import dashboard

    try:
        with dashboard(demo.path) as (url, _proc):  # streamlit run on loopback, until healthy
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser(server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


def test_overview_in_a_real_browser(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{server}/?period=all")
    page.wait_for_selector(CHART, timeout=60_000)
    assert page.locator("h1").first.inner_text() == "Overview"
    tiles = page.locator('[data-testid="stMetric"]')
    assert tiles.count() == 8
    tickets_tile = tiles.filter(has_text="Tickets").first.inner_text()
    assert f"{DEMO_TICKETS:,}" in tickets_tile  # every ticket of the period "all"
    # the charts arrive one after another as the script runs: wait for the third, as a person would
    page.wait_for_function("document.querySelectorAll('[data-testid=\"stPlotlyChart\"]').length >= 3",
                           timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Weekly tickets by channel").is_visible()
    shot = tmp_path / "overview.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    target = os.environ.get("DESK_SCREENSHOT")
    if target:  # make screenshot: refresh the README's picture from this run
        shutil.copyfile(shot, target)
    page.close()


def test_navigation_filters_and_language(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{server}/escalations?period=all&category=withdrawal")
    page.wait_for_selector(CHART, timeout=60_000)
    assert page.locator("h1").first.inner_text() == "Escalations"
    page.get_by_text("Escalation path").wait_for(timeout=60_000)  # drawn after the first chart
    assert page.get_by_text("Escalation path").is_visible()
    # the URL's filter is applied and shown in the sidebar
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Withdrawal" in sidebar.inner_text()
    assert "category=withdrawal" in page.url
    # switch the language: titles and the navigation follow
    sidebar.get_by_text("中文").click()
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === '升级'",
                           timeout=30_000)
    assert "lang=zh" in page.url
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').get_by_text("总览").click()
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === '总览'",
                           timeout=30_000)
    page.wait_for_selector(CHART, timeout=60_000)
    assert "提现问题" in page.locator('[data-testid="stSidebar"]').inner_text()  # the filter survived
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_click_on_a_bar_lists_its_tickets(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{server}/?period=all")
    page.wait_for_selector(CHART, timeout=60_000)
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(1)  # breaches by category
    chart.scroll_into_view_if_needed()
    chart.locator(".bars .point path").first.click(force=True)
    page.get_by_text("Filtered by your selection").wait_for(timeout=30_000)
    expanded = page.locator('[data-testid="stExpander"] details[open] summary').first.inner_text()
    assert "Tickets behind this chart" in expanded
    count = int(expanded.split("(")[-1].rstrip(")").replace(",", ""))
    assert 0 < count < DEMO_TICKETS
    page.close()


def test_assistant_completeness_and_chain_in_a_real_browser(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Issue 18's page and sections as a manager opens them: the AI assistant's page from the
    menu, its target slider moving the hours freed; record completeness on Agent quality; a
    customer's chain of tickets on Resolution."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    page.goto(f"{server}/?period=all")
    page.wait_for_selector(CHART, timeout=60_000)
    page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').get_by_text("AI assistant").click()
    page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === 'AI assistant'",
                           timeout=60_000)
    page.wait_for_selector(CHART, timeout=60_000)
    handled = page.locator('[data-testid="stMetric"]').filter(has_text="Handled by the assistant").first.inner_text()
    assert int(handled.splitlines()[-1].replace(",", "")) > 0
    # the ranking is the page's last section: it is drawn after the first chart, not with it
    page.get_by_text("What to automate next").wait_for(timeout=60_000)
    assert page.get_by_text("What to automate next").is_visible()
    ranking = page.locator('[data-testid="stPlotlyChart"]').last  # the hours freed per category
    ranking.scroll_into_view_if_needed()
    before = ranking.locator(".bars text").all_text_contents()
    assert before and all(label.endswith("h") for label in before)
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")  # a higher target containment: more hours freed
    page.wait_for_function(
        "(before) => { const c = [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].pop();"
        " const now = [...c.querySelectorAll('.bars text')].map(t => t.textContent);"
        " return now.length > 0 && now.join('|') !== before.join('|'); }", arg=before, timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0

    page.goto(f"{server}/agent_quality?period=all")
    page.get_by_text("Record completeness").first.wait_for(timeout=60_000)
    complete = page.locator('[data-testid="stMetric"]').filter(has_text="Complete records").first.inner_text()
    assert "%" in complete
    assert page.locator('[data-testid="stException"]').count() == 0

    page.goto(f"{server}/resolution?period=all")
    page.get_by_text("A customer's tickets in order").first.wait_for(timeout=60_000)
    chain = page.locator('[data-testid="stDataFrame"]').filter(has_text="Repeat of").first
    chain.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
