"""Run every benchmark script in bench/ on one harness and print one table.

    python bench/run.py            a table: operation, median, p95, budget, ratio to bare route
    python bench/run.py --json     the same rows as a JSON list (keys operation, median_ms,
                                   p95_ms, budget_ms, baseline_ratio, plus extras)
    python bench/run.py journal    only the named scripts

journal.py runs first, then journal_browser.py, then criteria.py (the criteria-based grid,
held to the classic grid's budgets and shown next to its figures of the same run), then the
others alphabetically.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import Harness  # noqa: E402

FIRST = ("journal", "journal_browser", "criteria")
SKIP = {"run", "harness"}


def scripts(only: list[str]) -> list[Path]:
    """The bench scripts in running order."""
    found = {p.stem: p for p in HERE.glob("*.py") if p.stem not in SKIP and not p.stem.startswith("_")}
    order = [n for n in FIRST if n in found] + sorted(n for n in found if n not in FIRST)
    return [found[n] for n in order if not only or n in only]


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def table(rows: list[dict]) -> str:
    """The rows as a plain-text table."""
    head = ("operation", "median ms", "p95 ms", "budget", "x bare", "ok", "extra")
    lines = []
    for r in rows:
        if r.get("median_ms") is None:
            cells = (r["operation"], str(r.get("value", "")), "", _s(r.get("budget")), "",
                     _ok(r), _extra(r))
        else:
            cells = (r["operation"], f"{r['median_ms']:.2f}", f"{r['p95_ms']:.2f}",
                     _s(r.get("budget_ms")), _s(r.get("baseline_ratio")), _ok(r), _extra(r))
        lines.append(cells)
    widths = [max(len(str(c[i])) for c in [head, *lines]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths))]
                     + [fmt.format(*c) for c in lines])


def _s(v) -> str:
    return "" if v is None else str(v)


def _ok(r: dict) -> str:
    return "" if "ok" not in r else ("yes" if r["ok"] else "NO")


def _extra(r: dict) -> str:
    keys = ("sql_statements", "kb", "keystrokes", "clicks", "note")
    return ", ".join(f"{k}={r[k]}" for k in keys if r.get(k) is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("only", nargs="*", help="script names to run (default: all)")
    args = parser.parse_args(argv)
    h = Harness(quiet=args.json)
    failed = []
    # Scripts may print progress: keep stdout for the result alone, so --json stays parseable.
    with contextlib.redirect_stdout(sys.stderr):
        for path in scripts(args.only):
            print(f"== {path.stem}")
            try:
                load(path).run(h)
            except Exception:  # one broken script must not hide the others' figures
                traceback.print_exc()
                failed.append(path.stem)
        h.stop()
    if args.json:
        print(json.dumps(h.results, ensure_ascii=False, indent=1))
    else:
        print(table(h.results))
        if failed:
            print(f"\nFailed scripts: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
