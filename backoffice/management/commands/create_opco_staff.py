from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from backoffice.staff import opco_find, opco_staff_save
from catalogue.models import Opco


class Command(BaseCommand):
    help = (
        "Crée le compte d'un gestionnaire d'un OPCO (ou met à jour un compte existant)\u00a0: "
        "membre de l'équipe, dans le groupe «\u00a0Gestionnaires OPCO\u00a0», il gère le "
        "programme de cet OPCO dans l'administration. Un nouveau compte reçoit --password ou "
        "un mot de passe tiré au hasard, affiché\u00a0; un compte existant garde le sien, sauf "
        "avec --password."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="L'adresse e-mail du gestionnaire (son identifiant).")
        parser.add_argument("opco", help="Le slug ou le nom de l'OPCO, par exemple opco-sante.")
        parser.add_argument("--password", help="Par défaut\u00a0: tiré au hasard, affiché.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Exécuter même avec DEBUG désactivé (le mot de passe est affiché).",
        )

    def handle(self, *args, email, opco, password=None, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG est désactivé\u00a0: cette commande affiche un mot de passe. Ajoutez "
                "--force pour l'exécuter quand même."
            )
        opco_row = opco_find(opco)
        if opco_row is None:
            known = ", ".join(Opco.objects.values_list("slug", flat=True)) or "aucun"
            raise CommandError(
                f"Aucun OPCO n'a pour slug ou pour nom «\u00a0{opco}\u00a0» (OPCO connus\u00a0: "
                f"{known})."
            )
        try:
            validate_email(email.strip())
        except ValidationError as exc:
            raise CommandError(f"Adresse e-mail invalide\u00a0: «\u00a0{email}\u00a0».") from exc

        saved = opco_staff_save(email=email, opco=opco_row, password=password)

        done = "créé" if saved.created else "mis à jour"
        self.stdout.write(
            self.style.SUCCESS(f"Compte de gestionnaire {done}, OPCO\u00a0: {opco_row.name}")
        )
        self.stdout.write(f"  e-mail\u00a0: {saved.user.email}")
        if saved.password:
            self.stdout.write(f"  mot de passe\u00a0: {saved.password}")
        else:
            self.stdout.write("  mot de passe\u00a0: inchangé (le compte existait déjà)")
        self.stdout.write("  Connexion\u00a0: /admin/")
