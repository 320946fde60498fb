"""civicgrid backup DIR (--key-out FILE | --include-key): the database and its data key."""

from django.core.management.base import BaseCommand, CommandError

from civicgrid.core.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Back the database up into a new directory (SQLite online backup API, or pg_dump on PostgreSQL), "
            "with the data key written apart (--key-out FILE) or inside (--include-key).")
    requires_system_checks = []  # a backup must be possible whatever the checks say

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new (or empty) directory for the backup")
        parser.add_argument("--key-out", help="write the data key to this file (keep it on another medium)")
        parser.add_argument("--include-key", action="store_true", help="write the data key inside the backup")

    def handle(self, *args, directory, key_out, include_key, **options):
        try:
            result = backup(directory, include_key=include_key, key_out=key_out)
        except BackupError as exc:
            raise CommandError(str(exc))
        rows = sum(result.manifest["tables"].values())
        self.stdout.write(f"backup written to {result.directory}: {result.manifest['engine']}, "
                          f"{len(result.manifest['tables'])} tables, {rows} rows, key "
                          f"{result.manifest['key_fingerprint'][:12]}…"
                          + (f", key written to {key_out}" if key_out else "")
                          + (", key inside the backup" if include_key else ""))
