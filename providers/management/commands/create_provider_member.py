from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalogue.models import Provider
from providers.accounts import member_save


class Command(BaseCommand):
    help = (
        "Create an account for a provider's member (or take the existing one) and attach it to "
        "the provider, for local demos. Without --password, one is generated and printed; an "
        "existing account keeps its password. A staff account cannot be a member."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The member's e-mail address (their login).")
        parser.add_argument("provider", help="The provider's slug, e.g. croix-rouge-francaise.")
        parser.add_argument("--password", help="Default: a generated one, printed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the password is printed).",
        )

    def handle(self, *args, email, provider, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this command prints a password and is meant for local demos. "
                "Use --force to run it anyway."
            )
        try:
            provider_row = Provider.objects.get(slug=provider)
        except Provider.DoesNotExist as exc:
            known = ", ".join(Provider.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No provider with slug {provider!r} (known: {known}).") from exc

        try:
            saved = member_save(email=email, provider=provider_row, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user = saved.user

        self.stdout.write(self.style.SUCCESS(f"{user.email} is a member of {provider_row.name}."))
        if saved.created:
            self.stdout.write(f"  e-mail:   {user.email}")
            self.stdout.write(f"  password: {saved.password}")
        else:
            self.stdout.write("  The account already existed: its password is unchanged.")
        self.stdout.write("  Log in at /connexion/ to reach /espace-organisme/.")
