"""Hostile uploads against a real server (issue 13, acceptance 5): decompression bombs and the
dimension-bomb workbook, sent at once to gunicorn, must leave its memory under +200 MB and be
refused within 2 s each with a clear message.

1. Makes a throw-away platform: SQLite under a temporary CIVICGRID_VAR_DIR, migrated, the demo
   district without people (``civicgrid demo --people 0``), an API token for a street
   administrator (ledger imports).
2. Starts gunicorn (``-c python:civicgrid.gunicorn_conf``) on 127.0.0.1 on a free port with
   ``--workers`` gthread workers of ``--threads`` threads, the anonymous-filing rate limit raised so
   the bombs reach the image check (a last round shows the limit itself).
3. Samples the resident memory (RSS) of the master and its workers every 10 ms from /proc.
4. Sends, at the same moment: ``--bombs`` PNG bombs (13,000 × 13,000 pixels, ≈ 0.2 MB each) as
   base64 JSON to ``POST /api/public/cases`` plus the dimension-bomb workbook to
   ``POST /api/registry/imports``; then ``--bombs`` PNG bombs as multipart forms to
   ``POST /public/report/`` (the resident page, with its CSRF token); then the same page posts
   from one address against the default rate limit.
5. Prints every answer (status, seconds, the refusal message), the RSS before, at its peak and
   after; exits 1 if any answer took 2 s or more, was not a 4xx refusal, or RSS grew by 200 MB.

    .venv/bin/python benchmarks/bench_upload_bombs.py [--bombs 8] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from tests import hostile  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(root: int) -> float:
    """RSS of a process and its children, in MB (from /proc)."""
    pids, total = [root], 0
    try:
        for line in subprocess.run(["ps", "-o", "pid=", "--ppid", str(root)], capture_output=True,
                                   text=True).stdout.split():
            pids.append(int(line))
    except OSError:
        pass
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0.0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            time.sleep(0.01)


def post(url: str, body: bytes, headers: dict, opener=None) -> tuple[int, float, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    start = time.monotonic()
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=60) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read().decode("utf-8", "replace")
    return status, time.monotonic() - start, text


def message_of(text: str) -> str:
    try:
        return str(json.loads(text).get("detail", ""))[:90]
    except (ValueError, AttributeError):
        found = re.search(r'(?:invalid-feedback[^>]*>|id="refused"[^>]*>|alert[^>]*>)\s*([^<]{3,120})', text)
        return (found.group(1).strip() if found else text[:90]).replace("\n", " ")


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, ctype) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {ctype}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def page_upload(base: str, lon: float, lat: float, bomb: bytes):
    """One resident-page report with a bomb attached: GET the form (CSRF cookie and tokens), POST it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/public/report/", timeout=30).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    body, ctype = multipart({"csrfmiddlewaretoken": csrf, "token": token, "cls": "E0101", "description": "bomb",
                             "lon": lon, "lat": lat}, {"photos": ("a.png", bomb, "image/png")})
    return lambda: post(f"{base}/public/report/", body, {"Content-Type": ctype, "Referer": f"{base}/public/report/"},
                        opener)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bombs", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="cg-bombs-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CIVICGRID_DATA_KEY_FILE")}
    env.update(CIVICGRID_VAR_DIR=str(tmp), CIVICGRID_JOBS_IMMEDIATE="1")
    cg = str(BIN / "civicgrid")
    subprocess.run([cg, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([cg, "demo", "--seed", "1", "--people", "0", "--cases", "0"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([cg, "token", "create", "jd_admin", "--name", "bench"], env=env, check=True,
                           capture_output=True, text=True).stdout
    token = re.search(r"cg_[A-Za-z0-9_\-]+", token).group(0)
    lonlat = subprocess.run([sys.executable, "-c", (
        "import django; django.setup(); from civicgrid.areas.models import Area; "
        "a = Area.objects.filter(level='grid').order_by('code').first(); "
        "print((a.min_lon + a.max_lon) / 2, (a.min_lat + a.max_lat) / 2)")],
        env=dict(env, DJANGO_SETTINGS_MODULE="civicgrid.settings"), check=True, capture_output=True,
        text=True).stdout.split()
    lon, lat = float(lonlat[0]), float(lonlat[1])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_env = dict(env, CIVICGRID_PUBLIC_REPORT_RATE="10000/m")
    log = open(tmp / "gunicorn.log", "wb")
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:civicgrid.gunicorn_conf", "--bind",
                               f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
                               "--worker-class", "gthread", "civicgrid.wsgi:application"], env=server_env,
                              stdout=log, stderr=subprocess.STDOUT)
    results, ok = [], True
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        # warm every worker (imports, first queries) so growth is the uploads', not start-up's
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda _i: urllib.request.urlopen(f"{base}/public/report/", timeout=30).read(), range(16)))
        time.sleep(0.5)
        before = tree_rss_mb(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()

        bomb = hostile.png_bomb()
        workbook = hostile.dimension_bomb_xlsx()
        api_body = json.dumps({"cls": "E0101", "title": "bomb", "description": "bomb", "lon": lon, "lat": lat,
                               "photos": [base64.b64encode(bomb).decode()]}).encode()
        book_body, book_type = multipart({"kind": "people"}, {"file": ("台账.xlsx", workbook, "application/octet-stream")})
        calls = [(f"API PNG bomb {i + 1}", lambda: post(f"{base}/api/public/cases", api_body,
                                                        {"Content-Type": "application/json"}))
                 for i in range(args.bombs)]
        calls.append(("workbook A1:XFD1048576", lambda: post(f"{base}/api/registry/imports", book_body,
                                                               {"Content-Type": book_type,
                                                                "Authorization": f"Bearer {token}"})))
        with ThreadPoolExecutor(len(calls)) as pool:
            answers = list(pool.map(lambda c: c[1](), calls))
        results += [(name, *answer) for (name, _f), answer in zip(calls, answers, strict=True)]

        forms = [page_upload(base, lon, lat, bomb) for _ in range(args.bombs)]
        with ThreadPoolExecutor(len(forms)) as pool:
            answers = list(pool.map(lambda f: f(), forms))
        results += [(f"page PNG bomb {i + 1}", *a) for i, a in enumerate(answers)]
        time.sleep(0.3)
        sampler.running = False
        sampler.join()
        after = tree_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    # the rate limit itself, on a server with the default limits (counts of the rounds above forgotten)
    import shutil

    shutil.rmtree(tmp / "cache", ignore_errors=True)
    port2 = free_port()
    base2 = f"http://127.0.0.1:{port2}"
    server2 = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:civicgrid.gunicorn_conf", "--bind",
                                f"127.0.0.1:{port2}", "--workers", "1", "civicgrid.wsgi:application"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    limited = []
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base2}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        small = json.dumps({"cls": "E0101", "title": "t", "description": "d", "lon": lon, "lat": lat}).encode()
        for _ in range(8):
            limited.append(post(f"{base2}/api/public/cases", small, {"Content-Type": "application/json"}))
    finally:
        server2.terminate()
        server2.wait(timeout=15)

    print(f"{'request':<24} {'status':>6} {'seconds':>8}  answer")
    for name, status, seconds, text in results:
        refused = 400 <= status < 500
        fast = seconds < 2.0
        ok &= refused and fast
        print(f"{name:<24} {status:>6} {seconds:>8.3f}  {message_of(text)}{'' if refused and fast else '  <-- FAIL'}")
    growth = sampler.peak - before
    ok &= growth < 200
    print(f"server RSS (master + {args.workers} workers): before {before:.0f} MB, peak {sampler.peak:.0f} MB "
          f"(+{growth:.0f} MB), after {after:.0f} MB; slowest answer {max(r[2] for r in results):.3f} s")
    print(f"files: PNG bomb {len(bomb):,} bytes (13,000 × 13,000 pixels), workbook {len(workbook):,} bytes")
    print("rate limit (default 5/m, one address): "
          + ", ".join(f"{s}" for s, _t, _x in limited) + f"; 429 answered in ≤ {max(t for _s, t, _x in limited):.3f} s")
    ok &= [s for s, _t, _x in limited].count(429) == 3
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
