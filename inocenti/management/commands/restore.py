"""Restore a dump written by ``manage.py backup`` into an empty database: the
configured one, or ``--database-url``. See docs/backups.md."""

import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inocenti.backups import BackupError, backup_restore
from inocenti.database import database_config


class Command(BaseCommand):
    help = (
        "Restore a backup (manage.py backup) into an empty database, in one transaction: "
        "the configured database, or the one at --database-url."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .dump file written by manage.py backup.")
        parser.add_argument(
            "--database-url",
            default=None,
            help="Restore into this database (postgres://...) instead of the configured one.",
        )

    def handle(self, *args, file: Path, database_url: str | None = None, **options):
        settings_dict = _url_config(database_url) if database_url else settings.DATABASES["default"]
        try:
            backup_restore(settings_dict=settings_dict, dump=file, bin_dir=settings.PG_BIN_DIR)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {file} into the database {settings_dict.get('NAME')!r}.")


def _url_config(url: str) -> dict:
    with warnings.catch_warnings():
        # django-environ warns about an unknown scheme; the error below says it better.
        warnings.simplefilter("ignore")
        config = database_config(url)
    if config.get("ENGINE") != "django.db.backends.postgresql" or not config.get("NAME"):
        # The URL itself is not repeated: it may hold a password.
        raise CommandError(
            "--database-url must be a PostgreSQL URL with a database name, "
            "e.g. postgres://user:password@host:5432/inocenti_restored"
        )
    return config
