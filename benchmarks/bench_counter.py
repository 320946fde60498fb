"""The one-window counter on PostgreSQL: a clerk's intake through the HTTP API beside the raw inserts
it does, and the figures page over a district of ``--scale`` applications.

    .venv/bin/python benchmarks/bench_counter.py --scale 1000000 [--intakes 200] [--repeat 20]
        [--database-url postgres://postgres@127.0.0.1:5432] [--keep]

1. Creates its own database ``cg_bench_counter_<random>`` on the server of ``--database-url`` (dropped
   at the end unless ``--keep``), with its own ``CIVICGRID_VAR_DIR``; migrates it (the sample catalogue
   comes with the migrations), lays a district of 2 streets × 2 communities × 2 grids, registers
   ``--intakes`` residents (with households; every third with a disability tag) and a window clerk.
2. Platform: ``--intakes`` intakes through the API in this process (``django.test.Client``: the WSGI
   handler with every middleware, session auth, JSON in and out — no socket): ``POST /api/counter/lookup``
   (ID number) → ``POST /api/counter/applications`` (item 低保 申请, situation, the handed-in materials) →
   ``POST /api/counter/applications/{id}/accept``. Reference: the rows those three requests write —
   the application row, its checklist lines, the two history rows and the audit rows (look-up, one per
   register read, receive, accept) — inserted by psycopg, one transaction per intake as the platform
   commits them. Ratio = platform time ÷ raw time, both in this run.
3. Figures: ``--scale`` applications inserted by SQL (generate_series; states, times over the past
   year, visits, ratings as the demo spreads them), ANALYZE, the figures' daily roll-up rebuilt
   (``counter.rollup.rebuild``, as ``civicgrid counter rebuild-figures`` does; timed), then ``GET /counter/figures/?period=<last
   full month>&by=centre`` as the district administrator ``--repeat`` times: p50 and p95 (target p95
   < 300 ms at 1,000,000).

Prints a table and a ``RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def setup_tree(count: int):
    import datetime as dt

    from civicgrid.accounts import actions as account_actions
    from civicgrid.accounts.roles import Role
    from civicgrid.areas.actions import do_import_areas
    from civicgrid.areas.models import Area
    from civicgrid.core.idnumber import make_id_number
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.registry.actions import do_register_person
    from civicgrid.registry.actions.households import do_create_household

    def rect(x0, y0, x1, y1):
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    feats, d = [], "330106"
    x0, y0, size = 120.0, 30.2, 0.08
    feats.append({"type": "Feature", "properties": {"code": d, "name": "区"}, "geometry": rect(x0, y0, x0 + size, y0 + size / 2)})
    for s in range(2):
        sx0, sx1 = x0 + s * size / 2, x0 + (s + 1) * size / 2
        sc = f"{d}{s + 1:03d}"
        feats.append({"type": "Feature", "properties": {"code": sc, "name": f"街道{s}"}, "geometry": rect(sx0, y0, sx1, y0 + size / 2)})
        for c in range(2):
            cy0, cy1 = y0 + c * size / 4, y0 + (c + 1) * size / 4
            cc = f"{sc}{c + 1:03d}"
            feats.append({"type": "Feature", "properties": {"code": cc, "name": f"社区{s}{c}"}, "geometry": rect(sx0, cy0, sx1, cy1)})
            for g in range(2):
                gx0, gx1 = sx0 + g * size / 4, sx0 + (g + 1) * size / 4
                feats.append({"type": "Feature", "properties": {"code": f"{cc}{g + 1:03d}", "name": f"网格{g}"},
                              "geometry": rect(gx0, cy0, gx1, cy1)})
    report = do_import_areas({"type": "FeatureCollection", "features": feats}, actor=SYSTEM)
    assert report.committed, report
    clerk = account_actions.do_create_user(actor=SYSTEM, username="bench_clerk", password="x-bench-password-1")
    account_actions.do_grant_membership(actor=SYSTEM, user=clerk, role=Role.WINDOW_CLERK,
                                        area=Area.objects.get(code="330106001001"))
    admin = account_actions.do_create_user(actor=SYSTEM, username="bench_admin", password="x-bench-password-1")
    account_actions.do_grant_membership(actor=SYSTEM, user=admin, role=Role.DISTRICT_ADMIN,
                                        area=Area.objects.get(code=d))
    numbers = []
    for i in range(count):
        number = make_id_number("330106", dt.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), (2 * i) % 1000, "F")
        if number in numbers:
            number = make_id_number("330106", dt.date(1940, 1 + i % 12, 1 + i % 28), (2 * i + 1) % 1000, "M")
        person = do_register_person(actor=SYSTEM, grid_code="330106001001001", name=f"居民{i}", id_number=number,
                                    sex="F", tags=["disabled"] if i % 3 == 0 else [])
        do_create_household(actor=SYSTEM, head=person)
        numbers.append(number)
    return clerk, admin, numbers


def platform_intakes(clerk, numbers) -> float:
    from django.test import Client

    client = Client()
    client.force_login(clerk)

    def post(url, body):
        r = client.post(url, data=json.dumps(body), content_type="application/json")
        assert r.status_code in (200, 201), (url, r.status_code, r.content[:300])
        return r.json()

    t0 = time.perf_counter()
    for number in numbers:
        person = post("/api/counter/lookup", {"id_number": number})
        app = post("/api/counter/applications", {"item": "MZ001-01", "person_id": person["id"], "situation": "S1",
                                                 "handed": ["M03", "M04", "M05"], "window": "1号窗口"})
        post(f"/api/counter/applications/{app['id']}/accept", {"version": app["version"]})
    return time.perf_counter() - t0


def raw_intakes(dsn: str, count: int) -> float:
    """The rows the three requests write, by psycopg: application, 5 checklist lines, 2 history rows,
    1 + 2 + 1 + 1 audit rows; one transaction per intake."""
    import psycopg

    from civicgrid.counter.models import Application, ItemVersion

    version = ItemVersion.objects.get(item__code="MZ001-01", status="published")
    materials = list(version.materials.filter(situations=[]).values_list("id", flat=True))[:6]
    person_id = Application.objects.values_list("applicant_id", flat=True).first()
    with psycopg.connect(dsn, autocommit=False) as conn, conn.cursor() as cur:
        t0 = time.perf_counter()
        for i in range(count):
            cur.execute(
                "INSERT INTO counter_application (area_code, version, created_at, updated_at, number, receipt_number,"
                " query_index, query_enc, item_id, item_version_id, situation, status, channel, \"window\", applicant_id,"
                " applicant_name, proxy, proxy_name, green_channel, first_clerk_name, department, owner_level,"
                " owner_area_code, legal_days, promised_days, received_at, accepted_at, due_at, paused_hours, visits,"
                " notices, materials_total, materials_register, decision_reason, legal_basis, rating_comment, delivery)"
                " VALUES ('330106001001', 3, now(), now(), %s, %s, %s, %s, %s, %s, 'S1', 'accepted', 'window', '1号窗口',"
                " %s, '居民', '', '', false, 'bench_clerk', 'civil_affairs', 'street', '330106001', 30, 10, now(), now(),"
                " now() + interval '14 days', 0, 1, 0, 5, 2, '', '', '', '') RETURNING id",
                [f"RAW{i:010d}", f"RAWSL{i:08d}", uuid.uuid4().hex, "g1:" + uuid.uuid4().hex * 2,
                 version.item_id, version.id, person_id])
            app_id = cur.fetchone()[0]
            cur.executemany("INSERT INTO counter_applicationmaterial (application_id, material_id, how) VALUES (%s, %s, %s)",
                            [(app_id, m, "register" if k < 2 else "handed") for k, m in enumerate(materials)])
            cur.executemany(
                "INSERT INTO counter_applicationevent (kind, at, actor_name, from_status, to_status, note, area_code,"
                " application_id, due_at) VALUES (%s, now(), 'bench_clerk', %s, %s, '', '330106001001', %s, now())",
                [("received", "", "received", app_id), ("accepted", "received", "accepted", app_id)])
            cur.executemany(
                "INSERT INTO core_auditlog (at, actor_name, action, object_type, object_id, object_repr, area_code,"
                " outcome, detail) VALUES (now(), 'bench_clerk', %s, 'counter.application', %s, %s, '330106001001',"
                " 'ok', %s)",
                [(a, str(app_id), f"RAW{i:010d}", json.dumps({"material": "M01"})) for a in
                 ("counter.register.lookup", "counter.register.read", "counter.register.read",
                  "counter.application.receive", "counter.application.accept")])
            conn.commit()
        return time.perf_counter() - t0


FILL = """
INSERT INTO counter_application (area_code, version, created_at, updated_at, number, receipt_number, query_index,
  query_enc, item_id, item_version_id, situation, status, channel, "window", applicant_id, applicant_name, proxy,
  proxy_name, green_channel, first_clerk_name, department, owner_level, owner_area_code, legal_days, promised_days,
  received_at, accepted_at, due_at, paused_hours, decided_at, work_days, on_time, delivered_at, delivery, visits,
  notices, materials_total, materials_register, decision_reason, legal_basis, rating, rating_comment, rated_at)
SELECT c.code, 5, t.r, t.r, 'B' || g, 'BSL' || g, NULL, '', %(item)s, %(version)s, '', 'delivered', 'window',
  (1 + g %% 4) || '号窗口', %(person)s, '居民', CASE WHEN g %% 13 = 0 THEN 'proxy' ELSE '' END, '', false, 'clerk',
  'civil_affairs', 'street', substr(c.code, 1, 9), 30, 10, t.r, t.r + interval '10 minutes', t.r + interval '14 days',
  0, t.r + (g %% 17) * interval '1 day', (g %% 17) * 0.7, (g %% 17) < 14, t.r + (g %% 17 + 1) * interval '1 day',
  CASE WHEN g %% 5 < 2 THEN 'post' ELSE 'pickup' END, 1 + (g %% 5 >= 2)::int + (g %% 11 = 0)::int,
  (g %% 11 = 0)::int, 5, 2, '', '', CASE WHEN g %% 10 < 7 THEN 5 - (g %% 7) / 2 END, '',
  CASE WHEN g %% 10 < 7 THEN t.r + (g %% 17 + 2) * interval '1 day' END
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT now() - (g %% 365) * interval '1 day' - (g %% 480) * interval '1 minute' AS r) t
CROSS JOIN LATERAL (SELECT (ARRAY['330106001001','330106001002','330106002001','330106002002','330106001',
  '330106002'])[1 + g %% 6] AS code) c
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1_000_000, help="applications for the figures page")
    parser.add_argument("--intakes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    import psycopg

    name = f"cg_bench_counter_{uuid.uuid4().hex[:8]}"
    admin_dsn = with_database(args.database_url, "postgres")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = with_database(args.database_url, name)
    os.environ.update(DATABASE_URL=dsn, CIVICGRID_VAR_DIR=tempfile.mkdtemp(prefix="cg-bench-counter-"),
                      DJANGO_SETTINGS_MODULE="civicgrid.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        clerk, admin, numbers = setup_tree(args.intakes)
        # warm up (first requests import and compile everything)
        platform_intakes(clerk, numbers[:5])
        platform = platform_intakes(clerk, numbers[5:])
        n = len(numbers) - 5
        raw = raw_intakes(dsn, n)

        from django.db import connection
        from django.test import Client

        from civicgrid.core import periods
        from civicgrid.counter.models import Application, ItemVersion

        version = ItemVersion.objects.get(item__code="MZ001-01", status="published")
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(FILL, {"item": version.item_id, "version": version.id, "n": args.scale,
                               "person": Application.objects.values_list("applicant_id", flat=True).first()})
            cur.execute("ANALYZE")
        fill = time.perf_counter() - t0
        # the rows went in by SQL, past the actions: the daily roll-up of the figures is rebuilt
        from civicgrid.counter import rollup

        t0 = time.perf_counter()
        rollup_rows = rollup.rebuild()
        with connection.cursor() as cur:
            cur.execute("ANALYZE counter_figureday, counter_figuredays")
        rebuild = time.perf_counter() - t0
        client = Client()
        client.force_login(admin)
        period = periods.last_full("month").code
        url = f"/counter/figures/?period={period}&by=centre"
        assert client.get(url).status_code == 200
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = client.get(url)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200
        result = {
            "intakes": n, "platform_s": round(platform, 3), "raw_s": round(raw, 3),
            "platform_ms_per_intake": round(1000 * platform / n, 2), "raw_ms_per_intake": round(1000 * raw / n, 2),
            "ratio": round(platform / raw, 2), "scale": args.scale, "fill_s": round(fill, 1),
            "rollup_rebuild_s": round(rebuild, 1), "rollup_rows": rollup_rows,
            "figures_p50_ms": round(1000 * statistics.median(times), 1),
            "figures_p95_ms": round(1000 * percentile(times, 95), 1), "period": period,
            "target_p95_ms": 300,
        }
        print(f"{'':34}{'platform':>12}{'raw':>12}{'ratio':>8}")
        print(f"{'intake (lookup+receive+accept), ms':34}{result['platform_ms_per_intake']:>12}"
              f"{result['raw_ms_per_intake']:>12}{result['ratio']:>8}")
        print(f"figures page over {args.scale:,} applications ({period}): p50 {result['figures_p50_ms']} ms, "
              f"p95 {result['figures_p95_ms']} ms (target < 300 ms); fill {result['fill_s']} s, "
              f"roll-up rebuild {result['rollup_rebuild_s']} s ({rollup_rows[0]:,} day rows, "
              f"{rollup_rows[1]:,} histogram rows)")
        print("RESULT " + json.dumps(result))
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
