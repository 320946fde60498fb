"""civicgrid counter — the counter from the command line.

  civicgrid counter rebuild-figures       recompute the figures' daily roll-up from the applications
"""

import time

from django.core.management.base import BaseCommand

from civicgrid.counter import rollup


class Command(BaseCommand):
    help = "Recompute the figures' daily roll-up (after applications were written outside the actions)."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["rebuild-figures"])

    def handle(self, *args, verb, **opts):
        t0 = time.perf_counter()
        days, histogram = rollup.rebuild()
        self.stdout.write(f"figure days {days}, working-day histogram rows {histogram}, "
                          f"{time.perf_counter() - t0:.1f} s")
