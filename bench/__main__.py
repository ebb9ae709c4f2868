"""`python -m bench --skus N [--only name] [--timings fast|production]`: runs every bench/bench_*.py module's
`run(skus)` (`run(skus, timings=...)` for the modules that take the sandbox timings, see bench/timings.py).
The opt-in modules (OPT_IN: the multi-store run, several minutes) run only when named with --only; they get
`--stores` and `--workers` too, and take `--skus` per store."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path

# Too long for the bench CI runs (under 2 minutes): run only when named with --only.
OPT_IN = frozenset({"bench_stores"})


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tiktok_admin.settings")
    os.environ.setdefault("DEBUG", "1")
    # Benchmarks grow catalogs; by default they get their own SQLite file, never the demo database.
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir / 'bench.sqlite3'}")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def modules_selected(available: list[str], only: list[str]) -> list[str]:
    """The bench_* modules to run, in name order: those named with --only (with or without the bench_
    prefix), else every module but the opt-in ones."""
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        return sorted(n for n in available if n in wanted)
    return sorted(n for n in available if n not in OPT_IN)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--skus", type=int, default=2000, help="catalog size the benchmarks work on")
    parser.add_argument("--only", action="append", default=[], help="run only these modules (bench_<name>)")
    parser.add_argument(
        "--timings",
        choices=["fast", "production"],
        default="fast",
        help="sandbox timings: fast (TikTok answers at once; what CI runs) or production (TikTok's limits, "
        "feed processing and review delays, the app's real poll intervals)",
    )
    parser.add_argument("--stores", type=int, default=200, help="bench_stores: connected stores")
    parser.add_argument(
        "--workers", default="1,2,4", help="bench_stores: worker process counts to run with, in order"
    )
    args = parser.parse_args(argv)

    _setup_django()
    folder = Path(__file__).resolve().parent
    available = [m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_")]
    names = modules_selected(available, args.only)
    if not names:
        print("No benchmark modules (bench/bench_*.py) found.")
        return 0
    failures = 0
    for name in names:
        print(f"== {name} (skus={args.skus:,}, timings={args.timings}) ==", flush=True)
        started = time.monotonic()
        try:
            module = importlib.import_module(f"bench.{name}")
            takes = inspect.signature(module.run).parameters
            extra = {
                key: value
                for key, value in (
                    ("timings", args.timings),
                    ("stores", args.stores),
                    ("workers", [int(w) for w in args.workers.split(",") if w.strip()]),
                )
                if key in takes
            }
            result = module.run(args.skus, **extra)
        except Exception:  # noqa: BLE001 - report every module, then fail at the end
            failures += 1
            traceback.print_exc()
            continue
        if result is not None:
            print(result if isinstance(result, str) else json.dumps(result, indent=2, default=str))
        print(f"-- {name}: {time.monotonic() - started:.1f} s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
