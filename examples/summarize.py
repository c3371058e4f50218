"""Print a one-line-per-item table of a `winnow scan` output file."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["error"]:
            print(f"{row['id']:<5} ERROR   {row['error']}")
            continue
        top = sorted(row["scores"].items(), key=lambda kv: -kv[1])[:2]
        scores = "  ".join(f"{k} {v:.2f}" for k, v in top)
        lang = row.get("language") or "-"
        print(f"{row['id']:<5} {row['verdict'].upper():<7} {lang:<4} {scores}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
