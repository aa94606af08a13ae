"""Zoufang settings, read from the environment.

The defaults describe a laptop: SQLite in data/, a Celery broker on the filesystem (a real
worker and beat, no Redis), HTTP on localhost. DEBUG, though, is off unless DJANGO_DEBUG turns it
on, and with DEBUG off (production) the app refuses to start without a DJANGO_SECRET_KEY of its
own: scripts/run.sh sets DJANGO_DEBUG=true, the test suite sets a key (config/settings_test.py).
Production (docker-compose) sets DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS
and DJANGO_HTTPS. Boolean variables take true/false, yes/no, on/off or 1/0; anything else is an
error.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("ZOUFANG_DATA_DIR", default=str(BASE_DIR / "data")))

env = environ.Env()

# The embedded default keeps its SQLite file, broker queue and cache here; create them up front
# so a fresh clone needs no manual step.
for _sub in ("", "celery/broker", "celery/processed", "celery/control", "cache"):
    (DATA_DIR / _sub).mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", default=False)
HTTPS = env_bool("DJANGO_HTTPS", default=False)

_DEV_SECRET = "embedded-only-secret-not-for-production-use-0123456789abcdefghijklmnop"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or _DEV_SECRET
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    # Production is whatever runs with DEBUG off, whether or not it is behind HTTPS: it must never
    # run on the key that is in the repository.
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DEBUG is off (production); "
        "on a development machine set DJANGO_DEBUG=true instead"
    )

# Personal data at rest (campaigns/lib/crypto.py): AES-GCM keys, newest first, and the HMAC key of
# the lookup columns. The development keys below are in the repository: production refuses them.
_DEV_DATA_KEY = "ZGV2LW9ubHktZGF0YS1rZXktbm90LWZvci1wcm9kISE="
_DEV_HMAC_KEY = "dev-only-hmac-key-not-for-production"
DATA_KEYS = env.list("ZOUFANG_DATA_KEYS", default=[]) or [_DEV_DATA_KEY]
DATA_HMAC_KEY = env.str("ZOUFANG_HMAC_KEY", default="") or _DEV_HMAC_KEY
if not DEBUG and (_DEV_DATA_KEY in DATA_KEYS or DATA_HMAC_KEY == _DEV_HMAC_KEY):
    raise ImproperlyConfigured(
        "ZOUFANG_DATA_KEYS and ZOUFANG_HMAC_KEY must be set when DEBUG is off (production); "
        "on a development machine set DJANGO_DEBUG=true instead"
    )

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Where residents reach the app: the public board's poster prints a QR code to this address.
PUBLIC_BASE_URL = env.str("DJANGO_PUBLIC_BASE_URL", default="http://localhost:8000")
# A failed CSRF check answers in Chinese inside the layout (JSON under /api/), not Django's page.
CSRF_FAILURE_VIEW = "campaigns.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "campaigns.apps.AxesConfig",  # django-axes, under a Chinese name in the admin
    "auditlog",
    "django_celery_beat",
    "campaigns",
    "notifications",
    "visits",
    "grievances",
    "evaluations",
    "reports",
    "liaison",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (sessions, CSRF): a body over its route's limit is refused
    # by its Content-Length, unread.
    "campaigns.middleware.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "campaigns.middleware.SessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # A database, broker or storage outage is a 503 page (or API body), never a bare 500.
    "campaigns.middleware.UnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "campaigns.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Worker, beat and web share one SQLite file in the embedded mode: wait for locks.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "campaigns.User"

# --- Login security (等保 2.0 level 3) ---------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours: locked for 30 minutes after 5 failures
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "campaigns.views.locked_out"
AXES_VERBOSE = False
# Lock by account, as 等保 asks; locking by IP too would lock a whole office behind one NAT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

SESSION_COOKIE_AGE = 30 * 60  # idle sessions end after 30 minutes
# ...counted from the last request, not the login: campaigns.middleware.SessionRefreshMiddleware
# saves the session again at most once a minute (not a database write on every request).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "campaigns.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
# Chinese for third-party apps that ship none (django-auditlog, django-axes); .po and compiled .mo.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    # Files go through the storage API so that a shared volume or object store can replace it.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed files; the embedded mode skips the slow post-processing.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if HTTPS
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Embedded mode also serves straight from the app folders, so pages are styled even before (or
# without) collectstatic; production serves only the collected, hashed files.
WHITENOISE_USE_FINDERS = not HTTPS
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# What every upload may be (campaigns/lib/uploads.py): its size and the types its content may
# have (by signature, as `filetype` names them). Photos are decoded, so their pixels count too.
_MiB = 1024 * 1024
_DOCUMENTS = ["jpg", "png", "webp", "heic", "pdf", "docx", "doc", "xlsx", "xls"]
UPLOAD_MAX_IMAGE_PIXELS = env.int("ZOUFANG_MAX_IMAGE_PIXELS", default=40_000_000)
UPLOAD_LIMITS = {
    "photo": {"max_bytes": 10 * _MiB, "types": ["jpg", "png", "webp"]},
    "evidence": {"max_bytes": 20 * _MiB, "types": _DOCUMENTS},
    "violation": {"max_bytes": 20 * _MiB, "types": _DOCUMENTS},
    "roster": {"max_bytes": 100 * _MiB, "types": ["xlsx"]},
    "ledger": {"max_bytes": 20 * _MiB, "types": ["xlsx", "xls"]},
    "visits": {"max_bytes": 20 * _MiB, "types": ["xlsx"]},
}
# The upload kinds (and how many files of each) a route's body may carry, by URL name; every other
# route may send at most the largest upload of UPLOAD_LIMITS (campaigns.middleware).
REQUEST_BODY_LIMITS = {
    "household-import": [("roster", 1)],
    "visits:import": [("roster", 1)],
    "grievance-import-list": [("ledger", 1)],
    "grievances:import": [("ledger", 1)],
    "visit-import": [("visits", 1)],
    "visits:visit-import": [("visits", 1)],
    "visit-photos": [("photo", 1)],
    "violation-list": [("violation", 1)],
    "reports:violation-record": [("violation", 1)],
}
# Spreadsheets, before any parser sees them: the first sheet's extent (declared and real), the
# archive's entries and unpacked size; then the parse runs in a child process under memory_bytes
# of address space and cpu_seconds of CPU time (campaigns/lib/sheet_reader.py).
SHEET_LIMITS = {
    "roster": {
        "rows": 1_048_576,
        "columns": 20,
        "unpacked_bytes": 1024 * _MiB,
        "entries": 100,
        "memory_bytes": env.int("ZOUFANG_ROSTER_PARSE_MEMORY", default=3072 * _MiB),
        "cpu_seconds": 900,
    },
    "ledger": {
        "rows": 100_000,
        "columns": 40,
        "unpacked_bytes": 256 * _MiB,
        "entries": 100,
        "memory_bytes": env.int("ZOUFANG_LEDGER_PARSE_MEMORY", default=1024 * _MiB),
        "cpu_seconds": 300,
    },
    # Past visits: one sheet a month, a few thousand rows each.
    "visits": {
        "rows": 100_000,
        "columns": 20,
        "unpacked_bytes": 256 * _MiB,
        "entries": 200,
        "memory_bytes": env.int("ZOUFANG_VISITS_PARSE_MEMORY", default=1024 * _MiB),
        "cpu_seconds": 300,
    },
}

# --- Security headers; DJANGO_HTTPS=true in production ----------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Read even without HTTPS, so that a typo in it is an error there too.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=True) and HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "campaigns.authentication.TokenAuthentication",  # knox's
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "campaigns.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "campaigns.api_base.exception_handler",
    "PAGE_SIZE": 50,
    # campaigns/throttling.py: views that name a scope are limited per user (<scope>) and per
    # address (<scope>_address); state in the cache. "30/15m" is 30 per 15 minutes.
    "DEFAULT_THROTTLE_CLASSES": [
        "campaigns.throttling.ActionUserThrottle",
        "campaigns.throttling.ActionAddressThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Every login attempt of one address (an office behind NAT: never below 60 a minute) and
        # its failed ones (password spraying); per account, django-axes locks after 5 failures.
        "login_address": env.str("ZOUFANG_THROTTLE_LOGIN_ADDRESS", default="300/m"),
        "login_failures": env.str("ZOUFANG_THROTTLE_LOGIN_FAILURES", default="30/15m"),
        "export": "20/m",
        "export_address": "60/m",
        "pdf": "5/m",
        "pdf_address": "20/m",
        "import": "10/m",
        "import_address": "30/m",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "走访 Zoufang API",
    "DESCRIPTION": "大走访活动管理系统接口。脚本认证：POST /api/auth/token/ 获取令牌，请求头 Authorization: Token <token>。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the Swagger page are for signed-in users in production; open while developing.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny" if DEBUG else "rest_framework.permissions.IsAuthenticated"
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set when several fields share it.
    "ENUM_NAME_OVERRIDES": {
        "PhaseEnum": "campaigns.choices.Phase",
        "GrievanceStatusEnum": "grievances.choices.Status",
        "GrievanceSourceEnum": "grievances.choices.Source",
        "ViolationOriginEnum": "reports.models.Violation.Origin",
        "ImportStatusEnum": "campaigns.lib.imports.ImportStatus",
        "ReportJobKindEnum": "reports.models.ReportJob.Kind",
        "HouseholdKindEnum": "visits.choices.HouseholdKind",
        "AssignmentKindEnum": "visits.choices.AssignmentKind",
        "EventReportKindEnum": "visits.choices.EventKind",
        "GrievanceKindEnum": "grievances.choices.Kind",
        "LevelEnum": "campaigns.choices.Level",
        "JobStatusEnum": "liaison.models.MapJob.State",
        "ReceptionKindEnum": "grievances.models.ReceptionKind",
    },
}

# --- Cache, broker and background work (Celery) ------------------------------------------
# REDIS_URL is the broker; CACHE_URL the cache, the same Redis unless set apart (a cache may be
# flushed or evicted, a broker's queue may not). The cache is an optimisation: its backends here
# turn a Redis outage into misses (campaigns/lib/cache.py), and give up on a dead server quickly.
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_URL = env.str("CACHE_URL", default="") or REDIS_URL
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "campaigns.lib.cache.ForgivingRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    # Embedded mode: a file cache every local process shares (locmem would be per process).
    CACHES = {
        "default": {
            "BACKEND": "campaigns.lib.cache.ForgivingFileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# The filesystem transport ignores the host, but kombu warns ("No hostname was supplied") on
# every connection whose URL names none, so the embedded URL names one.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
# The longest task (a district's roster confirm, a city's summary PDF) takes minutes; a message
# not acknowledged within this time goes to another worker, so it is well above that, and far
# below Redis's default of an hour, which is how long a dead worker's task would otherwise wait.
LONGEST_TASK_SECONDS = 30 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * LONGEST_TASK_SECONDS}
if not REDIS_URL:
    _broker_dir = DATA_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(DATA_DIR / "celery" / "processed"),
        "control_folder": str(DATA_DIR / "celery" / "control"),  # else ./control in the working directory
        "store_processed": False,
    }
# A request never waits for a broker that is away: the outbox (campaigns.services.enqueue) keeps what
# was to be queued and beat sends it when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_IGNORE_RESULT = True  # job state lives in our own tables (import jobs, reports)
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker runs again: tasks are idempotent
# ...also when only the pool child died (the out-of-memory killer), not the whole worker.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: a worker holds one message at a time
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# At start, beat's DatabaseScheduler writes these into django-celery-beat's tables (matched by
# name), where admins see them, can switch one off and can add others. A timing changed in the
# admin lasts only until beat restarts, so change it here.
CELERY_BEAT_SCHEDULE = {
    # What the broker refused (it was away) goes out once it is back.
    "待投递任务补发": {"task": "campaigns.deliver_outbox", "schedule": timedelta(minutes=1)},
    # Jobs whose worker is gone (no heartbeat) are queued again or failed with a 重试 button.
    "中断任务检查": {"task": "campaigns.reap_stale_jobs", "schedule": timedelta(minutes=2)},
    # The figures' rollup: the units written to since the last run are recounted (reports.rollup).
    "统计汇总表更新": {"task": "reports.rebuild_figure_rollup", "schedule": timedelta(minutes=1)},
    "期限扫描：到期提醒、预警与督办": {"task": "grievances.sweep_deadlines", "schedule": timedelta(minutes=15)},
    # Just after midnight in CELERY_TIMEZONE (Asia/Shanghai): phases switch on calendar dates.
    "活动阶段按日期切换": {"task": "grievances.sync_campaign_phases", "schedule": crontab(minute="5", hour="0")},
}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Mail and SMS -----------------------------------------------------------------------
EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="zoufang@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Zoufang's own knobs.
ZOUFANG = {
    # Org unit kinds shown in the UI; display names are configurable in the admin (LevelName).
    "DEMO_PASSWORD": "zoufang-demo",
}

# --- Security for a 等保 2.0 level-3 assessment (docs/security.md) -----------------------
# One block: second factor, 三员分立 permissions, the tamper-evident audit trail, client
# addresses behind proxies, the content security policy.
INSTALLED_APPS += [
    "django_otp",
    "campaigns.apps.OtpTotpConfig",  # django_otp.plugins.otp_totp, under a Chinese name
    "campaigns.apps.OtpStaticConfig",  # django_otp.plugins.otp_static, under a Chinese name
    "pgtrigger",
    "audit",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1, "campaigns.middleware.SecondFactorMiddleware"
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("auditlog.middleware.AuditlogMiddleware") + 1, "audit.middleware.AuditContextMiddleware"
)
# The three administrator roles carry their Django (admin site) permissions.
AUTHENTICATION_BACKENDS += ["campaigns.backends.RolePermissionBackend"]
OTP_TOTP_ISSUER = "走访"

ZOUFANG_SECURITY = {
    # Office staff must use a second factor too (the administrator roles always must).
    "OTP_FOR_OFFICE": env_bool("ZOUFANG_OTP_FOR_OFFICE", default=False),
    # Reverse proxies in front of the app that append to X-Forwarded-For; 0: REMOTE_ADDR only.
    # The client address is the one the outermost trusted proxy saw, never a forgeable header.
    "TRUSTED_PROXY_HOPS": env.int("ZOUFANG_TRUSTED_PROXY_HOPS", default=0),
    # Key of the audit chain's HMAC; set it in production, keep it apart from the database.
    "AUDIT_KEY": env.str("ZOUFANG_AUDIT_KEY", default="") or f"audit:{SECRET_KEY}",
    # Audit records are kept at least this long (网络安全法 第二十一条: six months); older ones
    # are archived by `manage.py archive_audit`, never deleted silently.
    "AUDIT_RETENTION_DAYS": max(180, env.int("ZOUFANG_AUDIT_RETENTION_DAYS", default=180)),
    # Whole ID numbers and phones one person may reveal an hour before they are stopped and reported.
    "REVEALS_PER_HOUR": env.int("ZOUFANG_REVEALS_PER_HOUR", default=30),
}
# Lock a user name only from the address that failed: a stranger elsewhere cannot lock a colleague out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
# Personal data in django-auditlog's changes is masked the way lists show it (138****5678).
AUDITLOG_MASK_CALLABLE = "campaigns.lib.masking.mask_personal"
# Content-Security-Policy: scripts and styles from our own static files only; no inline script
# anywhere (the API docs use drf-spectacular's split view). Inline style attributes stay allowed
# for progress bars and htmx's indicator style; they cannot run code.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "django_permissions_policy.PermissionsPolicyMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features the app does not use are off; the camera (visit photos) and location stay ours.
PERMISSIONS_POLICY = {
    "camera": ["self"],
    "geolocation": ["self"],
    "microphone": [],
    "payment": [],
    "usb": [],
    "interest-cohort": [],
}

# API tokens (django-rest-knox): stored as digests, one per login, expiring; `Authorization: Token <token>`.
INSTALLED_APPS[INSTALLED_APPS.index("rest_framework.authtoken")] = "campaigns.apps.KnoxConfig"  # knox
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("ZOUFANG_TOKEN_DAYS", default=7)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}
