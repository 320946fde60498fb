"""Case intake over HTTP on PostgreSQL: the platform's API under gunicorn beside pgbench inserting the same rows.

    .venv/bin/python benchmarks/bench_case_intake.py [--count 3000] [--clients 4] [--duration 60]
        [--rounds 2] [--workers 2] [--worker-class gthread] [--threads 4] [--keep]
        [--database-url postgres://postgres@127.0.0.1:5432] [--pgbench /usr/lib/postgresql/15/bin/pgbench]

What it does:
1. Creates its own PostgreSQL database ``cg_bench_intake_<random>`` on the server of
   ``--database-url`` (dropped at the end, also on failure or Ctrl-C, unless ``--keep``), with
   its own ``CIVICGRID_VAR_DIR`` (fresh secret and data keys), migrates it and loads the demo
   district without residents (``civicgrid demo --people 0``: 40 grids, their buildings, the
   centre, departments and staff), then issues an API token for the demo's hotline seat
   (``civicgrid token create seat``).
2. Starts gunicorn (``civicgrid.wsgi``) on 127.0.0.1 on a free port with ``--workers`` workers of
   ``--worker-class`` (sync, or gthread with ``--threads``), waits for ``/healthz``, and warms
   every worker up with a few filings (not counted).
3. Platform: ``--clients`` client processes, each on its own keep-alive HTTP connection, file
   ``--count`` hotline calls in all (``POST /api/cases/`` with ``Authorization: Bearer``, a
   realistic body: an event class, title, description, the position and address of a demo
   building jittered by a few metres, the caller's name and mobile number, and a distinct
   ``Idempotency-Key``), each stopping early at ``--duration`` seconds. Every answer must be 201.
   Each client builds its requests before the start and reads answers by their Content-Length
   on a raw socket, so its own CPU per filing is near pgbench's.
   Rate = filed cases / wall time of the phase; latency per request as the client sees it.
4. Reference, in the same run: ``pgbench -c <clients> -j <clients>`` with a custom script (-f)
   doing, per transaction, what a filing writes: one ``cases_case`` row (same columns, indexes
   and constraints, a similar encrypted phone and masked phone, a unique number from a
   sequence and a unique idempotency key), one ``cases_caseevent`` and one ``core_auditlog``
   row, in one transaction; ``--count`` transactions in all. TPS and per-transaction latency
   from pgbench's transaction log (-l). The two alternate in ``--rounds`` rounds (platform
   share, then pgbench share), so a machine shared with other work loads both alike.
   CPU seconds are read from /proc: the gunicorn workers', the PostgreSQL backends serving
   each side (polled every 0.2 s), and the clients' — per filing, a figure that depends less on
   the machine's load than the rates do.
5. Checks the outcome: the database holds exactly the filed cases (one ``reported`` event and one
   audit row each) and pgbench's rows; stops gunicorn (SIGTERM, then SIGKILL after 10 s).

Targets (issue 4, acceptance 5): platform rate ≥ 0.15 × pgbench TPS, platform p95 < 100 ms.
Prints a table and one ``RESULT {json}`` line; exit status 1 if the outcome is wrong, 2 if a
target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
TARGET_RATIO, TARGET_P95_MS = 0.15, 100.0
WARMUP_PER_WORKER = 8
EVENT_CLASSES = ["E0101", "E0102", "E0103", "E0104", "E0105", "E0301", "E0302", "E0401", "E0402", "E0403",
                 "E0501", "E0502", "H02", "H03", "H04"]
PROBLEMS = ["门口垃圾堆放三天无人清运", "路面有积水，行人无法通过", "小区围墙上贴满小广告", "夜间施工噪音扰民",
            "人行道被流动摊贩占用", "共享单车乱停堵住消防通道", "楼顶有人私搭乱建", "绿地草坪大片枯死",
            "大风刮倒一棵行道树", "路灯连续几晚不亮", "下水道井盖松动有异响", "咨询老年卡办理地点"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


# --- the HTTP clients ---------------------------------------------------------------------------------
def body_for(rng: random.Random, sites: list[tuple[float, float, str]]) -> bytes:
    lon, lat, address = rng.choice(sites)
    problem = rng.choice(PROBLEMS)
    return json.dumps({
        "channel": "hotline", "cls": rng.choice(EVENT_CLASSES), "title": problem[:20],
        "description": f"市民来电反映：{address}附近{problem}，希望尽快处理。",
        "lon": lon + rng.uniform(-2e-5, 2e-5), "lat": lat + rng.uniform(-2e-5, 2e-5), "address": address,
        "reporter_name": rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
        "reporter_phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
    }, ensure_ascii=False).encode()


def request_bytes(port: int, token: str, body: bytes) -> bytes:
    return (f"POST /api/cases/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def read_response(sock: socket.socket, buf: bytes) -> tuple[int, bool, bytes]:
    """One HTTP/1.1 response with a Content-Length: (status, server closes, bytes left over)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status, length, close = int(lines[0].split()[1]), None, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    if length is None:
        raise ConnectionError("response without Content-Length")
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed in the body")
        rest += chunk
    return status, close, rest[length:]


def client_main(index: int, port: int, token: str, sites, count: int, deadline: float, start_at: float, out):
    """One client on a keep-alive connection. Every request (body, headers, a fresh Idempotency-Key)
    is built before the start, so the client's own CPU per filing stays small, as pgbench's does."""
    rng = random.Random(index)
    requests = [request_bytes(port, token, body_for(rng, sites)) for _ in range(count)]
    latencies, statuses = [], {}
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    while time.time() < start_at:
        time.sleep(0.001)
    for request in requests:
        if time.time() > deadline:
            break
        t0 = time.perf_counter()
        try:
            sock.sendall(request)
            status, close, buf = read_response(sock, buf)
        except OSError:
            close, status = True, 0
        latencies.append(time.perf_counter() - t0)
        statuses[status] = statuses.get(status, 0) + 1
        if close:
            sock.close()
            sock, buf = socket.create_connection(("127.0.0.1", port), timeout=30), b""
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.close()
    out.put((index, latencies, statuses, time.time()))


def fire(port: int, token: str, sites, count: int, clients: int, duration: float) -> dict:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.5
    deadline = start_at + duration
    shares = [count // clients + (1 if i < count % clients else 0) for i in range(clients)]
    procs = [ctx.Process(target=client_main, args=(i, port, token, sites, shares[i], deadline, start_at, out))
             for i in range(clients)]
    for p in procs:
        p.start()
    results = [out.get(timeout=duration + 120) for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for r in results for x in r[1]]
    statuses: dict[int, int] = {}
    for r in results:
        for k, v in r[2].items():
            statuses[k] = statuses.get(k, 0) + v
    wall = max(r[3] for r in results) - start_at
    return {"latencies": latencies, "statuses": statuses, "wall": wall}


# --- the pgbench reference ----------------------------------------------------------------------------
PGBENCH_SCRIPT = """\
\\set lon {lon0} + random(0, 1000000) / 100000000.0
\\set lat {lat0} + random(0, 1000000) / 100000000.0
\\set phone random(1000000000, 9999999999)
BEGIN;
INSERT INTO cases_case (number, query_code, channel, cls_id, urgency, title, description, address, lon, lat,
    area_code, tier, tier_code, status, reporter_name, reporter_phone_enc, reporter_phone_masked,
    reporter_anonymous, intake_by_id, reported_at, supervised, rework_count, extension_count, sendback_count,
    reclassified, result, rating_note, idempotency_key, version, updated_at)
VALUES ('P' || lpad(nextval('bench_number')::text, 12, '0'), upper(substr(md5(random()::text), 1, 10)),
    'hotline', {cls_id}, 'normal', '门口垃圾堆放三天无人清运',
    '市民来电反映：{address}附近门口垃圾堆放三天无人清运，希望尽快处理。', '{address}', :lon, :lat,
    '{grid}', 'district', '{district}', 'reported', '王先生',
    'g1:' || encode(sha256(random()::text::bytea), 'base64') || encode(sha256(random()::text::bytea), 'base64'),
    '138****' || lpad((:phone % 10000)::text, 4, '0'), false, {seat_id}, now(), false, 0, 0, 0, false, '', '',
    encode(sha256(random()::text::bytea), 'hex'), 1, now())
RETURNING id AS case_id \\gset
INSERT INTO cases_caseevent (case_id, kind, at, actor_id, actor_name, from_status, to_status, unit_id, deadline,
    note, area_code)
VALUES (:case_id, 'reported', now(), {seat_id}, 'seat', '', 'reported', NULL, NULL, '经 12345 热线', '{grid}');
INSERT INTO core_auditlog (at, actor_id, actor_name, action, object_type, object_id, object_repr, area_code, outcome,
    source_ip, detail)
VALUES (now(), {seat_id}, 'seat', 'cases.case.report', 'cases.case', :case_id::text,
    'P' || :case_id || ' 门口垃圾堆放三天无人清运', '{grid}', 'ok', '127.0.0.1', '{{"channel": "hotline"}}');
END;
"""


def run_pgbench(args, url: str, workdir: Path, params: dict, transactions: int, tag: str) -> dict:
    script = workdir / "intake.sql"
    script.write_text(PGBENCH_SCRIPT.format(**params), encoding="utf-8")
    parts = urlsplit(url)
    per_client = max(1, transactions // args.clients)
    cmd = [args.pgbench, "-n", "-c", str(args.clients), "-j", str(args.clients), "-t", str(per_client),
           "-f", str(script), "-l", f"--log-prefix={workdir / f'pgb{tag}'}",
           "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
           parts.path.lstrip("/")]
    cpu0 = children_cpu()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.duration * 4 + 60, cwd=workdir)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}")
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout).group(1))
    latencies = []
    for f in workdir.glob(f"pgb{tag}.*"):
        for line in f.read_text().splitlines():
            cols = line.split()
            if len(cols) >= 3:
                latencies.append(int(cols[2]) / 1e6)
    n = per_client * args.clients
    return {"tps": tps, "latencies": latencies, "transactions": n, "seconds": n / tps,
            "client_cpu": children_cpu() - cpu0}


# --- CPU accounting (Linux /proc): how much of the machine each side used ------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class BackendSampler:
    """CPU of the PostgreSQL backends serving the benchmark database during a phase. Django
    recycles a connection after CONN_MAX_AGE (60 s), so backends come and go: they are polled
    every 0.2 s; one first seen during the phase counts from zero."""

    def __init__(self, url: str):
        import threading

        self.url, self.stop_flag = url, threading.Event()
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self):
        import psycopg

        name = urlsplit(self.url).path.lstrip("/")
        with psycopg.connect(self.url, autocommit=True) as con:
            first = True
            while True:
                pids = [r[0] for r in con.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])]
                for pid in pids:
                    cpu = proc_cpu(pid)
                    self.start.setdefault(pid, cpu if first else 0.0)
                    self.last[pid] = max(cpu, self.last.get(pid, 0.0))
                first = False
                if self.stop_flag.wait(0.2):
                    break

    def __enter__(self):
        self.thread.start()
        time.sleep(0.3)  # the first poll sets the starting values of the backends already there
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        self.thread.join()

    def seconds(self) -> float:
        return sum(self.last[p] - self.start[p] for p in self.last)


# --- the run -----------------------------------------------------------------------------------------
def civicgrid(env, *argv, capture=True) -> str:
    done = subprocess.run([str(BIN / "civicgrid"), *argv], env=env, capture_output=capture, text=True,
                          timeout=900, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"civicgrid {' '.join(argv)} failed: {(done.stderr or '')[-2000:]}")
    return done.stdout or ""


def start_server(args, env, port: int) -> subprocess.Popen:
    if args.server == "granian":
        # Granian (Rust HTTP front end, WSGI app in each worker's blocking threads), the same counts.
        cmd = [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers), "--blocking-threads", str(args.threads), "--log-level", "warning",
               "civicgrid.wsgi:application"]
    else:
        cmd = [str(BIN / "gunicorn"), "civicgrid.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--worker-class", args.worker_class, "--log-level", "warning",
               "--keep-alive", "30", "--timeout", "60"]
        if args.worker_class == "gthread":
            cmd += ["--threads", str(args.threads)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{args.server} exited at start")
        time.sleep(0.1)
    raise RuntimeError(f"{args.server} did not answer /healthz in 30 s")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run(args, url: str, workdir: Path) -> int:
    import psycopg

    # Server-side binding is off by default (generic plans on fresh tables); the figures in
    # benchmarks/README.md were measured with it on, as a production deployment may choose.
    env = {"CIVICGRID_DB_SERVER_SIDE_BINDING": "1", **os.environ, "DATABASE_URL": url,
           "CIVICGRID_VAR_DIR": str(workdir / "var"),
           "DJANGO_SETTINGS_MODULE": "civicgrid.settings"}
    env.pop("CIVICGRID_DEBUG", None)
    t0 = time.perf_counter()
    civicgrid(env, "migrate", "--noinput", "-v", "0")
    civicgrid(env, "demo", "--people", "0", "--cases", "0")
    token = civicgrid(env, "token", "create", "seat", "--name", "bench").strip()
    log(f"database ready in {time.perf_counter() - t0:.1f} s")
    with psycopg.connect(url, autocommit=True) as con:
        sites = [(lon, lat, address) for lon, lat, address in con.execute(
            "SELECT lon, lat, address FROM registry_building WHERE area_code <> '' ORDER BY id LIMIT 2000")]
        seat_id = con.execute("SELECT id FROM accounts_user WHERE username = 'seat'").fetchone()[0]
        cls_id = con.execute("SELECT id FROM cases_caseclass WHERE code = 'E0101'").fetchone()[0]
        grid, lon0, lat0, address = con.execute(
            "SELECT area_code, lon, lat, address FROM registry_building WHERE area_code <> '' ORDER BY id LIMIT 1"
        ).fetchone()
        con.execute("CREATE SEQUENCE bench_number")
    log(f"{len(sites)} building positions to report at")

    load = os.getloadavg()
    port = free_port()
    server = start_server(args, env, port)
    rounds = max(1, args.rounds)
    share = args.count // rounds
    platform_run = {"latencies": [], "statuses": {}, "wall": 0.0}
    ref = {"latencies": [], "transactions": 0, "seconds": 0.0, "client_cpu": 0.0, "postgres_cpu": 0.0}
    cpu = {"server": 0.0, "clients": 0.0, "postgres": 0.0}
    params = {"lon0": lon0, "lat0": lat0, "cls_id": cls_id, "seat_id": seat_id, "grid": grid,
              "district": grid[:6], "address": address.replace("'", "''")}
    try:
        warm = fire(port, token, sites, WARMUP_PER_WORKER * args.workers, args.clients, 60)
        if set(warm["statuses"]) != {201}:
            raise RuntimeError(f"warm-up answers: {warm['statuses']}")
        workers = [server.pid, *children_of(server.pid)]  # the master's own CPU counts too
        log(f"{args.server} on :{port} ({len(workers) - 1} workers), warmed up; filing {args.count} "
            f"in {rounds} rounds, each followed by pgbench")
        deadline = time.time() + args.duration
        for r in range(rounds):
            with BackendSampler(url) as sampler:
                before = ({p: proc_cpu(p) for p in workers}, children_cpu())
                part = fire(port, token, sites, share, args.clients, max(1.0, deadline - time.time()))
                cpu["server"] += sum(proc_cpu(p) - c for p, c in before[0].items())
                cpu["clients"] += children_cpu() - before[1]
            cpu["postgres"] += sampler.seconds()
            platform_run["latencies"] += part["latencies"]
            platform_run["wall"] += part["wall"]
            for k, v in part["statuses"].items():
                platform_run["statuses"][k] = platform_run["statuses"].get(k, 0) + v
            with BackendSampler(url) as sampler:
                done = run_pgbench(args, url, workdir, params, share, str(r))
            done["postgres_cpu"] = sampler.seconds()
            for k in ("latencies", "transactions", "seconds", "client_cpu", "postgres_cpu"):
                ref[k] += done[k]
            log(f"round {r + 1}: platform {sum(part['statuses'].values()) / part['wall']:.1f} cases/s, "
                f"pgbench {done['tps']:.1f} TPS")
    finally:
        stop(server)
    ref["tps"] = ref["transactions"] / ref["seconds"] if ref["seconds"] else 0.0
    filed = platform_run["statuses"].get(201, 0)
    expected = filed + sum(warm["statuses"].values())
    with psycopg.connect(url, autocommit=True) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM cases_case WHERE number NOT LIKE 'P%'), "
            "(SELECT count(*) FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
            " WHERE c.number NOT LIKE 'P%' AND e.kind = 'reported'), "
            "(SELECT count(*) FROM core_auditlog WHERE action = 'cases.case.report' AND object_repr NOT LIKE 'P%')"
        ).fetchone()
        after = con.execute(
            "SELECT (SELECT count(*) FROM cases_case), (SELECT count(*) FROM cases_caseevent), "
            "(SELECT count(*) FROM core_auditlog WHERE action = 'cases.case.report')").fetchone()

    lat_ms = [x * 1000 for x in platform_run["latencies"]]
    ref_ms = [x * 1000 for x in ref["latencies"]]
    rate = filed / platform_run["wall"] if platform_run["wall"] > 0 else 0.0
    ratio = rate / ref["tps"] if ref["tps"] else 0.0
    p50, p95, p99 = (percentile(lat_ms, p) for p in (50, 95, 99))
    kind = "" if args.server == "granian" else f" {args.worker_class}"
    threaded = args.server == "granian" or args.worker_class == "gthread"
    print(f"\ncase intake on PostgreSQL, {args.clients} clients; {args.server} {args.workers}{kind} workers"
          f"{f' × {args.threads} threads' if threaded else ''}; {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"{'':28}{'platform (HTTP API)':>22}{'pgbench (same rows)':>22}")
    print(f"{'transactions':28}{filed:>22}{ref['transactions']:>22}")
    print(f"{'rate (cases/s | TPS)':28}{rate:>22.1f}{ref['tps']:>22.1f}")
    print(f"{'latency p50 (ms)':28}{p50:>22.1f}{percentile(ref_ms, 50):>22.2f}")
    print(f"{'latency p95 (ms)':28}{p95:>22.1f}{percentile(ref_ms, 95):>22.2f}")
    print(f"{'latency p99 (ms)':28}{p99:>22.1f}{percentile(ref_ms, 99):>22.2f}")
    print(f"{'latency mean (ms)':28}{statistics.fmean(lat_ms) if lat_ms else float('nan'):>22.1f}"
          f"{statistics.fmean(ref_ms) if ref_ms else float('nan'):>22.2f}")
    per_case = {k: v / filed * 1000 if filed else float("nan") for k, v in cpu.items()}
    print(f"{'CPU per filing (ms)':28}{'':>22}{'':>22}")
    print(f"{'  web server (' + args.server + ')':28}{per_case['server']:>22.2f}{'—':>22}")
    print(f"{'  PostgreSQL backends':28}{per_case['postgres']:>22.2f}"
          f"{ref['postgres_cpu'] / ref['transactions'] * 1000 if ref['transactions'] else float('nan'):>22.2f}")
    print(f"{'  clients':28}{per_case['clients']:>22.2f}"
          f"{ref['client_cpu'] / ref['transactions'] * 1000 if ref['transactions'] else float('nan'):>22.2f}")
    print(f"ratio platform/pgbench: {ratio:.3f} (target ≥ {TARGET_RATIO}); p95 {p95:.1f} ms (target < "
          f"{TARGET_P95_MS:.0f} ms); load average before the run {load[0]:.2f}")
    print(f"answers: {dict(sorted(platform_run['statuses'].items()))}; in the database: {counts[0]} cases, "
          f"{counts[1]} 'reported' events, {counts[2]} audit rows (expected {expected} each, warm-up included)")
    ok = set(platform_run["statuses"]) == {201} and tuple(counts) == (expected, expected, expected) \
        and tuple(after) == (expected + ref["transactions"],) * 3
    result = {"server": args.server, "clients": args.clients, "workers": args.workers, "worker_class": args.worker_class,
              "threads": args.threads, "filed": filed, "cases_per_s": round(rate, 1), "p50_ms": round(p50, 1),
              "p95_ms": round(p95, 1), "p99_ms": round(p99, 1), "pgbench_tps": round(ref["tps"], 1),
              "pgbench_p95_ms": round(percentile(ref_ms, 95), 2), "ratio": round(ratio, 3),
              "server_cpu_ms": round(per_case["server"], 2), "postgres_cpu_ms": round(per_case["postgres"], 2),
              "pgbench_postgres_cpu_ms": round(ref["postgres_cpu"] / max(1, ref["transactions"]) * 1000, 2),
              "load_before": round(load[0], 2), "rounds": rounds, "outcome_ok": ok}
    print("RESULT " + json.dumps(result))
    if not ok:
        log(f"outcome wrong: after pgbench {after}")
        return 1
    return 0 if ratio >= TARGET_RATIO and p95 < TARGET_P95_MS else 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000, help="filings in all (and pgbench transactions)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (and pgbench clients)")
    parser.add_argument("--duration", type=float, default=60, help="stop filing after this many seconds")
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternate platform and pgbench this many times (a fair share of a busy machine)")
    parser.add_argument("--server", default="gunicorn", choices=["gunicorn", "granian"],
                        help="the WSGI server (granian must be installed: pip install granian)")
    parser.add_argument("--workers", type=int, default=2, help="server workers (one per core)")
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="gthread keeps client connections alive; sync closes each one")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (granian: blocking threads per worker)")
    parser.add_argument("--database-url", default=DEFAULT_SERVER,
                        help="PostgreSQL server to create the throw-away database on (its database name is ignored)")
    parser.add_argument("--pgbench", default=PGBENCH)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end (prints its URL)")
    args = parser.parse_args()
    if args.count < args.clients or args.clients < 1:
        parser.error("--count must be at least --clients, and --clients at least 1")

    import psycopg

    name = f"cg_bench_intake_{uuid.uuid4().hex[:10]}"
    admin_url = with_database(args.database_url, "postgres")
    bench_url = with_database(args.database_url, name)
    workdir = Path(tempfile.mkdtemp(prefix="civicgrid-bench-intake-"))
    with psycopg.connect(admin_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run(args, bench_url, workdir)
    finally:
        if args.keep:
            log(f"kept database {bench_url}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"dropped database {name}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
