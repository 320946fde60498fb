import math

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from civicgrid.areas.models import Area
from civicgrid.core.errors import UserError
from civicgrid.demo.layout import CITY_DISTRICTS
from civicgrid.demo.loader import DEMO_PASSWORD, demo_accounts, load_demo
from civicgrid.demo.population import PEOPLE_PER_SCALE


class Command(BaseCommand):
    help = ("Generate the synthetic demo district with its population (deterministic for a seed; --scale "
            "grows it, --people sets the population, --districts N makes a city of N districts).")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", type=int, default=None,
                            help="1 ≈ 40 grids and 44,000 people; 250 ≈ 10,000 grids (default 1, or as many as "
                                 "--people needs)")
        parser.add_argument("--people", type=int, default=None,
                            help="residents to generate (default: as many as the buildings hold; 0 for none; "
                                 "e.g. 1000000 for benchmarks)")
        parser.add_argument("--cases", type=int, default=None,
                            help="event cases (default 300 per scale step over the past 8 weeks, through the "
                                 "actions; more are copies of their histories over the year before, in bulk; "
                                 "0 for none)")
        parser.add_argument("--applications", type=int, default=None,
                            help="service-counter applications over the past 4 months (default 2500 per scale step; "
                                 "0 for none)")
        parser.add_argument("--districts", type=int, default=1,
                            help="1 (default): one district; 2 to 13: a city (杭州市（演示）, 330100) of that "
                                 "many districts, people and cases shared out among them")
        parser.add_argument("--walked-cases", type=int, default=None,
                            help="at most this many cases per district walked through the actions (benchmark data: "
                                 "the rest of --cases are bulk copies; walking takes ~10–50 ms a case)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if areas exist already")

    def handle(self, *args, seed, scale=None, if_empty=False, people=None, cases=None, applications=None, districts=1,
               walked_cases=None, **options):
        if Area.objects.exists():
            if not if_empty:
                raise CommandError("the database already has areas; use a fresh database (or --if-empty)")
            self.stdout.write("Demo data already present; reusing it.")
        else:
            if people is not None and people < 0:
                raise CommandError("--people must not be negative")
            if not 1 <= districts <= len(CITY_DISTRICTS):
                raise CommandError(f"--districts must be between 1 and {len(CITY_DISTRICTS)}")
            if cases is not None and cases < 0:
                raise CommandError("--cases must not be negative")
            if walked_cases is not None and walked_cases < 0:
                raise CommandError("--walked-cases must not be negative")
            if scale is None:  # districts just big enough for the people asked for
                scale = max(1, math.ceil((people or 0) / districts / PEOPLE_PER_SCALE))
            if scale < 1:
                raise CommandError("--scale must be at least 1")
            try:
                load_demo(seed, scale, people=people, cases=cases, applications=applications, districts=districts,
                          walked_cases=walked_cases, progress=lambda line: self.stdout.write(f"  {line}"))
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
