"""Shared fixtures: settings for a warehouse in tmp_path, the hand-made sample, loads, and
one generated demo warehouse for the whole session. Plain helpers are in tests/helpers.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl.core.settings import Settings, load_settings
from tests.helpers import SAMPLE, DemoWarehouse, build_demo_warehouse, load_sample


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules with a slow test first, each in its own order: pytest-xdist (make test)
    hands modules to the workers in this order, so that no worker is left running a slow
    one alone at the end."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with the warehouse in tmp_path."""
    return load_settings(db=tmp_path / "wh" / "warehouse.duckdb")


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the hand-made sample export."""
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest)
    return dest


@pytest.fixture
def sample_warehouse(settings: Settings) -> Settings:
    load_sample(settings)
    return settings


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> DemoWarehouse:
    """The demo desk (helpers.DEMO_TICKETS tickets, seed DEMO_SEED, the generator's fixed
    year), generated and loaded once, shared by the modules that only read it
    (test_dashboard, test_generate). A test that loads, refreshes or publishes builds its own
    warehouse; test_browser builds one ending yesterday (see helpers.DEMO_TICKETS)."""
    return build_demo_warehouse(tmp_path_factory.mktemp("demo"))
