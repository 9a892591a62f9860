from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from backoffice.staff import opco_find, opco_staff_save
from catalogue.models import Opco


class Command(BaseCommand):
    help = (
        "Create a staff account of an OPCO (or update an existing one): staff, in the "
        "'Gestionnaires OPCO' group, managing that OPCO's programme in the admin. A new account "
        "gets --password or a generated one, printed; an existing one keeps its password "
        "unless --password is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The staff member's e-mail address (their login).")
        parser.add_argument("opco", help="The OPCO's slug or name, e.g. opco-sante.")
        parser.add_argument("--password", help="Default: a generated one, printed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the password is printed).",
        )

    def handle(self, *args, email, opco, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this command prints a password. Use --force to run it anyway."
            )
        opco_row = opco_find(opco)
        if opco_row is None:
            known = ", ".join(Opco.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No OPCO with slug or name {opco!r} (known: {known}).")
        try:
            validate_email(email.strip())
        except ValidationError as exc:
            raise CommandError(f"Not an e-mail address: {email!r}.") from exc

        saved = opco_staff_save(email=email, opco=opco_row, password=password)

        verb = "created" if saved.created else "updated"
        self.stdout.write(
            self.style.SUCCESS(f"{saved.user.email}: staff of {opco_row.name} ({verb}).")
        )
        self.stdout.write(f"  e-mail:   {saved.user.email}")
        if saved.password:
            self.stdout.write(f"  password: {saved.password}")
        else:
            self.stdout.write("  password: unchanged (the account already existed)")
        self.stdout.write("  Log in at /admin/.")
