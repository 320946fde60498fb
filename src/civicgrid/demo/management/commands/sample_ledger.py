"""civicgrid sample_ledger — a practice resident ledger of the demo district, with bad rows.

  civicgrid sample_ledger --rows 10000 --bad 0.01 -o 台账.xlsx

The rows name the district's registered buildings; a share ``--bad`` of them carries a deliberate
mistake (a wrong ID checksum, an unknown address, a duplicate…) for the import preview to find.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicgrid.core.scoping import SYSTEM
from civicgrid.demo.ledgers import people_ledger
from civicgrid.registry import ledger, queries


class Command(BaseCommand):
    help = "Write a practice resident ledger (.xlsx) of the demo district, with deliberately bad rows."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True)
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--bad", type=float, default=0.01, help="share of deliberately bad rows")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, output, rows, bad, seed, **opts):
        addresses = list(queries.visible_buildings(SYSTEM).order_by("id").values_list("address", flat=True)[:5000])
        if not addresses:
            raise CommandError("no buildings: run `civicgrid demo` first")
        sample = people_ledger(addresses, rows, bad_share=bad, seed=seed, id_offset=900_000 + seed * 1_000_000)
        Path(output).write_bytes(ledger.write_xlsx(sample.header, sample.rows, title="people"))
        self.stdout.write(f"wrote {output}: {len(sample.rows)} rows")
