"""Settings, every one read from the environment (documented in .env.example).

Two ways to run, same behaviour (design.md §1):
- the embedded default (KHUYENHOC_ENV=development): SQLite file and a Celery broker on the filesystem, nothing
  else to install;
- production (KHUYENHOC_ENV=production, docker-compose.yml and CI): PostgreSQL, Redis, gunicorn, workers.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = env("KHUYENHOC_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured("KHUYENHOC_ENV must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"

VAR_DIR = Path(env("KHUYENHOC_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required in production")
    SECRET_KEY = "insecure-development-key-" + "x" * 40

DEBUG = env_bool("DJANGO_DEBUG", ENVIRONMENT == "development")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "import_export",
    "simple_history",
    "axes",
    "core",
    "chapters",
    "members",
    "funds",
    "awards",
    "learning_models",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

# The model an import job is scoped to (core.models.ImportJob.unit): the organisation's units.
IMPORTS_SCOPE_MODEL = "chapters.Unit"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "chapters.middleware.ControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "chapters.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "chapters.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.replicas.ReplicaRoutingMiddleware",
]

ROOT_URLCONF = "khuyenhoc.urls"
WSGI_APPLICATION = "khuyenhoc.wsgi.application"

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
                "chapters.context_processors.roles",
                "reports.context_processors.notifications",
            ],
            "builtins": ["core.templatetags.vi"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'khuyenhoc.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server and the worker of the embedded default read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Read-only screens read a PostgreSQL streaming replica when one is configured (core/replicas.py, operations.md);
# a session that wrote reads the primary for this many seconds after it (read your writes).
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"), conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests read the one test database through both
DATABASE_REPLICA = "replica" in DATABASES  # whether marked screens read the replica
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter"]
DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = env_int("DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS", 15)
# Cached roll-ups a web process keeps in its own memory beside Redis (core.cache.KeptEntries), by weight:
# units of a tree plus rows of an answer. A province weighs ~11,000; the country's tree alone ~300,000.
ROLLUP_KEPT_IN_PROCESS = env_int("ROLLUP_KEPT_IN_PROCESS", 400_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Redis down is a slower site, not a broken one: misses, dropped writes, and short timeouts so a request
    # does not hang on a dead server.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    # Sessions read from Redis, kept in the database too (issue 19: one query less on every page; a Redis outage or
    # restart only sends the reads back to the database).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif ENVIRONMENT == "test":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # The embedded default's web server and worker are separate processes: a cache on disk is one they share.
    CACHES = {
        "default": {
            "BACKEND": "core.cache.SharedFileCache",
            "LOCATION": VAR_DIR / "cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "chapters.passwords.ProjectWordsValidator"},
]
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed logins are throttled per (username, address) pair, so one shared office address does not lock out a
# whole ward and one user name cannot be guessed from many addresses at the same pace.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("LOGIN_THROTTLE_ENABLED", True)
# The number of reverse proxies in front of the application that append to X-Forwarded-For: the client's
# address is read from that header (chapters.client_ip), never the proxy's own address.
PROXY_COUNT = env_int("PROXY_COUNT", 1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "chapters.client_ip.client_ip"
AXES_VERBOSE = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Off: years, codes and ids must never print as "2.026". Figures are grouped explicitly with the `so`, `tien`
# and `phantram` filters (core.templatetags.vi), which use the Vietnamese "." separator.
USE_THOUSAND_SEPARATOR = False
FORMAT_MODULE_PATH = ["khuyenhoc.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded and generated files are private: served only through scoped views (design.md §4).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "files"
WHITENOISE_USE_FINDERS = not PRODUCTION
# Outside production static files are served from the apps' folders as they are, with nothing collected.
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Uploads: refused past this size before they are parsed (design.md §5).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Imports with more rows than this run in the background with a progress bar.
IMPORT_SYNC_MAX_ROWS = env_int("IMPORT_SYNC_MAX_ROWS", 2000)
# An import that writes at least this many rows analyses the tables it wrote (fresh planner statistics).
IMPORT_ANALYZE_ROWS = env_int("IMPORT_ANALYZE_ROWS", 10_000)
# A spreadsheet is read in a child process that may grow by this much and no more (0: read in place).
IMPORT_READ_MEMORY_MB = env_int("IMPORT_READ_MEMORY_MB", 1024)
# Uploaded import files are deleted after this many days by the periodic sweep (the job rows stay).
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 90)

# The REST API for other systems (docs/api.md): token or session auth, problem+json errors, cursor pages,
# a rate limit per token counted in the default cache (Redis in production).
API_RATE_LIMIT = env("API_RATE_LIMIT", "1200/minute")
# The replies kept for Idempotency-Key are deleted after this many hours by the periodic sweep: a client may resend
# a POST with the same key within this time and get the first reply back, nothing created twice.
API_IDEMPOTENCY_RETENTION_HOURS = env_int("API_IDEMPOTENCY_RETENTION_HOURS", 24)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.CleanJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Khuyến học",
    "DESCRIPTION": "Đọc và ghi dữ liệu của Hội Khuyến học với cùng phạm vi, quy tắc và lịch sử như trên màn hình. "
    "Hướng dẫn và ví dụ: docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_problem_responses"],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "chapters.models.Unit.Kind",
        "UnitLevelEnum": "chapters.models.Unit.Level",
        "LeftReasonEnum": "members.models.Member.LeftReason",
        "VoucherKindEnum": "funds.models.Transaction.Kind",
    },
}

# Celery: Redis in production; in the embedded default a broker on the filesystem, so that background work
# (big imports, PDF reports) stays asynchronous with nothing else installed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    for _folder in (_broker_dir / "queue", _broker_dir / "processed", _broker_dir / "control"):
        _folder.mkdir(parents=True, exist_ok=True)  # kombu's filesystem transport expects them to exist
else:
    # An unacknowledged message (its worker was killed mid-task) is delivered again after this many seconds:
    # a report render interrupted by a dead worker is retried within minutes, not the default hour.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 600)}
# A web request sends work after its commit (the commune totals' drain after every save): with the broker down it
# must fail at once and carry on (core/queueing.py), not wait through kombu's reconnection delays (2 s, then 4 s,
# per send; celery/celery#4627). The worker's own reconnection loop is separate (broker_connection_max_retries).
CELERY_BROKER_TRANSPORT_OPTIONS |= {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_IGNORE_RESULT = True  # jobs keep their state in database rows (design.md §6)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves its message to be delivered again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"reports.tasks.render_report_run": {"queue": "pdf"}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (design.md §15): started by scripts/run.sh in the embedded default and by the `beat` service of
# docker-compose.yml. Reminders once a day in the morning; the sweeps that also run when a page opens, the e-mail
# retry and the cache warming every few minutes.
CELERY_BEAT_SCHEDULE = {
    "reminders": {"task": "reports.tasks.send_reminders", "schedule": crontab(hour=7, minute=0)},
    "retry-emails": {"task": "reports.tasks.retry_notification_emails", "schedule": 10 * 60},
    "sweep-report-runs": {"task": "reports.tasks.sweep_stale_runs", "schedule": 5 * 60},
    "sweep-imports": {"task": "core.tasks.sweep_stuck_imports", "schedule": 15 * 60},
    "warm-rollups": {"task": "reports.tasks.warm_rollups", "schedule": 10 * 60},
    "sweep-idempotency-keys": {"task": "api.tasks.sweep_idempotency_keys", "schedule": 60 * 60},
    # Queued after each write as well; this one only catches a drain whose task was lost.
    "drain-commune-totals": {"task": "chapters.tasks.drain_commune_totals", "schedule": 60},
}
# Seconds between a write and the background refresh of its communes' stored totals: the writes of those seconds
# are summed in one pass (chapters.summaries.commune_totals_schedule).
COMMUNE_TOTALS_DRAIN_DELAY = env_int("COMMUNE_TOTALS_DRAIN_DELAY", 3)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# E-mail (notifications): SMTP in production, read from the environment; the console in the embedded default
# (messages are printed by the worker), and Django's in-memory outbox in the tests.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Khuyến học <khuyenhoc@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address of the site as users reach it, for the links in e-mails.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# Security. Production settings pass `manage.py check --deploy` with no warnings.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")},
}
