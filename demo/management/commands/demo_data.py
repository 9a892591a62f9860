import logging

from django.core.management.base import BaseCommand, CommandError

from demo.load import DemoDataError, demo_data_load


class Command(BaseCommand):
    help = (
        "Charge les données des sources (fixtures) dans une base qui n'en a pas, puis ajoute "
        "des sessions et des inscriptions de démonstration à venir (demo/data/demo.toml), "
        "par les mêmes services que le site ; leurs e-mails ne sont pas envoyés. Relancer la "
        "commande ne crée ni ne modifie rien."
    )

    def handle(self, *args, **options):
        # Without a broker, the mail tasks run here on commit, find the demo's mails skipped
        # and log a line each: noise in `make run`.
        trace = logging.getLogger("celery.app.trace")
        level = trace.level
        trace.setLevel(logging.WARNING)
        try:
            summary = demo_data_load()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            trace.setLevel(level)
        self.stdout.write(summary.as_text())
