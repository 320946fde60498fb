"""civicgrid ledger — resident, building and component ledgers from the command line.

  civicgrid ledger import FILE --kind people --user NAME [--commit]
  civicgrid ledger template --kind people -o FILE.xlsx
  civicgrid ledger export --kind people --user NAME -o FILE.xlsx

A practice ledger of the demo district: ``civicgrid sample_ledger`` (the demo app's command).

``import`` checks the file as the web preview does and prints the rejected rows; with
``--commit`` it then writes the accepted rows in one transaction (all or nothing), printing
progress as it goes.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from civicgrid.accounts.models import User
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM
from civicgrid.registry import actions, ledger, queries


class Command(BaseCommand):
    help = "Import, export and generate resident/building/component ledgers (.xlsx or .csv)."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["import", "template", "export"])
        parser.add_argument("file", nargs="?")
        parser.add_argument("--kind", choices=list(ledger.COLUMNS), default="people")
        parser.add_argument("--user", help="act as this user (their jurisdiction and role apply)")
        parser.add_argument("--commit", action="store_true", help="write the accepted rows after the check")
        parser.add_argument("-o", "--output")
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, verb, **opts):
        with translation.override(opts["language"]):
            getattr(self, f"do_{verb}")(opts)

    def _actor(self, opts):
        if not opts["user"]:
            return SYSTEM
        user = User.objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"no user {opts['user']}")
        return user

    def _output(self, opts, data: bytes):
        if not opts["output"]:
            raise CommandError("give -o FILE")
        Path(opts["output"]).write_bytes(data)
        self.stdout.write(f"{opts['output']}: {len(data):,} bytes")

    def do_import(self, opts):
        if not opts["file"]:
            raise CommandError("give the ledger file")
        path = Path(opts["file"])
        actor = self._actor(opts)
        if actor is SYSTEM:
            raise CommandError("give --user: an import acts within a user's jurisdiction")
        try:
            batch = actions.do_preview_import(actor=actor, data=path.read_bytes(), filename=path.name,
                                              kind=opts["kind"])
        except UserError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"ledger #{batch.pk}: {batch.total_rows} rows, {batch.accepted_rows} accepted, "
                          f"{batch.rejected_rows} rejected")
        for warning in batch.warnings:
            self.stdout.write(f"  ! {warning}")
        for r in batch.rejected:
            reasons = "; ".join(f"{k}: {v}" for k, v in r["errors"].items())
            self.stdout.write(f"  row {r['row']} {r['summary']}: {reasons}")
        if not opts["commit"]:
            self.stdout.write("nothing written (add --commit to write the accepted rows)")
            return

        def progress(done, total):
            self.stdout.write(f"written {done}/{total} (not yet committed)")
            self.stdout.flush()

        try:
            batch = actions.do_commit_import(batch, actor=actor, progress=progress)
        except UserError as exc:
            raise CommandError(exc.message)
        self.stdout.write(f"committed: {batch.written_rows} rows")

    def do_template(self, opts):
        self._output(opts, ledger.template_xlsx(opts["kind"]))

    def do_export(self, opts):
        actor = self._actor(opts)
        try:
            if opts["kind"] == "people":
                data = queries.export_people(actor, queries.visible_people(actor))
            elif opts["kind"] == "buildings":
                data = queries.export_buildings(actor, queries.visible_buildings(actor))
            else:
                data = queries.export_components(actor, queries.visible_components(actor))
        except UserError as exc:
            raise CommandError(exc.message)
        self._output(opts, data)


