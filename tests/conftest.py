"""Shared fixtures: where the reference data lives, and skips when it does not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import saudinewsnet  # noqa: E402

requires_seeds = pytest.mark.skipif(
    not saudinewsnet.SEEDS.is_dir(),
    reason=f"reference seeds not found at {saudinewsnet.SEEDS} (set TIKRAR_SHARED to the shared/ folder)",
)
requires_saudinewsnet = pytest.mark.skipif(
    not saudinewsnet.available(),
    reason=f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET} (set TIKRAR_SHARED to the shared/ folder)",
)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not saudinewsnet.SEEDS.is_dir():
        pytest.skip(f"reference seeds not found at {saudinewsnet.SEEDS}")
    return saudinewsnet.SEEDS


@pytest.fixture(scope="session")
def snn_articles() -> list[dict]:
    """The first 3,000 SaudiNewsNet articles (read once per test session)."""
    if not saudinewsnet.available():
        pytest.skip(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")
    return saudinewsnet.load_articles(3000)
