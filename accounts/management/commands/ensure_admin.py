import os
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User

DEFAULT_EMAIL = "admin@allervers.localhost"


class Command(BaseCommand):
    help = (
        "Create a superuser for local demos, unless the account already exists. "
        "E-mail and password come from the options, else ADMIN_EMAIL / ADMIN_PASSWORD; "
        "without a password, one is generated and printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help=f"Default: $ADMIN_EMAIL or {DEFAULT_EMAIL}.")
        parser.add_argument("--password", help="Default: $ADMIN_PASSWORD or a generated one.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the password is printed).",
        )

    def handle(self, *args, email=None, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this command prints a password and is meant for local demos. "
                "Use --force to run it anyway."
            )
        email = User.objects.normalize_email(
            email or os.environ.get("ADMIN_EMAIL") or DEFAULT_EMAIL
        )
        existing = User.objects.filter(email__iexact=email).first()
        if existing:
            note = "" if existing.is_superuser else " (pas un superutilisateur)"
            self.stdout.write(
                f"Compte d'administration {existing.email}{note}\u00a0: déjà créé, inchangé "
                f"(nouveau mot de passe\u00a0: manage.py changepassword {existing.email})."
            )
            return

        password = password or os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(16)
        User.objects.create_superuser(email=email, password=password)
        self.stdout.write(self.style.SUCCESS("Compte d'administration créé (superutilisateur)"))
        self.stdout.write(f"  e-mail:   {email}")
        self.stdout.write(f"  password: {password}")
