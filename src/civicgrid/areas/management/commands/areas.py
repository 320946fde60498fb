"""`civicgrid areas import|export|check|lookup` — the area tree from the command line."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from civicgrid.areas import actions
from civicgrid.areas.exports import feature_collection
from civicgrid.areas.index import locate
from civicgrid.areas.models import Area
from civicgrid.areas.sizing import sizing_report
from civicgrid.areas.validation import check_subtree
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "Import, export and check area boundaries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        imp = sub.add_parser("import", help="import a GeoJSON FeatureCollection (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--allow-violations", action="store_true", help="save despite overlaps or gaps")
        exp = sub.add_parser("export", help="write areas as GeoJSON")
        exp.add_argument("--within", default="")
        exp.add_argument("--level", default="")
        exp.add_argument("-o", "--output", default="-")
        chk = sub.add_parser("check", help="report overlaps, gaps and grid sizing")
        chk.add_argument("code")
        look = sub.add_parser("lookup", help="the grid containing a point")
        look.add_argument("lon", type=float)
        look.add_argument("lat", type=float)

    def handle(self, *args, verb, **options):
        getattr(self, f"do_{verb}")(**options)

    def do_import(self, file, dry_run, allow_violations, **_):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                data = json.load(handle)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}")
        try:
            report = actions.do_import_areas(data, actor=SYSTEM, dry_run=dry_run, allow_violations=allow_violations,
                                             source=file)
        except UserError as exc:
            raise CommandError(exc.message)
        for e in report.errors:
            self.stderr.write(f"feature {e['feature'] or '-'} {e['code']} {e['field']}: {e['message']}")
        for v in report.violations:
            self.stderr.write(f"{v['kind']}: {v['message']}")
        self.stdout.write(
            f"created {len(report.created)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}; "
            + ("saved" if report.committed else "nothing saved")
        )
        if report.errors or (report.violations and not allow_violations):
            raise CommandError("import refused")

    def do_export(self, within, level, output, **_):
        qs = Area.objects.filter(code__startswith=within)
        if level:
            qs = qs.filter(level=level)
        text = json.dumps(feature_collection(qs), ensure_ascii=False)
        if output == "-":
            sys.stdout.write(text + "\n")
        else:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stdout.write(f"wrote {qs.count()} areas to {output}")

    def do_check(self, code, **_):
        violations = check_subtree(code)
        for v in violations:
            self.stdout.write(f"{v.kind}: {v.message} [{', '.join(v.codes)}]")
        sizing = sizing_report(Area.objects.filter(code__startswith=code, level__in=["grid", "community"]))
        bad = [s for s in sizing if not s.ok]
        for s in bad:
            self.stdout.write(f"sizing: {s.area.name} ({s.area.code}) {' '.join(s.problems)}")
        self.stdout.write(f"{len(violations)} boundary problems; {len(bad)} of {len(sizing)} areas outside sizing rules")

    def do_lookup(self, lon, lat, **_):
        self.stdout.write(str(locate(lon, lat) or "-"))
