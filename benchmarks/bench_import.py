"""Resident ledger import into PostgreSQL: the platform's import beside a raw COPY of the same rows, in one run.

    .venv/bin/python benchmarks/bench_import.py [--rows 1000000] [--bad 0.01] [--repeat 1]
        [--database-url postgres://postgres@127.0.0.1:5432] [--scale 60] [--keep]

What it does:
1. Creates its own PostgreSQL database ``cg_bench_import_<random>`` on the server of
   ``--database-url`` (dropped at the end, also on failure or Ctrl-C, unless ``--keep``),
   migrates it and loads the demo district's areas and buildings at ``--scale`` (60 =
   2,400 grids, 19,371 buildings) the way ``civicgrid demo`` does (its generator
   ``demo.layout``, then ``do_import_areas`` and ``do_bulk_create_buildings``), without the
   demo's population, staff and components, and a district administrator to import as.
2. Writes a resident ledger of ``--rows`` rows as UTF-8 CSV, the format a million-row
   ledger comes in (``demo.ledgers.people_ledger``: households of 1–6 at the demo's
   buildings, tags, phones, ``--bad`` of the rows deliberately bad for one reason each).
   The import's size limits (``ledger.MAX_ROWS``, default 200,000 rows, and
   ``ledger.MAX_BYTES``, 50 MB) are raised for the run, and the output says so.
3. Times, best of ``--repeat`` (the imported people are deleted between repeats):
   - platform: the import as the district administrator runs it, ``actions.do_preview_import``
     (read the CSV, check every row: ID number checksum, birth date and sex, phone,
     choices, tags, building address → grid, duplicates in the file and in the register;
     AES-GCM encryption, HMAC blind indexes and pinyin keys for every row; the file kept
     encrypted) then ``actions.do_commit_import`` (in one transaction: the file checked
     again, by design, then people, their "registered" history rows, tags and new
     households with their heads written with COPY, audit row, commit with its deferred
     foreign-key checks). The checks and the write are also timed apart.
   - reference: ``COPY bench_person (...) FROM STDIN`` of the very same accepted rows, as
     the platform prepared them (captured from the commit, not timed), with psycopg's
     ``cursor.copy`` / ``write_row`` in one transaction on the same connection, into a
     table made ``LIKE registry_person INCLUDING ALL`` plus the same foreign keys (same
     columns, indexes and constraints). People only: no history rows, tags or households.
   - lower bound: ``COPY ... FROM STDIN WITH (FORMAT csv)`` of the CSV file itself into a
     staging table of 11 text columns (no parsing beyond CSV, no index).
4. Checks the outcome: accepted, rejected and written rows match the generator's truth,
   and the register holds exactly the written people, one history row each.

Rates count the rows a stage handles: the check reads every row of the file; writes and
end to end count the people written. The ratio is platform rate / raw COPY rate (the target
for the acceptance item is ≥ 0.25), for the commit alone and for preview + commit.

Prints a table and one ``RESULT {json}`` line. Exit status 1 if the outcome is wrong.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import resource
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET = 0.25


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="ledger rows (a smoke test: --rows 20000)")
    parser.add_argument("--bad", type=float, default=0.01, help="share of deliberately bad rows")
    parser.add_argument("--repeat", type=int, default=1, help="best of N (the people are deleted between runs)")
    parser.add_argument("--scale", type=int, default=60, help="demo scale (60 = 2,400 grids, 19,371 buildings)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default=DEFAULT_SERVER,
                        help="PostgreSQL server to create the throw-away database on (its database name is ignored)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end (prints its URL)")
    args = parser.parse_args()

    import psycopg

    name = f"cg_bench_import_{uuid.uuid4().hex[:10]}"
    admin_url = with_database(args.database_url, "postgres")
    bench_url = with_database(args.database_url, name)
    workdir = tempfile.mkdtemp(prefix="civicgrid-bench-import-")
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args, bench_url, workdir)
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not be set up yet
            pass
        if args.keep:
            log(f"kept database {bench_url}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"dropped database {name}")
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, bench_url: str, workdir: str) -> int:
    os.environ["DATABASE_URL"] = bench_url
    os.environ["CIVICGRID_VAR_DIR"] = workdir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from civicgrid.accounts import actions as account_actions
    from civicgrid.accounts.roles import Role
    from civicgrid.areas.actions import do_import_areas
    from civicgrid.areas.models import Area
    from civicgrid.core.scoping import SYSTEM
    from civicgrid.demo.layout import DISTRICT_CODE, build_layout, buildings_for
    from civicgrid.demo.ledgers import people_ledger
    from civicgrid.registry import actions, bulk, ledger
    from civicgrid.registry.models import Building, Household, Person, PersonEvent, PersonTag

    assert connection.vendor == "postgresql", "the benchmark needs PostgreSQL"

    # --- the district: areas, buildings, accounts ------------------------------------------
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    layout = build_layout(args.seed, args.scale)
    report = do_import_areas(layout.feature_collection(), actor=SYSTEM, source="benchmark")
    if not report.committed:
        raise SystemExit(f"areas did not import: {report.errors[:3]} {report.violations[:3]}")
    actions.do_bulk_create_buildings(buildings_for(layout, args.seed), actor=SYSTEM, area_code=DISTRICT_CODE)
    actor = account_actions.do_create_user(actor=SYSTEM, username="qu_admin", password_hash="!",
                                           display_name="区级管理员")
    account_actions.do_grant_membership(actor=SYSTEM, user=actor, role=Role.DISTRICT_ADMIN,
                                        area=Area.objects.get(code=DISTRICT_CODE))
    demo_s = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    addresses = list(Building.objects.order_by("id").values_list("address", flat=True))
    n_grids = Area.objects.filter(level=Area.Level.GRID).count()
    people_before = Person.objects.count()
    log(f"database {bench_url.rsplit('/', 1)[1]}: migrate {migrate_s:.1f} s, demo areas and buildings "
        f"(scale {args.scale}) {demo_s:.1f} s: {len(addresses):,} buildings, {n_grids:,} grids, {people_before:,} people")

    # --- the ledger ------------------------------------------------------------------------
    t0 = time.perf_counter()
    sample = people_ledger(addresses, args.rows, bad_share=args.bad, seed=args.seed,
                           id_offset=5_000_000)  # clear of any demo population's ID numbers
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(sample.header)
    writer.writerows(sample.rows)
    data = text.getvalue().encode("utf-8-sig")
    del text, writer
    log(f"ledger: {args.rows:,} rows, {len(sample.bad):,} bad, {len(data) / 1e6:.1f} MB CSV "
        f"({time.perf_counter() - t0:.1f} s to generate)")
    limits = []
    if ledger.MAX_ROWS < args.rows:
        limits.append(f"MAX_ROWS {ledger.MAX_ROWS:,} → {args.rows:,}")
        ledger.MAX_ROWS = args.rows
    if ledger.MAX_BYTES < len(data):
        limits.append(f"MAX_BYTES {ledger.MAX_BYTES / 2**20:.0f} MB → {len(data) / 2**20:.0f} MB")
        ledger.MAX_BYTES = len(data)

    # --- hooks: time the commit's recheck and write apart, keep the accepted rows ----------
    inner: dict = {}
    real_check, real_write = ledger.check_ledger, ledger.write_ledger

    def timed_check(*a, **kw):
        t = time.perf_counter()
        out = real_check(*a, **kw)
        inner.setdefault("check", []).append(time.perf_counter() - t)
        return out

    def timed_write(checked, *a, **kw):
        t = time.perf_counter()
        out = real_write(checked, *a, **kw)
        inner["write"] = time.perf_counter() - t
        inner["checked"] = checked
        return out

    ledger.check_ledger, ledger.write_ledger = timed_check, timed_write

    person_table = Person._meta.db_table
    attnames = [f.attname for f in bulk._PERSON_FIELDS]
    columns = ", ".join(["id", *bulk.PERSON_COLUMNS])
    csv_columns = [f"c{i}" for i in range(len(sample.header))]

    def reset_platform(max_person: int, max_household: int) -> None:
        """Remove the people (and households) one platform run wrote."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in (PersonTag._meta.db_table, PersonEvent._meta.db_table):
                cursor.execute(f"DELETE FROM {table} WHERE person_id > %s", [max_person])
            cursor.execute(f"UPDATE {Household._meta.db_table} SET head_id = NULL WHERE id > %s", [max_household])
            cursor.execute(f"DELETE FROM {person_table} WHERE id > %s", [max_person])
            cursor.execute(f"DELETE FROM {Household._meta.db_table} WHERE id > %s", [max_household])
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {person_table}, {PersonEvent._meta.db_table}, "
                           f"{PersonTag._meta.db_table}, {Household._meta.db_table}")

    def make_bench_tables() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_person, bench_ledger_csv")
            cursor.execute(f"CREATE TABLE bench_person (LIKE {person_table} INCLUDING ALL)")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'", [person_table])
            for conname, definition in cursor.fetchall():  # LIKE copies no foreign keys
                cursor.execute(f'ALTER TABLE bench_person ADD CONSTRAINT "bench_{conname}" {definition}')
            cursor.execute(f"CREATE TABLE bench_ledger_csv ({', '.join(f'{c} text' for c in csv_columns)})")

    def copy_prepared(rows: list[tuple]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY bench_person ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def copy_csv() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY bench_ledger_csv ({', '.join(csv_columns)}) FROM STDIN "
                                    "WITH (FORMAT csv, HEADER true)") as copy:
                step = 1 << 20
                for start in range(0, len(data), step):
                    copy.write(data[start:start + step])

    runs = []
    ok = True
    problems: list[str] = []
    for attempt in range(args.repeat):
        max_person = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0
        max_household = Household.objects.order_by("-id").values_list("id", flat=True).first() or 0
        inner.clear()
        log(f"run {attempt + 1}/{args.repeat}: platform preview …")
        t0 = time.perf_counter()
        batch = actions.do_preview_import(actor=actor, data=data, filename="台账.csv", kind="people")
        t1 = time.perf_counter()
        log(f"  preview {t1 - t0:.1f} s ({batch.accepted_rows:,} accepted, {batch.rejected_rows:,} rejected); "
            "commit …")
        batch = actions.do_commit_import(batch, actor=actor)
        t2 = time.perf_counter()
        preview_s, commit_s = t1 - t0, t2 - t1
        check_s, recheck_s, write_s = inner["check"][0], inner["check"][-1], inner["write"]
        log(f"  commit {commit_s:.1f} s (recheck {recheck_s:.1f} s, write {write_s:.1f} s)")

        # outcome against the generator's truth
        written = batch.written_rows
        expected = sample.good_count
        got_people = Person.objects.filter(id__gt=max_person).count()
        got_events = PersonEvent.objects.filter(person_id__gt=max_person).count()
        rejected_rows = {r["row"] for r in batch.rejected}
        checks = {
            "accepted": (batch.accepted_rows, expected),
            "rejected": (batch.rejected_rows, len(sample.bad)),
            "rejected rows": (rejected_rows == set(sample.bad), True),
            "written": (written, expected),
            "people in the register": (got_people, expected),
            "history rows": (got_events, expected),
        }
        for what, (got, want) in checks.items():
            if got != want:
                ok = False
                problems.append(f"{what}: {got} (expected {want})")

        # reference: the very same prepared rows, raw COPY (tuples built untimed)
        checked = inner.pop("checked")
        defaults, now = bulk._defaults(), timezone.now()
        prepared = []
        for i, v in enumerate(checked.accepted, start=1):
            clean = {k: val for k, val in v.items() if not k.startswith("_")}
            clean["household_id"] = v["_household_id"]
            row = bulk._row_values(clean, defaults, now)
            prepared.append((i, *[row[a] for a in attnames]))
        del checked
        make_bench_tables()
        log(f"  raw COPY of {len(prepared):,} prepared rows …")
        t0 = time.perf_counter()
        copy_prepared(prepared)
        copy_s = time.perf_counter() - t0
        del prepared
        t0 = time.perf_counter()
        copy_csv()
        csv_s = time.perf_counter() - t0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM bench_person")
            copied = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM bench_ledger_csv")
            csv_rows = cursor.fetchone()[0]
            cursor.execute("DROP TABLE bench_person, bench_ledger_csv")
        if copied != written or csv_rows != args.rows:
            ok = False
            problems.append(f"reference copied {copied:,} prepared and {csv_rows:,} CSV rows")
        log(f"  COPY prepared {copy_s:.1f} s, COPY CSV {csv_s:.1f} s")
        runs.append({"preview": preview_s, "check": check_s, "commit": commit_s, "recheck": recheck_s,
                     "write": write_s, "commit_rest": commit_s - recheck_s - write_s,
                     "end_to_end": preview_s + commit_s, "copy": copy_s, "copy_csv": csv_s, "written": written})
        if attempt + 1 < args.repeat:
            reset_platform(max_person, max_household)

    ledger.check_ledger, ledger.write_ledger = real_check, real_write
    best = {k: min(r[k] for r in runs) for k in runs[0] if k != "written"}
    written = runs[-1]["written"]
    n = args.rows
    copy_rate = written / best["copy"]

    def rate(stage: str, rows: int) -> float:
        return rows / best[stage]

    commit_ratio = rate("commit", written) / copy_rate
    e2e_ratio = rate("end_to_end", written) / copy_rate
    table = [
        # label, seconds, rows counted, ratio to raw COPY (None: not compared)
        ("platform preview (check + keep file)", best["preview"], n, None),
        ("  of which check (check_ledger)", best["check"], n, None),
        ("platform commit (recheck + write)", best["commit"], written, commit_ratio),
        ("  of which recheck (check_ledger)", best["recheck"], n, None),
        ("  of which write (write_ledger)", best["write"], written, rate("write", written) / copy_rate),
        ("  of which file, FK checks, COMMIT", best["commit_rest"], written, None),
        ("platform end to end (preview+commit)", best["end_to_end"], written, e2e_ratio),
        ("raw COPY of the prepared rows", best["copy"], written, 1.0),
        ("raw COPY of the CSV text (staging)", best["copy_csv"], n, None),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"ledger: {n:,} rows ({len(sample.bad):,} bad), {written:,} people written; CSV {len(data) / 1e6:.1f} MB; "
          f"as qu_admin (district) over {len(addresses):,} buildings, {n_grids:,} grids; best of {args.repeat}")
    if limits:
        print("import limits raised for the benchmark: ledger." + "; ledger.".join(limits))
    print(f"{'':40}{'time (s)':>10}{'rows':>12}{'rows/s':>10}{'vs COPY':>9}")
    for label, seconds, rows, ratio in table:
        ratio_text = f"{ratio:>9.2f}" if ratio is not None else f"{'':>9}"
        print(f"{label:40}{seconds:>10.1f}{rows:>12,}{rows / seconds:>10,.0f}{ratio_text}")
    verdict = "meets" if e2e_ratio >= TARGET else "BELOW"
    print(f"platform / raw COPY: commit {commit_ratio:.2f}, end to end {e2e_ratio:.2f} "
          f"({verdict} the target ≥ {TARGET}); CSV COPY is {rate('copy_csv', n) / copy_rate:.1f}× the prepared COPY")
    print(f"outcome: {'as generated' if ok else 'WRONG: ' + '; '.join(problems)}")
    print(f"PostgreSQL {server}, psycopg {psycopg.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores; peak RSS {peak_mb:,.0f} MB")
    result = {
        "rows": n, "bad": len(sample.bad), "written": written, "csv_mb": round(len(data) / 1e6, 1),
        "buildings": len(addresses), "grids": n_grids, "repeat": args.repeat,
        **{f"{k}_s": round(v, 2) for k, v in best.items()},
        "preview_rows_per_s": round(rate("preview", n)), "commit_rows_per_s": round(rate("commit", written)),
        "end_to_end_rows_per_s": round(rate("end_to_end", written)), "copy_rows_per_s": round(copy_rate),
        "copy_csv_rows_per_s": round(rate("copy_csv", n)),
        "commit_ratio": round(commit_ratio, 3), "end_to_end_ratio": round(e2e_ratio, 3),
        "target": TARGET, "limits_raised": limits, "outcome_ok": ok, "peak_rss_mb": round(peak_mb),
        "postgresql": server, "psycopg": psycopg.__version__, "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
