import secrets

from django.conf import settings

from tests.subprocesses import run_python

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "inocenti.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://inocenti.example.org",
    "DATABASE_URL": "postgres://inocenti:secret@db.example.org:5432/inocenti",
    "EMAIL_URL": "smtp+tls://inocenti:secret@mail.example.org:587",
}


def _manage(*args: str, **env: str):
    return run_python("manage.py", *args, **env)


def test_deploy_checks_pass_without_warnings_with_production_variables():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: Set SECRET_KEY")


def test_production_refuses_to_run_on_the_embedded_database():
    env = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}
    result = _manage("check", **env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: Set DATABASE_URL to the production PostgreSQL")


def test_project_wide_settings_match_the_design():
    assert settings.TIME_ZONE == "Europe/Bucharest"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "ro"
    assert [code for code, _name in settings.LANGUAGES] == ["ro", "en"]
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True
    assert settings.DEFAULT_AUTO_FIELD == "django.db.models.BigAutoField"
    assert settings.AUTH_USER_MODEL == "programs.User"


def test_production_static_files_collect_compressed_and_fingerprinted(tmp_path):
    """whitenoise's manifest storage fails on any broken reference (a missing
    source map, say), so a clean collectstatic is what production needs."""
    result = _manage("collectstatic", "--no-input", STATIC_ROOT=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/bootstrap/bootstrap.min.css" in manifest
    assert list(tmp_path.glob("vendor/bootstrap/bootstrap.min.*.css.br"))
