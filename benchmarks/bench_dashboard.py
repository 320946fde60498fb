"""Dashboards from the indicator cache, at a chosen scale, on the configured database (PostgreSQL
for figures that mean anything: ``DATABASE_URL=postgres://…``).

Loads the demo if the database holds no areas (``--scale``, ``--people``, ``--cases`` are passed to
``civicgrid demo``; a city of several districts needs the city-level demo), then measures:

1. **full refresh** of every cached value (``stats.actions.do_refresh``: every indicator × the 38
   cached periods × all areas), app by app (the time of each app, and their sum), beside **one
   hand-written GROUP BY per indicator** computing the same numerators and denominators for all
   those periods at once (periods joined from a temporary table) for the apps whose every indicator
   has one (cases, register, circle) — the ratio says what the generic per-period refresh costs over
   hand-tuned SQL;
2. **dashboards** (the city's — a demo city —, the district's and a street's page, and the API's
   figures) p50/p95 over ``--repeat`` requests in process (Django test client, logged in), beside
   the bare SQL a dashboard needs from the cache (the Σ by indicator and period of the area, the Σ
   by child); and the page with Django's cache emptied first (the sums are kept there until the
   next refresh: the first view after a refresh);
3. **incremental refresh** after ``--new-cases`` new cases (inserted in bulk with one audit row
   each, as the intake action writes): ``do_refresh_changed``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cg_stats \\
        .venv/bin/python benchmarks/bench_dashboard.py --people 20000 --cases 3000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


HANDWRITTEN = {
    # indicator → SQL grouped by (period, area_code) over bench_periods p(code, s, e), or by area_code (stock)
    "cases.closing_rate": ("SELECT p.code, c.area_code, SUM(CASE WHEN c.status = 'closed' AND c.closed_at < p.e THEN 1 "
                           "ELSE 0 END), COUNT(*) FROM cases_case c JOIN bench_periods p ON c.dispatched_at >= p.s "
                           "AND c.dispatched_at < p.e WHERE c.status NOT IN ('invalid', 'duplicate') GROUP BY 1, 2"),
    "cases.on_time_rate": ("SELECT p.code, c.area_code, SUM(CASE WHEN c.status = 'closed' AND c.closed_at < p.e AND "
                           "c.closed_on_time THEN 1 ELSE 0 END), COUNT(*) FROM cases_case c JOIN bench_periods p ON "
                           "c.dispatched_at >= p.s AND c.dispatched_at < p.e WHERE c.status NOT IN ('invalid', "
                           "'duplicate') GROUP BY 1, 2"),
    "cases.rework_rate": ("SELECT p.code, c.area_code, SUM(CASE WHEN c.rework_count > 0 THEN 1 ELSE 0 END), COUNT(*) "
                          "FROM cases_case c JOIN bench_periods p ON c.closed_at >= p.s AND c.closed_at < p.e "
                          "WHERE c.status = 'closed' GROUP BY 1, 2"),
    "cases.satisfaction_rate": ("SELECT p.code, c.area_code, SUM(CASE WHEN c.rating <= 3 THEN 1 ELSE 0 END), "
                                "COUNT(*) FROM cases_case c JOIN bench_periods p ON c.closed_at >= p.s AND "
                                "c.closed_at < p.e WHERE c.status = 'closed' AND c.rating IS NOT NULL GROUP BY 1, 2"),
    "cases.reported": ("SELECT p.code, c.area_code, COUNT(*), 1 FROM cases_case c JOIN bench_periods p ON "
                       "c.reported_at >= p.s AND c.reported_at < p.e WHERE c.status <> 'duplicate' GROUP BY 1, 2"),
    "registry.population": "SELECT area_code, COUNT(*), 1 FROM registry_person WHERE status = 'active' GROUP BY 1",
    "registry.population_registered": ("SELECT area_code, COUNT(*), 1 FROM registry_person WHERE status = 'active' "
                                       "AND residence = 'registered' GROUP BY 1"),
    "registry.population_floating": ("SELECT area_code, COUNT(*), 1 FROM registry_person WHERE status = 'active' "
                                     "AND residence = 'floating' GROUP BY 1"),
    "registry.population_foreign": ("SELECT area_code, COUNT(*), 1 FROM registry_person WHERE status = 'active' "
                                    "AND residence = 'foreign' GROUP BY 1"),
    "registry.households": "SELECT area_code, COUNT(*), 1 FROM registry_household WHERE NOT dissolved GROUP BY 1",
    "registry.volunteer_rate": ("SELECT p.area_code, SUM(CASE WHEN EXISTS (SELECT 1 FROM registry_persontag t WHERE "
                                "t.person_id = p.id AND t.tag = 'volunteer') THEN 1 ELSE 0 END), COUNT(*) FROM "
                                "registry_person p WHERE p.status = 'active' GROUP BY 1"),
    "registry.social_organisations": ("SELECT a.code, COUNT(o.id), 1 FROM areas_area a LEFT JOIN registry_organisation o "
                                      "ON o.kind = 'social' AND o.area_code LIKE a.code || '%%' WHERE a.level = "
                                      "'community' GROUP BY 1"),
    "circle.facility_coverage": ("SELECT area_code, SUM(CASE WHEN band <= 15 THEN households ELSE 0 END), "
                                 "SUM(households) FROM circle_buildingaccess GROUP BY 1"),
    "circle.facility_area": ("SELECT area_code, SUM(a), SUM(h) FROM (SELECT area_code, area_m2 AS a, 0 AS h FROM "
                             "circle_facility WHERE active AND kind IN ({kinds}) UNION ALL SELECT area_code, 0, "
                             "households FROM registry_building) x GROUP BY 1"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--people", type=int, default=None)
    parser.add_argument("--cases", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--new-cases", type=int, default=1000)
    parser.add_argument("--skip-refresh", action="store_true",
                        help="measure the dashboards and the incremental refresh on the cache as it stands")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from civicgrid.accounts.models import User
    from civicgrid.areas.models import Area, scope_code
    from civicgrid.cases.models import Case
    from civicgrid.core import audit
    from civicgrid.core import periods as P
    from civicgrid.core.models import AuditLog
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.stats import actions, catalogue
    from civicgrid.stats.models import IndicatorValue

    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        opts = ["--scale", str(args.scale)]
        if args.people is not None:
            opts += ["--people", str(args.people)]
        if args.cases is not None:
            opts += ["--cases", str(args.cases)]
        t = time.perf_counter()
        call_command("demo", *opts, stdout=open(os.devnull, "w"))
        print(f"demo loaded in {time.perf_counter() - t:.0f} s ({' '.join(opts)})")
    grids = list(Area.objects.filter(level="grid").values_list("code", flat=True))
    print(f"database: {connection.vendor}; areas: {Area.objects.count()} ({len(grids)} grids); "
          f"people: {_count(connection, 'registry_person')}; "
          f"cases: {Case.objects.count()}")

    # 1. full refresh vs one hand-written GROUP BY per indicator. The refresh runs app by app (the
    # sum is the full refresh: an app's indicators share their work within a period), so the apps
    # whose every indicator has a hand-written query are compared like with like.
    periods = catalogue.cached_periods()
    if not args.skip_refresh:
        full_refresh(periods, connection)

    # 2. dashboards from the cache
    district = Area.objects.get(code=User.objects.get(username="qu_admin").memberships.first().area_code)
    quarter = P.current("quarter")
    users = {"district": User.objects.get(username="qu_admin"), "street": User.objects.get(username="jd_admin")}
    codes = {"district": district.code, "street": users["street"].memberships.first().area_code}
    city = User.objects.filter(username="shi_admin").first()  # a demo city (--districts N)
    if city is not None:
        users = {"city": city, **users}
        codes = {"city": Area.objects.get(level="city").code, **codes}  # its membership holds 3301
    print(f"\n2. dashboards ({args.repeat} requests each, in process), ms     p50      p95")
    for level, user in users.items():
        client = Client()
        client.force_login(user)
        code = codes[level]
        url = f"/stats/area/{code}/?period={quarter.code}&indicator=cases.closing_rate"
        assert client.get(url).status_code == 200
        page = timed(lambda client=client, url=url: client.get(url), args.repeat)
        api = timed(lambda client=client, code=code: client.get(f"/api/stats/areas/{code}?period={quarter.code}"),
                    args.repeat)
        trend = [p.code for p in catalogue.recent("quarter", 6, quarter)]
        child_len = len(Area.objects.filter(parent__code=code).values_list("code", flat=True).first() or code)

        prefix = scope_code(code)  # a city's rows: 3301…

        def bare(code=prefix, trend=trend, child_len=child_len):
            with connection.cursor() as cursor:
                cursor.execute("SELECT indicator, period, SUM(numerator), SUM(denominator) FROM stats_indicatorvalue "
                               "WHERE area_code LIKE %s AND period IN (" + ",".join(["%s"] * len(trend)) +
                               ") GROUP BY 1, 2", [code + "%", *trend])
                cursor.fetchall()
                cursor.execute("SELECT indicator, SUBSTR(area_code, 1, %s), SUM(numerator), SUM(denominator) FROM "
                               "stats_indicatorvalue WHERE area_code LIKE %s AND period = %s GROUP BY 1, 2",
                               [child_len, code + "%", quarter.code])
                cursor.fetchall()

        summed = timed(bare, args.repeat)  # what it read before the roll-ups: Σ over the grids' rows

        def kept(code=prefix, trend=trend, child_len=child_len):  # what it reads now
            with connection.cursor() as cursor:
                cursor.execute("SELECT indicator, period, numerator, denominator FROM stats_indicatorrollup "
                               "WHERE prefix = %s AND period IN (" + ",".join(["%s"] * len(trend)) + ")",
                               [code, *trend])
                cursor.fetchall()
                cursor.execute("SELECT indicator, prefix, numerator, denominator FROM stats_indicatorrollup "
                               "WHERE period = %s AND digits = %s AND prefix LIKE %s", [quarter.code, child_len,
                                                                                        code + "%"])
                cursor.fetchall()

        sql = timed(kept, args.repeat)

        def first_view(client=client, url=url):  # the sums not yet kept: the first view after a refresh
            cache.clear()
            client.get(url)

        first = timed(first_view, max(3, args.repeat // 5))
        print(f"   {level:9s} page                              {pct(page, .5):7.1f}  {pct(page, .95):7.1f}  "
              f"(ratio to bare SQL p50 {pct(page, .5) / pct(sql, .5):.1f})")
        print(f"   {level:9s} page, first view after a refresh  {pct(first, .5):7.1f}  {pct(first, .95):7.1f}  "
              f"(ratio to bare SQL p50 {pct(first, .5) / pct(sql, .5):.1f}; {len(first)} requests)")
        print(f"   {level:9s} API figures                       {pct(api, .5):7.1f}  {pct(api, .95):7.1f}")
        print(f"   {level:9s} bare SQL from the cache           {pct(sql, .5):7.1f}  {pct(sql, .95):7.1f}  "
              "(the kept sums: one row per figure)")
        print(f"   {level:9s} bare SQL adding up the grid rows  {pct(summed, .5):7.1f}  {pct(summed, .95):7.1f}  "
              "(what a view read before the roll-ups)")

    # 3. incremental refresh after N new cases
    rng = random.Random(15)
    template = Case.objects.order_by("id").first()
    now = timezone.now()
    new = []
    for i in range(args.new_cases):
        grid = rng.choice(grids)
        new.append(Case(number=f"B{now:%H%M%S}{i:07d}", query_code=f"BQ{i:09d}"[:12], channel=template.channel,
                        cls_id=template.cls_id, title="bench", description="bench", lon=template.lon, lat=template.lat,
                        tier=template.tier, tier_code=grid[:12], status="handling", reported_at=now,
                        dispatched_at=now, area_code=grid))
    Case.objects.bulk_create(new, batch_size=2000)
    # One audit row per case naming it, as the intake action writes (the refresh reads which cases
    # changed from these).
    entries = [audit.entry("cases.case.report", obj=case, area_code=case.area_code) for case in new]
    AuditLog.objects.bulk_create(entries, batch_size=2000)
    t = time.perf_counter()
    inc = actions.do_refresh_changed(actor=SYSTEM)
    took = time.perf_counter() - t
    print(f"\n3. incremental refresh after {args.new_cases} new cases: {took:.2f} s "
          f"({inc.values} values, {len(inc.prefixes)} prefixes: {inc.prefixes[:5]}…)")
    Case.objects.filter(title="bench", description="bench").delete()
    print(f"cache rows: {IndicatorValue.objects.count()}")
    return 0


def full_refresh(periods, connection):
    import time

    from civicgrid.circle.models import KIND_GROUP, SERVICE_AREA_GROUPS
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.stats import actions, catalogue

    apps: dict[str, list[str]] = {}
    for ind in catalogue.indicators():
        apps.setdefault(ind.app, []).append(ind.code)
    took, values = {}, 0
    for app, codes in apps.items():
        t = time.perf_counter()
        run = actions.do_refresh(actor=SYSTEM, periods=periods, indicators=codes)
        took[app] = time.perf_counter() - t
        values += run.values
        print(f"   refresh {app:9s} {len(codes):2d} indicators: {took[app]:8.2f} s ({run.values} values)", flush=True)
    full = sum(took.values())
    kinds = ", ".join(f"'{k}'" for k, g in KIND_GROUP.items() if g in SERVICE_AREA_GROUPS)
    compared = [app for app, codes in apps.items() if all(c in HANDWRITTEN for c in codes)]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_periods")
        cursor.execute("CREATE TEMPORARY TABLE bench_periods (code varchar(24), s timestamp with time zone, "
                       "e timestamp with time zone)")
        cursor.executemany("INSERT INTO bench_periods VALUES (%s, %s, %s)", [(p.code, p.start, p.end) for p in periods])
        t = time.perf_counter()
        rows = 0
        for code, sql in HANDWRITTEN.items():
            if code.split(".")[0] in compared:
                cursor.execute(sql.replace("{kinds}", kinds))
                rows += len(cursor.fetchall())
        hand = time.perf_counter() - t
    platform = sum(took[app] for app in compared)
    print(f"\n1. full refresh: {values} values ({len(periods)} periods, {len(catalogue.indicators())} indicators of "
          f"{len(apps)} apps) in {full:.2f} s\n   apps with a hand-written GROUP BY per indicator "
          f"({', '.join(compared)}; {sum(len(apps[a]) for a in compared)} indicators, {rows} groups): platform "
          f"{platform:.2f} s, hand-written {hand:.2f} s, ratio {platform / hand:.1f}")


def _count(connection, table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    raise SystemExit(main())
