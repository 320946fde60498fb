"""The case evaluation of the last full month, in process (no HTTP, no template): computed (Django's
cache emptied first) and kept (10 repeated calls), for the whole deployment, district 330106 and
street 330106001. Read-only on the database (the cache is Django's, in process).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cg_city PYTHONPATH=src \\
        .venv/bin/python benchmarks/bench_evaluation_month.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")


def main() -> int:
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection

    from civicgrid.cases import evaluation as ev
    from civicgrid.cases.evaluation import posts

    period = ev.last_full_month()
    with connection.cursor() as c:
        c.execute("SELECT (SELECT count(*) FROM registry_person), (SELECT count(*) FROM cases_case), "
                  "(SELECT count(*) FROM cases_caseevent)")
        print("data (people, cases, events)", c.fetchone(), "month", period.key)
    for name, prefixes in (("city", None), ("district", ("330106",)), ("street", ("330106001",))):
        cache.clear()
        t = time.perf_counter()
        r = posts.evaluate(period, prefixes)
        cold = time.perf_counter() - t
        warm = []
        for _ in range(10):
            t = time.perf_counter()
            posts.evaluate(period, prefixes)
            warm.append(time.perf_counter() - t)
        warm.sort()
        print(f"{name:9s} due {r.totals.due:6d} cold {1000 * cold:8.1f} ms | kept p50 "
              f"{1000 * statistics.median(warm):6.1f} max {1000 * warm[-1]:6.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
