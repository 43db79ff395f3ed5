"""Settings, all from the environment (and `.env` in development), failing loudly on bad values.

`make run` / `make test` leave DATABASE_URL and REDIS_URL to `iop.embedded`, which starts embedded
PostgreSQL and Redis when they are unset. Production sets DATABASE_URL, REDIS_URL and SECRET_KEY.
"""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # values already in the environment win

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # nosec B105  # DEBUG only

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if "DATABASE_URL" not in env:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run through `make run` / `make test` (they start an embedded "
        "PostgreSQL), or `python -m iop.embedded <command>`, or set DATABASE_URL."
    )
DATABASES = {"default": env.db_url("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
# Persistent connections: a new one per request cost a connection and a cold catalog cache in
# PostgreSQL, about 17 ms of every page under load. Checked before reuse, so a request after a
# database restart gets a new one instead of an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT compilation: the app's queries run in milliseconds, but with years of history the
# planner's cost estimates of the access rules passed PostgreSQL's JIT thresholds, and a chart
# spent seconds compiling a query that then ran in under one (stock PostgreSQL builds have JIT on).
_database_options = DATABASES["default"].setdefault("OPTIONS", {})
_database_options["options"] = f"{_database_options.get('options', '')} -c jit=off".strip()

if "REDIS_URL" not in env:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Run through `make run` / `make test` (they start an embedded "
        "Redis), or `python -m iop.embedded <command>`, or set REDIS_URL."
    )
REDIS_URL = env.str("REDIS_URL")
if not REDIS_URL.startswith(("redis://", "rediss://", "redis+socket://")):
    raise ImproperlyConfigured("REDIS_URL must be a redis://, rediss:// or redis+socket:// URL.")

TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as error:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known IANA time zone.") from error
USE_TZ = True
LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["iop.formats"]
# The app speaks English only. The translation machinery, asked for the language at every
# variable, date and message a page renders, took a quarter of a page's template time (the
# client's schedule: 2.7 ms against 3.6, fastest of 400 renders each).
USE_I18N = False

# The year the clinic's records start: clinic dates before 1 January of it are refused (iop/dates.py).
CLINIC_FIRST_YEAR = env.int("CLINIC_FIRST_YEAR", default=2000)
if not 1990 <= CLINIC_FIRST_YEAR <= 2100:  # the database refuses dates before 1990 in any case
    raise ImproperlyConfigured("CLINIC_FIRST_YEAR must be between 1990 and 2100.")

SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=15)
if not 1 <= SESSION_IDLE_MINUTES <= 24 * 60:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be between 1 and 1440.")
# Idle logoff: the session expires SESSION_IDLE_MINUTES after the last request (iop.middleware.idle_clock).
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

INSTALLED_APPS = [
    # Django's admin site, for the superuser only (iop.admin_site), never for clinic admins.
    "iop.admin_site.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "iop",
    "clients",
    "groups",
    "scheduling",
]
# The demo clinic and the synthetic clinic for benchmarks (seed_demo, generate_clinic, bench):
# on for development and tests, never in production. It needs the development requirements.
DEMO = env.bool("DEMO", default=DEBUG)
if DEMO:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so static files keep their long cache lifetimes.
    "iop.middleware.private_pages",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "iop.middleware.idle_clock",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # And staff a second factor this session (iop.second_factor).
    "iop.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "iop.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iop.urls"
WSGI_APPLICATION = "iop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "iop.context_processors.clinic",
                "csp.context_processors.nonce",
            ],
        },
    },
]

AUTH_USER_MODEL = "iop.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# After 5 failed logins lock the account, whatever the addresses they came from (a guesser who
# changes address gets no more tries), and lock the address, whatever the accounts it tried (one
# that sprays passwords over many accounts). The address is the one `client_ip` trusts.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "iop.http.client_ip"
# How many proxies we run in front of the app (each appends to X-Forwarded-For); 0 = none, and
# the header is ignored. Set it to match the deployment, or addresses in the audit log are wrong.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Messages that leave the system must not reveal treatment (42 CFR Part 2): neutral sender and
# signature; CLINIC_NAME is shown only inside the app, behind the login.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Appointments <no-reply@localhost>")
MESSAGE_SIGNATURE = env.str("MESSAGE_SIGNATURE", default="Appointments desk")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
CLINIC_NAME = env.str("CLINIC_NAME", default="IOP Clinic")
# Staff sign in with a password and a code from an authenticator app (TOTP), or a recovery code.
# Admins always; clinicians unless this is turned off. Clients are never asked.
OTP_REQUIRED_FOR_CLINICIANS = env.bool("OTP_REQUIRED_FOR_CLINICIANS", default=True)
# The name the authenticator app shows beside the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default=CLINIC_NAME)
# The address people open the system at, for links in emails (no request to take it from).
SITE_URL = env.url("SITE_URL", default="http://127.0.0.1:8000").geturl().rstrip("/")
# Text messages: a dotted path to a backend in scheduling.sms; Twilio reads its keys from here.
SMS_BACKEND = env.str("SMS_BACKEND", default="scheduling.sms.ConsoleSmsBackend")
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")

# Celery: Redis broker; no result backend (tasks write their outcome to Postgres).
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The beat schedule lives in code; django-celery-beat's scheduler copies it into the database.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "iop.tasks.worker_heartbeat", "schedule": 60.0},
    "group-sessions-materialize": {
        "task": "scheduling.tasks.group_sessions_materialize",
        "schedule": crontab(hour=2, minute=15),
    },
    # Reminders and weekly hours (scheduling.tasks); crontabs are in the clinic's zone.
    "reminders-plan": {"task": "scheduling.tasks.reminders_plan", "schedule": 60.0},
    "reminders-send-due": {"task": "scheduling.tasks.reminders_send_due", "schedule": 60.0},
    "compliance-recompute-open-weeks": {
        "task": "scheduling.tasks.compliance_recompute_open_weeks",
        "schedule": crontab(minute=5),
    },
    "compliance-nudges": {
        "task": "scheduling.tasks.compliance_nudges_send",
        "schedule": crontab(hour=7, minute=0),
    },
    "utilization-review": {
        "task": "scheduling.tasks.utilization_reviews_update",
        "schedule": crontab(hour=6, minute=30),
    },
    "week-close": {
        "task": "scheduling.tasks.week_close",
        "schedule": crontab(day_of_week=1, hour=2, minute=0),
    },
    "checkins-open-due": {
        "task": "clients.tasks.checkins_open_due",
        "schedule": crontab(hour=5, minute=30),
    },
    "emergency-access-digest": {
        "task": "clients.tasks.emergency_access_digest",
        "schedule": crontab(day_of_week=1, hour=8, minute=0),
    },
}
# Break-the-glass: how long a clinician's emergency access to a client outside their reach lasts.
EMERGENCY_ACCESS_HOURS = env.int("EMERGENCY_ACCESS_HOURS", default=4)

# Pages each role lands on after login; later apps point these at their own pages.
ROLE_HOME_URLS = {
    "admin": "iop:dashboard",
    "clinician": "scheduling:today",
    "client": "scheduling:my-schedule",
}

AUDITLOG_INCLUDE_ALL_MODELS = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Request logs would carry names in URLs' query strings; keep them to warnings.
    "loggers": {
        "django.request": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one line per login is noise, and names the account
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Only our own files run: scripts need the page's nonce, nothing inline or from elsewhere. Bootstrap
# and the hours bars set widths in style attributes (style-src-attr); `data:` images are Bootstrap's
# icons in its CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
