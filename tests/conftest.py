"""Shared fixtures: the corpus folder, a tiny source-folder builder, golden-file helper."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DOCS = ROOT / "source_docs"
SEED = SOURCE_DOCS / "000_seed_mars_agent_ja.md"
GOLDEN = Path(__file__).resolve().parent / "golden"

settings.register_profile("default", max_examples=150, deadline=None)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def check_golden(name: str, actual: str) -> None:
    """Compare with ``tests/golden/<name>``; ``REGEN_GOLDEN=1 make test`` rewrites it."""
    path = GOLDEN / name
    if os.environ.get("REGEN_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    assert actual == expected, (
        f"{path} differs from the output; if the change is intended, review it and run "
        f"`REGEN_GOLDEN=1 make test PYTEST_ARGS='-k {name.split('.')[0]}'`"
    )


MakeSource = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture(autouse=True)
def outside_the_checkout(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test runs in an empty working folder: the checkout's own ``runbooks.toml``
    (the corpus's language versions) is not picked up by a command a test runs, unless the
    test names it with ``--config``."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture
def make_source(tmp_path: Path) -> MakeSource:
    """Write ``{relative path: text}`` into a fresh source folder and return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "src"
        for relative, content in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return make
