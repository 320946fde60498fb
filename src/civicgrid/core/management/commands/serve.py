"""Run the web server and one job consumer together (what `make run` starts)."""

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform on HOST:PORT with a background job consumer."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-jobs", action="store_true", help="do not start the job consumer")

    def handle(self, *args, host, port, no_jobs, **options):
        consumer = None
        if not no_jobs:
            consumer = subprocess.Popen([sys.executable, "-m", "civicgrid", "run_huey", "--workers", "1"])
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"CivicGrid serving on http://{shown}:{port}/  (Ctrl-C stops)")
        try:
            call_command("runserver", f"{shown}:{port}", use_reloader=False, use_threading=True)
        finally:
            if consumer is not None and consumer.poll() is None:
                consumer.send_signal(signal.SIGINT)
                try:
                    consumer.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    consumer.kill()
