"""Open311 API keys from the command line:

    civicgrid open311 issue-key NAME [--area CODE]
                                         prints the new key once (only its hash is stored); with
                                         --area its requests must lie inside that area
    civicgrid open311 list               prefix, status, area, issued, last used, name
    civicgrid open311 revoke PREFIX      revoke the active key whose prefix (after ``o311_``) is given
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicgrid.cases.actions import do_issue_open311_key, do_revoke_open311_key
from civicgrid.cases.models import Open311Key
from civicgrid.core.errors import UserError
from civicgrid.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "Open311 API keys: issue-key NAME (prints the key once), list, revoke PREFIX."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        issue = sub.add_parser("issue-key", help="issue a key for a client; prints it once")
        issue.add_argument("name")
        issue.add_argument("--area", default="", help="the area code its requests must lie in (default: anywhere)")
        sub.add_parser("list", help="list the keys (prefixes only)")
        revoke = sub.add_parser("revoke", help="revoke the active key with this prefix")
        revoke.add_argument("prefix")

    def handle(self, *args, verb, **options):
        if verb == "issue-key":
            try:
                row, key = do_issue_open311_key(actor=SYSTEM, name=options["name"], area_code=options["area"])
            except UserError as exc:
                raise CommandError(exc.message)
            self.stdout.write(key)
            self.stderr.write(f"issued key {row.prefix}… for {row.name}; it is not shown again")
        elif verb == "list":
            for row in Open311Key.objects.order_by("-active", "-created_at"):
                used = timezone.localtime(row.last_used_at).strftime("%Y-%m-%d %H:%M") if row.last_used_at else "never"
                state = "active" if row.active else "revoked"
                created = timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(f"{row.prefix}\t{state}\t{row.area_code or '*'}\t{created}\t{used}\t{row.name}")
        else:
            prefix = options["prefix"].removeprefix("o311_").rstrip("…")
            if len(prefix) < 4:
                raise CommandError("give at least 4 characters of the key's prefix")
            rows = list(Open311Key.objects.filter(prefix__startswith=prefix, active=True)[:2])
            if not rows:
                raise CommandError(f"no active key with prefix {prefix}")
            if len(rows) > 1:
                raise CommandError(f"more than one active key begins {prefix}; give more of the prefix")
            do_revoke_open311_key(rows[0], actor=SYSTEM)
            self.stdout.write(f"revoked {rows[0].prefix}… ({rows[0].name})")
