"""civicgrid restore DIR [--key FILE] [--key-only]: the database and its data key back."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.core.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Replace the database with a backup and put its data key in place (the key is checked against "
            "the backup first). --key-only puts back only the key.")
    requires_system_checks = []  # restoring is how a wrong or missing key is repaired

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--key", help="the key file written with the backup (when it is not inside)")
        parser.add_argument("--key-only", action="store_true", help="restore the data key only")
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the database")

    def handle(self, *args, directory, key, key_only, yes, **options):
        if not key_only and not yes and options.get("interactive", True):
            answer = input("This replaces the whole database with the backup. Type yes to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("nothing was changed")
        try:
            result = restore(directory, key=key, key_only=key_only)
        except BackupError as exc:
            raise CommandError(str(exc))
        manifest, counts = result["manifest"], result["counts"]
        if key_only:
            self.stdout.write(f"data key {manifest['key_fingerprint'][:12]}… put in place")
            return
        differ = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
        if differ:
            raise CommandError(f"restored, but row counts differ from the backup: {differ}")
        self.stdout.write(f"restored {sum(counts.values())} rows in {len(counts)} tables from {directory} "
                          f"(taken {manifest['created_at']}); data key {manifest['key_fingerprint'][:12]}… in place")
