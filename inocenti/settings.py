"""Settings for Inocenți, read once from the environment (and `.env` if present).

Every variable is documented in README.md and `.env.example`. Defaults are the
safe production ones; `DEBUG=true` switches on development conveniences.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from inocenti.database import database_config, embedded_database_name, start_embedded

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE="" reads no file (the tests' child processes use that).
ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    # Values already in the environment win over the file.
    environ.Env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-key")
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured:
        raise ImproperlyConfigured(
            "Set SECRET_KEY (50+ random characters) in the environment, or DEBUG=true "
            "for local development."
        ) from None

# Rotating the key: put the old one here (comma-separated) and a new SECRET_KEY;
# sessions and password-reset links signed with the old key keep working until
# the old key is removed (docs/security.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "programs.admin_apps.InocentiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Serve static files through whitenoise under runserver too, so development
    # behaves like production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    # The audit trail: triggers (pgtrigger) that write history rows (pghistory).
    "pgtrigger",
    "pghistory",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "inocenti",
    "programs",
    "children",
    "families",
    "attendance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for phones on weak mobile data (static files come
    # pre-compressed from whitenoise above). Django's GZipMiddleware pads its
    # output against BREACH, and CSRF tokens are masked per response.
    "django.middleware.gzip.GZipMiddleware",
    "inocenti.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "inocenti.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "inocenti.middleware.RejectNulCharactersMiddleware",
    # Every page needs a login unless its view says otherwise (@login_not_required).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "inocenti.middleware.IdleSessionMiddleware",
    # A password alone is not enough for users with a second factor (and superusers).
    "inocenti.middleware.SecondFactorMiddleware",
    # Who made each change, for the audit trail's database triggers.
    "inocenti.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "inocenti.urls"
WSGI_APPLICATION = "inocenti.wsgi.application"
ASGI_APPLICATION = "inocenti.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "inocenti.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL")
if EMBEDDED_DATABASE:
    if not DEBUG:
        # Children's data must not end up in a trust-auth server inside a checkout.
        raise ImproperlyConfigured(
            "Set DATABASE_URL to the production PostgreSQL; the embedded database is "
            "only for development, with DEBUG=true."
        )
    # Use (or start) the embedded server, and hand its URL to child processes so
    # they connect directly instead of registering again.
    # EMBEDDED_DATABASE_NAME: another database on the same server (make bench).
    os.environ["DATABASE_URL"] = start_embedded(BASE_DIR / ".pgdata", embedded_database_name())

DATABASES = {"default": database_config(env.str("DATABASE_URL"))}
if os.environ.get("EMBEDDED_DATABASE_NAME") and (
    DATABASES["default"]["NAME"] != embedded_database_name()
):
    # make bench: its millions of rows must never go to the server DATABASE_URL names.
    raise ImproperlyConfigured(
        "EMBEDDED_DATABASE_NAME names a database of the embedded PostgreSQL, but "
        "DATABASE_URL points elsewhere; unset one of them."
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Backups (`manage.py backup` / `restore`, see docs/backups.md) ------------
# Dumps hold every child's data: keep this folder off the web root, and copy it
# off the machine encrypted.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "backups")))
# Folder of pg_dump and pg_restore; empty: pgserver's bundled PostgreSQL 16 tools
# when pgserver is installed, else the ones on PATH.
PG_BIN_DIR = env.str("PG_BIN_DIR", default="")

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "programs.User"
# Axes first: it refuses a locked-out username and IP before any password check.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "programs.access.RoleBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "programs.passwords.MixedCharactersValidator"},
]
# Shared phones: a session ends after 30 minutes without a request
# (``IdleSessionMiddleware`` renews it while the user works) and when the
# browser closes. Changing one's password ends every other session of the
# user: Django checks the password hash stored in the session.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login lockout: 5 failures for one username from one address lock that pair
# for 30 minutes; a coordinator unlocks it in the admin ("Access attempts").
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "inocenti.middleware.client_ip"
# Axes would log each failure with the typed username (sometimes a password
# typed in the wrong field); the attempts stay in the database instead.
AXES_VERBOSE = False
# How many reverse proxies in front of the app append to X-Forwarded-For; 0
# trusts only the connection's own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1)

# Two-factor (TOTP): the issuer shown in the phone's authenticator app.
OTP_TOTP_ISSUER = "Inocenți"
# The admin never shows a device's secret or QR code: whoever saw it could
# produce the user's codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Audit trail --------------------------------------------------------------
# History rows can be neither changed nor deleted (database triggers refuse it);
# only the retention command lifts that, for anonymised children.
PGHISTORY_APPEND_ONLY = True
# Who made a change is recorded for writes; reading pages writes no personal data.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Children's records are erased this many years after their last enrollment
# ended (``manage.py apply_retention``).
RETENTION_YEARS = env.int("RETENTION_YEARS", default=5)

# --- Language and time ------------------------------------------------------
LANGUAGE_CODE = "ro"
LANGUAGES = [("ro", _("Romanian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Bucharest"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Under DEBUG (development and tests) serve straight from static/, no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail -----------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="inocenti@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production defaults; DEBUG relaxes the HTTPS ones) -----------
# The reverse proxy terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe /health/ over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts anywhere: every script is a file of ours. Django's admin
# sets style attributes, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging: to stdout for the process manager; no request data -----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_database_errors": {"()": "inocenti.logs.RedactDatabaseErrors"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_database_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Replaces Django's own console and mail handlers: everything goes through
        # the root handler once, redacted.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # SQL carries its parameters, i.e. children's data.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # Every login's bookkeeping; failures are kept in the database instead.
        "axes": {"level": "WARNING", "propagate": True},
        # The embedded database's start and stop chatter.
        "pgserver": {"level": "WARNING", "propagate": True},
    },
}
