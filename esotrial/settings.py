"""Settings for the ESO-Shanghai20 eCRF.

Everything that differs between a laptop and production comes from the environment
(12-factor, read with django-environ). The defaults are the embedded ones `make run` uses:
SQLite and a filesystem Celery broker, so a fresh machine needs no server. Production sets
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL (see README "Deployment").
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # local runtime state of `make run`: SQLite file, broker folders

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Left empty in production when unset: Django then refuses every use of it (sessions, signing) and
# `check --deploy` fails, while commands that need no key (makemigrations --check) still run.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "esotrial.admin_site.TrialAdminConfig",  # django.contrib.admin on the trial's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "import_export",
    "audit",
    "axes",
    "accounts",
    "crf",
    "randomization",
    "safety",
    "visits",
    "exports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "esotrial.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (or the switch's cookie) for anyone; the account's choice overrides it below.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.language.UserLanguageMiddleware",
    # Every page but login (and the health probe) needs a signed-in user.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records request.user as the author of every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "esotrial.urls"
WSGI_APPLICATION = "esotrial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGES, LANGUAGE_CODE
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.trial_user",
                "safety.context_processors.ae_to_sign",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Persistent connections (a new PostgreSQL connection per request cost more than most pages), checked
# before reuse so that a restarted database costs one failed check, not an error page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and session hardening (21 CFR Part 11 §11.10(d), §11.300) ---
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.TrialModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.RepeatedOrSequentialCharactersValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crf:patient_list"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Lock the account, not the hospital's shared NAT address: one nurse's typos must not lock her ward.
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks to lock by IP too; a hospital ward shares one address, so an IP lock would let
# one nurse's typos lock out the whole ward. Brute force is still capped per account.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the 30 minutes count from the last request: an idle timeout
if REDIS_URL:
    # Every request renews the expiry with a Redis EXPIRE; the session is written only when it changes.
    SESSION_ENGINE = "accounts.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts only from this site's static files, no inline
# script or handler anywhere (static/js/actions.js holds the small page behaviours). Inline
# styles stay allowed: Django's admin and a few templates use style attributes, which run no code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (django-permissions-policy): an eCRF needs no device or sensor.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto.
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation: store UTC, show the trial's local time; English and Simplified Chinese ---
LANGUAGE_CODE = "en-gb"
# Each language named in itself, so that a user who cannot read the current one finds theirs.
LANGUAGES = [("en-gb", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Project corrections to Django's locale formats (zh_Hans date input).
FORMAT_MODULE_PATH = ["esotrial.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files, served by whitenoise in production ---
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- E-mail (notifications from Celery tasks) ---
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ecrf@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Who receives expedited SAE reports besides the site's investigators (deadline: esotrial.protocol).
SAE_SAFETY_DESK_EMAIL = env.str("SAE_SAFETY_DESK_EMAIL", default="safety-desk@sponsor.example.org")

# --- Celery: Redis in production, a broker with no server for `make run` ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}"
)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "celery" / "broker"),
        "data_folder_out": str(VAR_DIR / "celery" / "broker"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # Redis redelivers a task not acknowledged within this time. With CELERY_TASK_ACKS_LATE it must
    # exceed the longest task (a large trial export takes minutes), or a slow task runs twice.
    else {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=2 * 3600)}
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a task whose worker dies is redelivered, not lost
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
REMINDER_TIME = env.str("REMINDER_TIME", default="07:00")  # local time (TIME_ZONE) of the daily digest
CELERY_BEAT_SCHEDULE = {
    "daily-reminders": {
        "task": "visits.tasks.send_daily_reminders",
        "schedule": crontab(hour=int(REMINDER_TIME.split(":")[0]), minute=int(REMINDER_TIME.split(":")[1])),
    },
    # Stored derived values (patient status, visit dates, signature state) against their rules.
    "check-derived-values": {
        "task": "audit.tasks.check_derived_values",
        "schedule": crontab(hour=2, minute=0),
    },
    "resend-pending-sae-reports": {
        "task": "safety.tasks.resend_pending_sae_reports",
        "schedule": crontab(minute="*/15"),
    },
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2  # a page that queues a message gives up on a dead broker quickly

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Reasons for change can be longer than simple-history's default 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# No "Revert" button; the version page itself is read-only whatever is posted (audit.admin).
SIMPLE_HISTORY_REVERT_DISABLED = True
# django-import-export checks only its own permission, open to every staff user when unset: an
# export needs the model's view permission, like its changelist.
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"

# --- Trial dataset exports (exports app) ---
# The ZIPs hold clinical data: kept outside the static and media roots, served only to the user
# who asked for them, after a permission check.
EXPORT_ROOT = env.path("EXPORT_ROOT", default=VAR_DIR / "exports")
# Up to this many patients the ZIP is built in the request; above it, by a Celery worker with a
# progress page (a few seconds per thousand patients; see bench/export.py).
EXPORT_DIRECT_MAX_PATIENTS = env.int("EXPORT_DIRECT_MAX_PATIENTS", default=1000)
# Days a ZIP stays on the server (the log row stays for ever): purged nightly by Celery beat.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["purge-old-export-files"] = {
    "task": "exports.purge_old_export_files",
    "schedule": crontab(hour=2, minute=30),
}
# Written into every export's manifest; set it to the release tag or commit at deploy.
APP_VERSION = env.str("APP_VERSION", default="")
