"""The hostile-input corpus (``benchmarks/hostile/make_corpus.py``), written once per session."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.api.conftest import anyio_backend, database_url, make_service

__all__ = ["Corpus", "anyio_backend", "corpus", "database_url", "make_service"]

_SCRIPT = Path(__file__).parents[2] / "benchmarks" / "hostile" / "make_corpus.py"


def load_corpus_module() -> ModuleType:
    name = "winnow_hostile_corpus"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


class Corpus:
    def __init__(self, root: Path) -> None:
        self.module = load_corpus_module()
        self.root = root
        self.files, self.bodies = self.module.write(root)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("hostile"))
