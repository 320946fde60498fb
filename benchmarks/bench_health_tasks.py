"""Community health: task generation (the periodic job) against a set-based SQL reference, and the
today's-tasks page of a team.

1. Creates a throw-away PostgreSQL database beside ``--database-url`` (or, without one, a SQLite
   file under /tmp; the SQL reference needs PostgreSQL and is skipped there), migrates it, and
   writes ``--people`` residents (default 100,000) over one district (4 streets × 5 communities ×
   10 grids), a team per 2 grids, and enrolments at the demo's prevalence: hypertension 25 % and
   type-2 diabetes 10 % of the 35+ (quarterly follow-ups from an enrolment within the last 15
   months), every 65+ in the yearly check.
2. Times ``health.actions.generate_tasks(until=…)`` (Python windows, INSERT … ON CONFLICT DO
   NOTHING) on the empty task table, then the reference: one ``INSERT … SELECT`` with
   ``generate_series`` computing the same windows in SQL into the same (emptied) table, and compares
   the two row sets (EXCEPT both ways). Reports both times and their ratio.
3. Times the today's-tasks page (``GET /health/tasks/`` through Django's test client, session of a
   team doctor: the first page of households with a window open today) ``--repeat`` times and
   reports p50/p95, then the second page and the upcoming list. People live in households of 1–4.
   ``--keep`` leaves the database (named in the output) for EXPLAIN ANALYZE; drop it afterwards.

    .venv/bin/python benchmarks/bench_health_tasks.py --database-url postgres://postgres@127.0.0.1:5432/x --people 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

REFERENCE = """
INSERT INTO health_task (enrolment_id, rule_id, seq, person_id, team_id, household_id, area_code, start, due, "end",
                         status)
WITH e AS (
  SELECT e.id, e.person_id, e.programme_id, e.team_id, e.area_code, e.enrolled_on, e.anchor_date, e.ended_on,
         p.birth_date, p.household_id
  FROM health_enrolment e JOIN registry_person p ON p.id = e.person_id WHERE e.ended_on IS NULL
), anchored AS (
  SELECT e.*, r.id AS rule_id, r.offset_months, r.offset_days, r.every_months, r.count, r.before_days, r.after_days,
         CASE r.anchor WHEN 'birth' THEN e.birth_date WHEN 'event' THEN e.anchor_date ELSE e.enrolled_on END AS anchor
  FROM e JOIN health_schedulerule r ON r.programme_id = e.programme_id AND r.active AND r.anchor <> 'year'
), periodic AS (
  -- occurrences up to the horizon only: (days from the anchor to it) ÷ 28 bounds the months
  SELECT a.id AS enrolment_id, a.rule_id, s.seq, a.person_id, a.team_id, a.household_id, a.area_code,
         (a.anchor + make_interval(months => a.offset_months + s.seq * a.every_months))::date + a.offset_days AS due,
         a.anchor, a.before_days, a.after_days, a.enrolled_on, a.ended_on
  FROM anchored a
  CROSS JOIN LATERAL generate_series(0, CASE WHEN a.every_months = 0 THEN 0 ELSE LEAST(
      CASE WHEN a.count > 0 THEN a.count - 1 ELSE 1000 END,
      GREATEST(0, (%(until)s::date - a.anchor + a.before_days) / 28 + 1) / a.every_months) END) AS s(seq)
  WHERE a.anchor IS NOT NULL
), windows AS (
  SELECT *, GREATEST(anchor, due - before_days) AS start, due + after_days AS "end" FROM periodic
), yearly AS (
  SELECT e.id AS enrolment_id, r.id AS rule_id, (y - EXTRACT(YEAR FROM e.enrolled_on)::int) AS seq, e.person_id, e.team_id, e.household_id, e.area_code,
         GREATEST(make_date(y, 1, 1), e.enrolled_on) AS start, make_date(y, 12, 31) AS "end", r.after_days, e.ended_on
  FROM e JOIN health_schedulerule r ON r.programme_id = e.programme_id AND r.active AND r.anchor = 'year'
  CROSS JOIN LATERAL generate_series(EXTRACT(YEAR FROM e.enrolled_on)::int, EXTRACT(YEAR FROM %(until)s::date)::int) AS y
)
SELECT enrolment_id, rule_id, seq, person_id, team_id, household_id, area_code, start, due, "end", 'open'
FROM windows WHERE start <= LEAST(%(until)s::date, COALESCE(ended_on - 1, %(until)s::date)) AND "end" >= enrolled_on
UNION ALL
SELECT enrolment_id, rule_id, seq, person_id, team_id, household_id, area_code, start,
       GREATEST(start, "end" - after_days), "end", 'open'
FROM yearly WHERE start <= LEAST(%(until)s::date, COALESCE(ended_on - 1, %(until)s::date))
ON CONFLICT DO NOTHING
"""
COLUMNS = "enrolment_id, rule_id, seq, person_id, team_id, household_id, area_code, start, due, \"end\""


def log(text: str) -> None:
    print(text, flush=True)  # noqa: T201


def with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def setup(people: int, seed: int) -> dict:
    from django.core.management import call_command
    from django.db import transaction

    from civicgrid.accounts import actions as account_actions
    from civicgrid.accounts.roles import Role
    from civicgrid.areas.models import Area
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.health.models import Enrolment, Programme, Team, TeamMember
    from civicgrid.registry.models import Household, Person

    call_command("migrate", "--noinput", "-v", "0")
    rng = random.Random(seed)
    today = dt.date.today()
    with transaction.atomic():
        district = Area.objects.create(code="330106", level="district", name="区")
        grids = []
        for s in range(1, 5):
            street = Area.objects.create(code=f"330106{s:03d}", level="street", name=f"街道{s}", parent=district)
            for c in range(1, 6):
                community = Area.objects.create(code=f"{street.code}{c:03d}", level="community", name=f"社区{s}{c}",
                                                parent=street)
                grids += [Area(code=f"{community.code}{g:03d}", level="grid", name=f"网格{g}", parent=community)
                          for g in range(1, 11)]
        Area.objects.bulk_create(grids)
        codes = [g.code for g in grids]
        teams = Team.objects.bulk_create([Team(area_code=codes[i][:12], name=f"团队{i // 2}",
                                               grid_codes=codes[i:i + 2]) for i in range(0, len(codes), 2)])
        team_of = {g: t for t in teams for g in t.grid_codes}
        # households of 1–4 people (about 2.5 on average) in one grid, so the phone page groups
        households = []
        size_of = []
        placed = 0
        while placed < people:
            size = min(rng.choice((1, 2, 2, 3, 3, 4)), people - placed)
            grid = codes[len(households) % len(codes)]
            households.append(Household(area_code=grid, number=f"B{len(households):08d}",
                                        address=f"{grid[-6:]}号楼{len(households) % 300}室"))
            size_of.append(size)
            placed += size
        Household.objects.bulk_create(households, batch_size=5000)
        rows = []
        for household, size in zip(households, size_of, strict=True):
            for _member in range(size):
                age = min(int(rng.expovariate(1 / 38)), 100)
                birth = today - dt.timedelta(days=365 * age + rng.randrange(365))
                rows.append(Person(name=f"居民{len(rows)}", name_initials="jm", name_pinyin="jumin", id_type="none",
                                   area_code=household.area_code, birth_date=birth, household=household))
        Person.objects.bulk_create(rows, batch_size=5000)
        programmes = dict(Programme.objects.values_list("code", "pk"))
        enrol = []
        for p in rows:
            age = (today - p.birth_date).days // 365
            team = team_of[p.area_code]
            since = today - dt.timedelta(days=rng.randrange(0, 455))
            if age >= 35 and rng.random() < 0.25:
                enrol.append(Enrolment(person=p, programme_id=programmes["htn"], team=team, area_code=p.area_code,
                                       enrolled_on=since))
            if age >= 35 and rng.random() < 0.10:
                enrol.append(Enrolment(person=p, programme_id=programmes["dm"], team=team, area_code=p.area_code,
                                       enrolled_on=since))
            if age >= 65:
                enrol.append(Enrolment(person=p, programme_id=programmes["elderly"], team=team, area_code=p.area_code,
                                       enrolled_on=today - dt.timedelta(days=rng.randrange(0, 400))))
        Enrolment.objects.bulk_create(enrol, batch_size=5000)
        doctor = account_actions.do_create_user(actor=SYSTEM, username="bench_doctor", password="x-bench-password-1")
        account_actions.do_grant_membership(actor=SYSTEM, user=doctor, role=Role.FAMILY_DOCTOR,
                                            area=Area.objects.get(code=teams[0].area_code))
        TeamMember.objects.create(team=teams[0], area_code=teams[0].area_code, name="医生", post="gp", user=doctor)
    return {"enrolments": len(enrol), "doctor": doctor, "team": teams[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000, help="residents (scale)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="a PostgreSQL server (a throw-away database is created beside it); empty: SQLite")
    parser.add_argument("--repeat", type=int, default=30, help="page requests timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the throw-away PostgreSQL database (EXPLAIN it)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="civicgrid-bench-health-"))
    os.environ["CIVICGRID_VAR_DIR"] = str(workdir / "var")
    os.environ.pop("CIVICGRID_DEBUG", None)
    name = f"cg_bench_health_{uuid.uuid4().hex[:8]}"
    postgres = args.database_url.startswith("postgres")
    if postgres:
        import psycopg

        with psycopg.connect(with_database(args.database_url, "postgres"), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = with_database(args.database_url, name)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
    try:
        import django

        django.setup()
        return run(args, postgres)
    finally:
        from django.db import connections

        connections.close_all()
        if postgres and not args.keep:
            import psycopg

            with psycopg.connect(with_database(args.database_url, "postgres"), autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, postgres: bool) -> int:
    from django.db import connection
    from django.test import Client

    from civicgrid.health import actions
    from civicgrid.health.models import Task

    t0 = time.perf_counter()
    made = setup(args.people, args.seed)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"{args.people:,} people, {made['enrolments']:,} enrolments written in {time.perf_counter() - t0:.1f} s "
        f"({connection.vendor})")
    until = dt.date.today() + dt.timedelta(days=actions.HORIZON_DAYS)
    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            inserted = actions.generate_tasks(until=until)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(18)
    else:
        inserted = actions.generate_tasks(until=until)
    platform = time.perf_counter() - t0
    again = time.perf_counter()
    assert actions.generate_tasks(until=until) == 0  # idempotent
    rerun = time.perf_counter() - again
    log(f"platform generate_tasks: {inserted:,} tasks in {platform:.2f} s (rerun, nothing new: {rerun:.2f} s)")
    status = 0
    if postgres:
        with connection.cursor() as cursor:
            # The platform's rows are kept aside; the reference writes into the same emptied table
            # (same indexes, unique constraint and foreign keys), so both pay the same for the writes.
            cursor.execute(f"CREATE TABLE bench_task_platform AS SELECT {COLUMNS} FROM health_task")
            cursor.execute("TRUNCATE health_task")
            t0 = time.perf_counter()
            cursor.execute(REFERENCE, {"until": until})
            reference = time.perf_counter() - t0
            cursor.execute("SELECT COUNT(*) FROM health_task")
            ref_rows = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT {COLUMNS} FROM bench_task_platform EXCEPT "
                           f"SELECT {COLUMNS} FROM health_task) d")
            only_platform = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT {COLUMNS} FROM health_task EXCEPT "
                           f"SELECT {COLUMNS} FROM bench_task_platform) d")
            only_reference = cursor.fetchone()[0]
        log(f"SQL reference (INSERT … SELECT generate_series … ON CONFLICT DO NOTHING into the same table): "
            f"{ref_rows:,} rows in {reference:.2f} s")
        log(f"ratio platform ÷ reference: {platform / reference:.2f} (target ≤ 3); rows only in the platform: "
            f"{only_platform}, only in the reference: {only_reference}")
        status = 0 if only_platform == only_reference == 0 and ref_rows == inserted else 1
    else:
        log("SQL reference skipped (SQLite has no generate_series)")
    client = Client()
    client.force_login(made["doctor"])
    assert client.get("/health/tasks/").status_code == 200
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        response = client.get("/health/tasks/")
        times.append(1000 * (time.perf_counter() - t0))
        assert response.status_code == 200
    shown = Task.objects.filter(team=made["team"], status="open").count()
    from civicgrid.health import queries

    work = queries.worklist(made["doctor"])
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    log(f"today's tasks page, team of {len(made['team'].grid_codes)} grids ({shown:,} open tasks; window open "
        f"today: {work['due']:,} due + {work['overdue']:,} overdue in {work['total_households']:,} households, "
        f"{len(work['households'])} per page; {work['upcoming']:,} upcoming): "
        f"p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {args.repeat} requests (target p95 < 200 ms)")
    for label, url in (("page 2 of the households", "/health/tasks/?offset=30"),
                       ("upcoming (secondary page)", "/health/tasks/?view=upcoming")):
        more = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            assert client.get(url).status_code == 200
            more.append(1000 * (time.perf_counter() - t0))
        more.sort()
        log(f"  {label}: p50 {statistics.median(more):.0f} ms, "
            f"p95 {more[min(len(more) - 1, int(round(0.95 * len(more))) - 1)]:.0f} ms")
    if args.keep and postgres:
        log(f"database kept: {connection.settings_dict['NAME']}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
