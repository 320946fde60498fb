from django.core.management.base import BaseCommand, CommandError

from civicgrid.accounts.actions import do_issue_token
from civicgrid.accounts.models import User
from civicgrid.core.scoping import SYSTEM


class Command(BaseCommand):
    help = "Issue an API token for a user: civicgrid token create USERNAME --name NAME (prints the key once)."

    def add_arguments(self, parser):
        parser.add_argument("verb", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, verb, username, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username}")
        token, key = do_issue_token(actor=SYSTEM, user=user, name=name)
        self.stdout.write(key)
