from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.accounts import demo_accounts_ensure


class Command(BaseCommand):
    help = (
        "Create the demo's OPCO manager (OPCO Santé) and provider member (Croix-Rouge "
        "française) if missing, and print their logins. Their passwords are stable from run to "
        "run; an existing account is never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the passwords are printed).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this command prints passwords and is meant for local demos. "
                "Use --force to run it anyway."
            )
        try:
            accounts = demo_accounts_ensure()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        for account in accounts:
            self.stdout.write(self.style.SUCCESS(f"{account.role} ({account.where})"))
            self.stdout.write(f"  e-mail:   {account.email}")
            if account.password:
                self.stdout.write(f"  password: {account.password}")
            else:
                self.stdout.write("  password: changed since it was created (not shown)")
