"""The Import page in a real browser: `streamlit run` on a free port, headless Chromium via
Playwright; a file uploaded through the page's file input, one mapping changed (day-first),
the preview following, the profile saved, the file loaded, and its tickets counted on
Overview. Skipped without Debian's chromium (fails under CI=true, like tests/test_browser.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from etl.core.settings import load_settings
from etl.ingest import profiles
from tests.helpers import CHROMIUM, LAUNCH_ARGS, load_sample, need_browser
from tests.test_import_page import EXPORT

pytestmark = pytest.mark.slow
METRIC = '[data-testid="stMetric"]'


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    need_browser()
    root = tmp_path_factory.mktemp("browserimport")
    config = root / "config.toml"
    config.write_text(f'[refresh]\ninbox = "{root / "inbox"}"\n[import]\nprofiles = "{root / "profiles"}"\n',
                      encoding="utf-8")
    from etl.devtools.bench_browser import dashboard

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DESK_CONFIG", str(config))          # the server's settings: this inbox and profile folder
        mp.setenv("DESK_PROFILES", str(root / "profiles"))
        settings = load_settings(db=root / "wh" / "warehouse.duckdb")
        load_sample(settings)                            # 14 tickets
        try:
            with dashboard(settings.warehouse_path) as (url, _proc):
                yield url, root
        except RuntimeError as exc:
            pytest.fail(str(exc))


def tile(page, name: str) -> str:  # type: ignore[no-untyped-def]
    return page.locator(METRIC).filter(has_text=name).first.inner_text()


def wait_tile(page, name: str, value: str, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    page.locator(METRIC).filter(has_text=name).filter(has_text=value).first.wait_for(timeout=timeout)


def choose(page, box: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick `option` of the selectbox `box` once the app has finished its rerun: a rerun that
    is still drawing (after the upload's preview) can close the list between the two clicks."""
    for _attempt in range(5):
        page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.get_by_role("combobox", name=box).click()
        try:
            page.get_by_role("option", name=option).click(timeout=5_000)
            return
        except Exception:  # noqa: BLE001 (playwright's TimeoutError: the list closed; open it again)
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {box!r}")


def test_upload_map_preview_save_load_in_a_browser(desk: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    url, root = desk
    export = tmp_path / "browser_export.csv"
    export.write_text(EXPORT, encoding="utf-8")
    timings: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        clock = time.monotonic()

        def step(name: str) -> None:
            nonlocal clock
            now = time.monotonic()
            timings[name] = round(now - clock, 2)
            clock = now

        page.goto(f"{url}/import_data?period=all")
        page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === 'Import'",
                               timeout=60_000)
        page.get_by_text("No file yet").first.wait_for(timeout=30_000)
        step("open the page")

        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(export))
        page.get_by_text("Stored in the inbox as browser").wait_for(timeout=60_000)
        wait_tile(page, "Median first response", "24.0 h")
        assert "4" in tile(page, "Would load") and "2" in tile(page, "Would be rejected")
        assert (root / "inbox" / "browser_export.csv").read_text(encoding="utf-8") == EXPORT
        step("upload and first preview")

        choose(page, "Numeric dates", "day first (D/M/Y)")
        wait_tile(page, "Median first response", "28.0 d")
        step("day first: preview follows")

        name = page.get_by_label("Profile name (profiles/NAME.toml)")
        name.fill("browser_desk")
        name.press("Enter")
        page.get_by_role("button", name="Save profile").click()
        page.get_by_text("browser_desk.toml", exact=False).first.wait_for(timeout=60_000)
        assert profiles.parse(root / "profiles" / "browser_desk.toml").day_first is True
        step("save")

        page.get_by_role("button", name="Load into the warehouse").click()
        page.get_by_text("4 tickets loaded, 2 rejected").first.wait_for(timeout=120_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        step("load and publish")

        page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').get_by_text("Overview").click()
        page.wait_for_function("document.querySelector('h1') && document.querySelector('h1').innerText === 'Overview'",
                               timeout=60_000)
        wait_tile(page, "Tickets", "18")    # the sample's 14 and the 4 imported
        step("overview shows them")
        page.screenshot(path=str(tmp_path / "after-import.png"))
        browser.close()
    print("browser import timings (s):", timings)
