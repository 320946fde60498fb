from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.core.errors import UserError
from civicgrid.demo.loader import DEMO_PASSWORD, demo_accounts, load_demo


class Command(BaseCommand):
    help = "Generate the synthetic demo district (deterministic for a seed; --scale grows it)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=int, default=1, help="1 ≈ 40 grids; 250 ≈ 10,000 grids")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if areas exist already")
        parser.add_argument("--people", type=int, default=None,
                            help="population to generate (default: the buildings' residents; 0 for none; "
                                 "1000000 for benchmarks)")

    def handle(self, *args, seed, scale, if_empty, people=None, **options):
        if Area.objects.exists():
            if not if_empty:
                raise CommandError("the database already has areas; use a fresh database (or --if-empty)")
            self.stdout.write("Demo data already present; reusing it.")
        else:
            if scale < 1:
                raise CommandError("--scale must be at least 1")
            try:
                load_demo(seed, scale, people=people, progress=lambda line: self.stdout.write(f"  {line}"))
            except UserError as exc:
                raise CommandError(str(exc))
        self.print_accounts()

    def print_accounts(self):
        # Role names in the platform's language (CIVICGRID_LANGUAGE, Chinese by default).
        with translation.override(settings.LANGUAGE_CODE):
            accounts = demo_accounts()
            heading = _("Demo accounts (password for all: %(password)s):") % {"password": DEMO_PASSWORD}
        if not accounts:
            return
        self.stdout.write(f"\n{heading}")
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            self.stdout.write(f"  {a.username.ljust(width)}  {a.display_name}（{a.role}） — {a.place}")
