"""City-scale reads on PostgreSQL: each page or API answer beside the bare SQL it needs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cg_cityscale \\
    .venv/bin/python benchmarks/bench_city_reads.py [--setup --people 150000 --cases 20000 [--districts 1]]
        [--requests 30] [--cold-requests 5] [--month 2026-11] [--only evaluation,people]

What it does:
1. With ``--setup`` and an empty database: migrates it and fills it with ``civicgrid demo``
   (``--people`` residents, ``--cases`` cases: up to 300 per scale step walked through the actions,
   the rest copies of their histories over ~400 days, in bulk; ``--districts`` > 1 for a city).
   Without it, the data already there are used (the scale is printed).
2. Logs in (Django test client, in this process; no network) as the demo's district
   administrator (qu_admin), a street administrator (jd_admin) and a grid worker (wg_worker) —
   and the city administrator (shi_admin) when the data are a demo city — and
   for each asks, ``--requests`` times after two warm-ups: the people list; people searches by a
   2-character name, a 3-character name, pinyin, a full ID number (district and street: they may
   reveal) and a phone's last four digits; the case list (open cases, first page and map points);
   the queue counts (API); the grid boundaries of the jurisdiction (map data, API); the circle
   coverage page; the case evaluation page for ``--month`` (district and street: the grid worker
   may not evaluate): kept (nothing changed since it was computed), after a step (something changed
   before every request: the stored figures, at most CIVICGRID_EVALUATION_FRESH_SECONDS old, are
   given marked as not current), and computed (every cache emptied before each request: what the
   background job, a "recompute now" or the first view of a jurisdiction pays).
3. Times the bare SQL each answer needs — written by hand here, the indexed form, with the user's
   area prefix: count and first page for lists and searches, the grouped counts for queues and
   coverage, the boundaries for the map, and for the evaluation the queries that find the cases
   that can be due in the month, read their events, and count the month's dispatches, send-backs
   and reports — as often, on the same connection.
4. Prints p50/p95 of each, the ratio page p95 ÷ SQL p95, and one JSON line. Exit status 1 if any
   answer was not 200.

The figures depend on the machine: on a shared one, run it when it is quiet, and read the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true", help="fill an empty database with the demo first")
    parser.add_argument("--people", type=int, default=150_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--districts", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--cold-requests", type=int, default=None,
                        help="requests of the cold evaluation rows (default: --requests; each replays the month)")
    parser.add_argument("--month", default="", help="evaluation month YYYY-MM (default: the last full month)")
    parser.add_argument("--only", default="", help="comma-separated target names")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cg_cityscale")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache, caches
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    if connection.vendor != "postgresql":
        print("PostgreSQL only (DATABASE_URL)", file=sys.stderr)
        return 2
    settings.ALLOWED_HOSTS = ["*"]
    from civicgrid.areas.models import Area

    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        if not args.setup:
            print("the database is empty: pass --setup (with --people/--cases) to fill it", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        call_command("demo", people=args.people, cases=args.cases, districts=args.districts)
        print(f"setup: demo filled in {time.perf_counter() - t0:.0f} s")

    from civicgrid.accounts.models import User
    from civicgrid.cases.evaluation import cache as evaluation_cache
    from civicgrid.cases.evaluation import last_full_month, parse_period
    from civicgrid.core import crypto
    from civicgrid.registry.models import Person
    from civicgrid.registry.people import ID_CONTEXT

    period = parse_period({"period": "month", "month": args.month}) if args.month else last_full_month()
    with connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM registry_person), (SELECT count(*) FROM cases_case), "
                    "(SELECT count(*) FROM cases_caseevent), (SELECT count(*) FROM areas_area WHERE level='grid'), "
                    "(SELECT count(*) FROM areas_area WHERE level='district')")
        n_people, n_cases, n_events, n_grids, n_districts = cur.fetchone()
    scale = {"people": n_people, "cases": n_cases, "events": n_events, "grids": n_grids, "districts": n_districts,
             "month": period.key}
    print(f"data: {n_people:,} people, {n_cases:,} cases, {n_events:,} case events, {n_grids:,} grids, "
          f"{n_districts} district(s); evaluation month {period.key}")

    users = {"district": "qu_admin", "street": "jd_admin", "grid": "wg_worker"}
    if User.objects.filter(username="shi_admin").exists():  # a demo city (--districts N)
        users = {"city": "shi_admin", **users}
    prefixes = {}
    for level, username in users.items():
        prefixes[level] = User.objects.get(username=username).scope_codes()[0]

    # Search terms taken from the grid worker's grid, so every user's search finds someone.
    grid = prefixes["grid"]
    sample = Person.objects.filter(area_code=grid).exclude(phone_tail="").order_by("id")
    two = next(p.name for p in Person.objects.filter(area_code__startswith=grid).order_by("id") if len(p.name) == 2)
    three = next(p.name for p in Person.objects.filter(area_code__startswith=grid).order_by("id") if len(p.name) == 3)
    first = sample.first()
    pinyin = first.name_pinyin[:5]
    tail = first.phone_tail
    id_number = crypto.decrypt_optional(first.id_enc, context=ID_CONTEXT)

    def people_sql(where: str, *params):
        def run(cur, prefix):
            cur.execute(f"SELECT count(*) FROM registry_person WHERE area_code LIKE %s AND {where}",
                        [prefix + "%", *params])
            cur.fetchall()
            cur.execute(f"SELECT id, name, id_masked, phone_masked, address, area_code FROM registry_person "
                        f"WHERE area_code LIKE %s AND {where} ORDER BY area_code COLLATE \"C\", "
                        f"name_pinyin COLLATE \"C\", id LIMIT 50",
                        [prefix + "%", *params])
            cur.fetchall()
        return run

    def case_list_sql(cur, prefix):
        open_ = ("reported", "registered", "dispatched", "handling", "paused", "feedback")
        cur.execute("SELECT count(*) FROM cases_case WHERE area_code LIKE %s AND status = ANY(%s)",
                    [prefix + "%", list(open_)])
        cur.fetchall()
        cur.execute("SELECT id, number, title, status, reported_at, deadline, lon, lat FROM cases_case "
                    "WHERE area_code LIKE %s AND status = ANY(%s) ORDER BY reported_at DESC, id DESC LIMIT 500",
                    [prefix + "%", list(open_)])
        cur.fetchall()

    def queues_sql(cur, prefix):
        cur.execute("SELECT status, count(*) FROM cases_case WHERE tier_code LIKE %s AND status = ANY(%s) "
                    "GROUP BY status", [prefix + "%", ["reported", "registered", "dispatched", "feedback"]])
        cur.fetchall()

    def map_sql(cur, prefix):
        cur.execute("SELECT code, name, level, boundary FROM areas_area WHERE code LIKE %s AND level = 'grid'",
                    [prefix + "%"])
        cur.fetchall()

    def coverage_sql(cur, prefix):
        cur.execute("SELECT area_code, kind, sum(households), sum(households) FILTER (WHERE band <= 15), count(*) "
                    "FROM circle_buildingaccess WHERE area_code LIKE %s GROUP BY 1, 2", [prefix + "%"])
        cur.fetchall()

    def evaluation_sql(cur, prefix):
        # The cases that can be due in the month, their events the replay reads (times as integer
        # microseconds), the month's dispatches and send-backs, and the cases reported in it.
        cur.execute("SELECT DISTINCT case_id FROM cases_caseevent WHERE (kind = 'closed' AND at >= %s "
                    "AND at < %s) OR (deadline >= %s AND deadline < %s)",
                    [period.start, period.end, period.start, period.end])
        ids = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id, area_code, registered_by_id, rating FROM cases_case WHERE id = ANY(%s) "
                    "AND area_code LIKE %s", [ids, prefix + "%"])
        ids = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT case_id, kind, (EXTRACT(EPOCH FROM at) * 1000000)::bigint, unit_id, "
                    "(EXTRACT(EPOCH FROM deadline) * 1000000)::bigint, to_status FROM cases_caseevent "
                    "WHERE case_id = ANY(%s) AND (kind = ANY(%s) OR deadline IS NOT NULL) ORDER BY case_id, at, id",
                    [ids, ["dispatched", "sent_back", "escalated", "closed", "overdue", "rework", "ext_granted"]])
        cur.fetchall()
        cur.execute("SELECT kind, unit_id, area_code FROM cases_caseevent WHERE area_code LIKE %s AND "
                    "kind IN ('dispatched', 'sent_back') AND at >= %s AND at < %s", [prefix + "%", period.start, period.end])
        cur.fetchall()
        cur.execute("SELECT area_code FROM cases_case WHERE area_code LIKE %s AND reported_at >= %s AND reported_at < %s",
                    [prefix + "%", period.start, period.end])
        cur.fetchall()

    q = urllib.parse.quote
    targets = [
        ("people list", "/registry/people/", people_sql("true"), ("city", "district", "street", "grid")),
        ("search 2-char name", f"/registry/people/?q={q(two)}",
         people_sql("(name LIKE %s OR address LIKE %s) AND civicgrid_bigrams(name, address) @> ARRAY[%s]",
                    f"%{two}%", f"%{two}%", two), ("city", "district", "street", "grid")),
        ("search 3-char name", f"/registry/people/?q={q(three)}",
         people_sql("(name LIKE %s OR address LIKE %s)", f"%{three}%", f"%{three}%"), ("city", "district", "street", "grid")),
        ("search pinyin", f"/registry/people/?q={pinyin}",
         people_sql("(name_initials LIKE %s OR name_pinyin LIKE %s)", pinyin + "%", pinyin + "%"),
         ("city", "district", "street", "grid")),
        ("search ID number", f"/registry/people/?q={id_number}",
         people_sql("id_index = %s", Person.objects.get(pk=first.pk).id_index), ("city", "district", "street", "grid")),
        ("search phone tail", f"/registry/people/?q={tail}", people_sql("phone_tail = %s", tail),
         ("city", "district", "street", "grid")),
        ("case list", "/cases/", case_list_sql, ("city", "district", "street", "grid")),
        ("queue counts (API)", "/api/cases/queues", queues_sql, ("city", "district", "street", "grid")),
        ("map: grids (API)", "/api/areas/geojson?level=grid", map_sql, ("city", "district", "street", "grid")),
        ("circle coverage", "/circle/", coverage_sql, ("city", "district", "street", "grid")),
        ("case evaluation, month", f"/cases/evaluation/?period=month&month={period.key}", evaluation_sql,
         ("city", "district", "street")),
        # Something changed before every request (the watermark moves): the figures kept ≤ 5 minutes.
        ("case evaluation, after a step", f"/cases/evaluation/?period=month&month={period.key}", evaluation_sql,
         ("city", "district", "street")),
        # Every cache emptied before every request: the whole computation.
        ("case evaluation, computed (cold)", f"/cases/evaluation/?period=month&month={period.key}",
         evaluation_sql, ("city", "district", "street")),
    ]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if only:
        targets = [t for t in targets if any(o in t[0] for o in only)]

    rows, failures = [], []
    clients = {}
    for level, username in users.items():
        c = Client()
        c.force_login(User.objects.get(username=username))
        clients[level] = c
    for name, url, bare, levels in targets:
        for level in [lv for lv in levels if lv in users]:
            client, prefix = clients[level], prefixes[level]
            status = [client.get(url).status_code for _ in range(2)][-1]
            if status != 200:
                failures.append((name, level, status))
                print(f"{name:32s} {level:9s} HTTP {status}")
                continue
            page = []
            n = args.requests if "cold" not in name or args.cold_requests is None else args.cold_requests
            for i in range(n):
                if "cold" in name:
                    cache.clear()
                    caches["shared"].clear()
                t0 = time.perf_counter()
                if "after a step" in name:  # the watermark moved (a step somewhere) before each request
                    with mock.patch.object(evaluation_cache, "watermark", lambda i=i: f"bench-step-{i}"):
                        t0 = time.perf_counter()
                        response = client.get(url)
                else:
                    response = client.get(url)
                page.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    failures.append((name, level, response.status_code))
            sql = []
            with connection.cursor() as cur:
                bare(cur, prefix)
                for _ in range(n):
                    t0 = time.perf_counter()
                    bare(cur, prefix)
                    sql.append(time.perf_counter() - t0)
            row = {"target": name, "as": level, "page_p50_ms": round(1000 * statistics.median(page), 1),
                   "page_p95_ms": round(1000 * pct(page, 0.95), 1), "sql_p50_ms": round(1000 * statistics.median(sql), 2),
                   "sql_p95_ms": round(1000 * pct(sql, 0.95), 2)}
            row["ratio_p95"] = round(row["page_p95_ms"] / max(row["sql_p95_ms"], 0.01), 1)
            rows.append(row)
            print(f"{name:32s} {level:9s} page p50 {row['page_p50_ms']:8.1f} p95 {row['page_p95_ms']:8.1f} ms | "
                  f"SQL p50 {row['sql_p50_ms']:7.2f} p95 {row['sql_p95_ms']:7.2f} ms | ×{row['ratio_p95']}",
                  flush=True)
    worst = max(rows, key=lambda r: r["page_p95_ms"]) if rows else None
    print(json.dumps({"scale": scale, "requests": args.requests, "rows": rows, "failures": failures,
                      "worst": worst}, ensure_ascii=False))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
