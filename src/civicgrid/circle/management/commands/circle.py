"""`civicgrid circle import-osm|roads|compute|coverage` — the service circle from the command line."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.circle import actions, queries
from civicgrid.circle.models import FacilityKind
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "Walking network, accessibility and coverage of the 15-minute service circle."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        imp = sub.add_parser("import-osm", help="a district's walking network (and tagged facilities) from .osm.pbf")
        imp.add_argument("file")
        imp.add_argument("--district", required=True, help="6-digit district code")
        imp.add_argument("--no-facilities", action="store_true", help="network only")
        roads = sub.add_parser("roads", help="a district's walking network from its registered roads")
        roads.add_argument("--district", required=True)
        comp = sub.add_parser("compute", help="recompute accessibility now (normally a background job)")
        comp.add_argument("--district", required=True)
        comp.add_argument("--speed", type=float, default=None, help="walking speed, m/s (default 1.2)")
        cov = sub.add_parser("coverage", help="print the share of households within reach per area and kind")
        cov.add_argument("--level", default="community", choices=["street", "community", "grid"])
        cov.add_argument("--minutes", type=int, default=15, choices=[5, 10, 15])
        cov.add_argument("--kinds", default="", help="comma-separated kinds (default: those with facilities)")

    def handle(self, *args, verb, **options):
        try:
            getattr(self, "do_" + verb.replace("-", "_"))(**options)
        except UserError as exc:
            raise CommandError(exc.message)

    def do_import_osm(self, file, district, no_facilities, **_):
        summary = actions.do_import_osm(file, actor=SYSTEM, district_code=district, facilities=not no_facilities)
        self.stdout.write(
            f"network: {summary['nodes']} nodes, {summary['edges']} edges, {summary['components']} pieces "
            f"from {summary['ways']} ways; facilities: {summary['tagged']} tagged, {summary['created']} added, "
            f"{summary['outside']} outside the district's grids, {summary['existing']} already present")

    def do_roads(self, district, **_):
        network = actions.do_build_network_from_roads(actor=SYSTEM, district_code=district)
        self.stdout.write(f"network: {network.nodes} nodes, {network.edges} edges, {network.components} pieces")

    def do_compute(self, district, speed, **_):
        run = actions.do_compute_access(district, actor=SYSTEM, reason="command", speed_m_s=speed)
        s = run.stats
        self.stdout.write(f"{s['points']} buildings × {len(FacilityKind.values)} kinds in {s['total_s']} s "
                          f"(engine {s['engine_s']} s); network pieces {s['components']}, buildings outside the "
                          f"largest {s['points_outside_largest_component']}")

    def do_coverage(self, level, minutes, kinds, **_):
        from civicgrid.circle.models import Facility

        wanted = [k for k in kinds.split(",") if k] or sorted(set(Facility.objects.filter(active=True)
                                                                 .values_list("kind", flat=True)))
        table = queries.coverage(SYSTEM, level=level, minutes=minutes, kinds=wanted)
        self.stdout.write("\t".join(["area", "households", "overall", *wanted]))
        for row in table["rows"] + ([table["total"]] if table["total"] else []):
            cells = [f"{row['shares'][k] * 100:.1f}%" if row["shares"][k] is not None else "-" for k in wanted]
            overall = f"{row['overall'] * 100:.1f}%" if row["overall"] is not None else "-"
            self.stdout.write("\t".join([row["code"] or "total", str(row["households"]), overall, *cells]))
