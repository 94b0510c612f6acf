"""Write a compressed pg_dump of the database: ``inocenti-YYYYMMDD-HHMMSS.dump``
(UTC), mode 0600, into BACKUP_DIR or ``--output-dir``. See docs/backups.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inocenti.backups import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Back up the database: a compressed pg_dump (custom format) named with the UTC "
        "time, readable by its owner only. Prints the file's path."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            type=Path,
            default=None,
            help="Folder for the dump (created 0700 if missing); default: BACKUP_DIR.",
        )

    def handle(self, *args, output_dir: Path | None = None, **options):
        try:
            path = backup_write(
                settings_dict=settings.DATABASES["default"],
                output_dir=Path(output_dir or settings.BACKUP_DIR),
                bin_dir=settings.PG_BIN_DIR,
                now=timezone.now(),
            )
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
