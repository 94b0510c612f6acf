"""Demo data for `make run`: the foundation's sites and one account per role.

Idempotent: a second run creates nothing. Passwords are random and printed only
when an account is created (or with --reset-passwords). Refuses to run unless
DEBUG is on, because it creates accounts whose passwords appear in a terminal.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programs.models import Role, Site, User
from programs.services import user_create

SCHOOL_31 = "Școala Gimnazială nr. 31"
FERDINAND = "Școala Gimnazială „Ferdinand I”"
GLINA = "Școala Gimnazială nr. 1 Glina"
CATELU = "Școala Gimnazială nr. 2 Cățelu"
DAY_CENTER = "Centrul de zi „Micii Inocenți”"
RETEAG = "Școala Gimnazială Reteag"
SLATINITA = "Școala Gimnazială „Dimitrie Cojocaru” Slătinița"
MINTIU = "Școala Gimnazială Mintiu Gherlii"

DEMO_SITES = [SCHOOL_31, FERDINAND, GLINA, CATELU, DAY_CENTER, RETEAG, SLATINITA, MINTIU]

# username, role, first name, last name, sites, sees all sites (fictitious people)
DEMO_ACCOUNTS = [
    ("asistent", Role.SOCIAL_WORKER, "Ioana", "Marinescu", [SCHOOL_31], False),
    ("psiholog", Role.PSYCHOLOGIST, "Andrei", "Dumitrescu", [SCHOOL_31, FERDINAND], False),
    (
        "coordonator",
        Role.COORDINATOR,
        "Elena",
        "Popescu",
        [SCHOOL_31, FERDINAND, GLINA, CATELU],
        False,
    ),
    ("director", Role.DIRECTOR, "Mihai", "Stănescu", [], True),
    ("voluntar", Role.VOLUNTEER, "Ana-Maria", "Ionescu", [SCHOOL_31], False),
]
SUPERUSER = "admin"


def _new_password() -> str:
    return secrets.token_urlsafe(12)


class Command(BaseCommand):
    help = "Create the demo sites and one demo account per role (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo account a new password and print it.",
        )

    @transaction.atomic
    def handle(self, *args, reset_passwords: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts whose passwords are printed; "
                "it runs only with DEBUG=true."
            )
        sites = {name: Site.objects.get_or_create(name=name)[0] for name in DEMO_SITES}
        printed: list[tuple[str, str, str]] = []

        for username, role, first, last, site_names, all_sites in DEMO_ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                password = _new_password()
                user_create(
                    username=username,
                    role=role,
                    first_name=first,
                    last_name=last,
                    sites=[sites[name] for name in site_names],
                    sees_all_sites=all_sites,
                    password=password,
                )
                printed.append((username, str(role.label), password))
            elif reset_passwords:
                printed.append((username, str(role.label), self._reset(user)))

        admin = User.objects.filter(username=SUPERUSER).first()
        if admin is None:
            password = _new_password()
            user_create(username=SUPERUSER, role="", is_superuser=True, password=password)
            printed.append((SUPERUSER, "superuser", password))
        elif reset_passwords:
            printed.append((SUPERUSER, "superuser", self._reset(admin)))

        self._report(printed)

    def _reset(self, user: User) -> str:
        password = _new_password()
        user.set_password(password)
        user.save(update_fields=["password"])
        return password

    def _report(self, printed: list[tuple[str, str, str]]) -> None:
        if not printed:
            self.stdout.write(
                "Demo accounts exist already; their passwords were printed when they were "
                "created. `manage.py seed_demo --reset-passwords` prints new ones."
            )
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (passwords are shown only now):"))
        width = max(len(username) for username, _role, _password in printed)
        for username, role, password in printed:
            self.stdout.write(f"  {username:<{width}}  {password}  ({role})")
