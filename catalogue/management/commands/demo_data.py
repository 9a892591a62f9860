from django.core.management.base import BaseCommand

from catalogue.demo import demo_data_load


class Command(BaseCommand):
    help = (
        "Charge les données des sources (fixtures) et ajoute des sessions de démonstration "
        "à venir. Relancer la commande ne crée ni ne modifie rien."
    )

    def handle(self, *args, **options):
        summary = demo_data_load()
        self.stdout.write(summary.as_text())
