"""``civicgrid stats_refresh``: fill the cache of indicator values (all, or what changed)."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.core import periods as P
from civicgrid.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "Refresh the cached indicator values: everything (default) or only the areas changed since the last run."

    def add_arguments(self, parser):
        parser.add_argument("--changed", action="store_true", help="incremental: the areas touched since the last run")
        parser.add_argument("--period", action="append", default=[], help="period codes (2025, 2025S1, 2025Q3, 202509)")
        parser.add_argument("--indicator", action="append", default=[], help="indicator codes (default: all)")
        parser.add_argument("--area", default="", help="area-code prefix (default: all)")

    def handle(self, *args, **opts):
        from civicgrid.stats import actions

        try:
            periods = [P.parse(c) for c in opts["period"]] or None
        except ValueError as e:
            raise CommandError(str(e)) from e
        if opts["changed"]:
            run = actions.do_refresh_changed(actor=SYSTEM, periods=periods)
        else:
            run = actions.do_refresh(actor=SYSTEM, periods=periods, indicators=opts["indicator"] or None,
                                     prefix=opts["area"])
        self.stdout.write(f"{run.kind}: {run.values} values, {run.periods} periods, "
                          f"prefixes {run.prefixes[:10]}, {run.seconds:.2f} s")
