"""Settings, read from the environment; every variable is listed in `.env.example`.

With no variables set the product runs on embedded defaults: SQLite and a file-system
Celery broker under `var/`, and a development secret key generated once and kept there.
"""
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("METACHAT_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _generated_secret(name: str) -> str:
    """A random secret created on first use and kept under var/ (development only)."""
    path = VAR_DIR / name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _generated_fernet_key(name: str) -> str:
    path = VAR_DIR / name
    if not path.exists():
        from cryptography.fernet import Fernet

        path.touch(mode=0o600)
        path.write_text(Fernet.generate_key().decode())
    return path.read_text().strip()


DEBUG = env.bool("DEBUG", default=False)
# Which secrets came from the environment (not generated under var/): `check --deploy`
# refuses a production without them (metachat/checks.py).
SECRETS_FROM_ENVIRONMENT = {
    name for name in ("SECRET_KEY", "ENCRYPTION_KEYS", "API_KEY_HASH_SECRET")
    if env.str(name, default="").strip()
}
SECRET_KEY = env.str("SECRET_KEY", default="") or _generated_secret("secret_key")
# Fernet keys for secrets at rest (metachat/crypto.py); the first encrypts, all decrypt.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[]) or [
    _generated_fernet_key("encryption_key")
]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "metachat.apps.MetaChatAdminConfig",  # django.contrib.admin on metachat/admin_site.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "corsheaders",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_object_actions",
    "metachat.workspaces",
    "metachat.events",
    "apikeys",
    "conversations",
    "integrations",
    "integrations.crm",
    "integrations.zapier",
    "integrations.reports",
]

# Buttons on the admin's object pages (metachat/workspaces/buttons.py) change things: POST only.
DJANGO_OBJECT_ACTIONS_DEFAULT_HTTP_METHOD = "POST"

MIDDLEWARE = [
    "metachat.health.HealthzMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "metachat.api.slashes.OptionalTrailingSlashMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "metachat.urls"
WSGI_APPLICATION = "metachat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The browsable API's page (rest_framework/api.html, with its "Use an API key" form).
        "DIRS": [BASE_DIR / "metachat" / "api" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite under var/ unless DATABASE_URL points elsewhere (PostgreSQL) ----------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one file: wait for locks, and let readers
    # run beside the single writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests run a Celery worker beside the test thread (and in another process): a shared
    # in-memory database fails concurrent writers at once ("table is locked"), a file waits.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: the shared cache (throttles, last-used stamps) and the default broker -----------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "metachat",
            # An unreachable Redis must fail a call in a moment, not hold the request.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "broker-control"),  # not ./control in the working dir
        # Seconds between looks at the folder (kombu's default, 1 s, is every wake-up's latency).
        "polling_interval": 0.05,
    }
elif CELERY_BROKER_URL.startswith("memory"):  # tests: wake the in-process worker promptly
    CELERY_BROKER_TRANSPORT_OPTIONS = {"polling_interval": 0.05}
elif CELERY_BROKER_URL.startswith("redis"):
    # A message not acknowledged within this time is handed to another worker: longer
    # than any task runs, so a slow task is never run twice because of it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Work that must not be lost: acknowledge after the task ran, give the message back when a
# worker dies, and take one message at a time so nothing waits behind a slow task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Deliveries (webhooks, CRMs) run on their own queue so a slow endpoint never holds up other
# work; the Procfile and docker-compose run a thread-pool worker for it alone.
CELERY_TASK_ROUTES = {"integrations.tasks.deliver_destination": {"queue": "deliveries"}}

# --- Webhooks and the delivery pipeline (integrations/delivery) -------------------------------
# Seconds before each attempt: the first at once, then retries (Standard Webhooks' schedule).
WEBHOOK_RETRY_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]
WEBHOOK_RETRY_JITTER = 0.1  # each wait is stretched by up to this fraction, at random
WEBHOOK_RETRY_AFTER_MAX = 86400  # a receiver's Retry-After is honoured up to a day
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)  # seconds, connect and read
# A worker holds a claimed batch for (batch size × timeout + this margin) seconds; if it dies,
# another worker takes the batch over after that.
WEBHOOK_LEASE_MARGIN = env.float("WEBHOOK_LEASE_MARGIN", default=20.0)
# Workers sending to one destination at once (each sends its claimed batch in turn): a
# hanging endpoint holds at most this many of the deliveries worker's threads.
WEBHOOK_MAX_IN_FLIGHT_PER_DESTINATION = env.int("WEBHOOK_MAX_IN_FLIGHT", default=4)
WEBHOOK_DRAIN_MAX = 10  # batches a worker sends to one destination before it yields its turn
# Events fanned out per dispatch transaction; the sweeper asks for a dispatch of events
# still undispatched after DISPATCH_GRACE seconds (their wake-up was lost).
DISPATCH_BATCH = 500
DISPATCH_GRACE = 5.0
SWEEP_BATCH = 200  # destinations the sweeper wakes at most per run
# A wake-up not taken by a worker within this many seconds is taken for lost and sent again.
WAKEUP_LOST_AFTER = env.float("WAKEUP_LOST_AFTER", default=60.0)
RECOVER_BATCH = 500  # failed deliveries a recovery queues again per transaction
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER_DAYS", default=5) * 86400  # seconds
WEBHOOK_SECRET_OVERLAP = 24 * 3600  # a rotated-out signing secret keeps signing this long
# Loopback targets (127.0.0.0/8, ::1) are refused in production; development may allow them.
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=DEBUG)
WEBHOOK_USER_AGENT = "MetaChat-Webhooks/1.0"
# Outbound HTTP (integrations/egress.py): connections kept alive per host, and how many
# hosts keep a pool, in each process. One set of pools serves webhooks and CRMs alike.
EGRESS_POOL_SIZE = env.int("EGRESS_POOL_SIZE", default=10)
EGRESS_POOL_HOSTS = env.int("EGRESS_POOL_HOSTS", default=100)
# --- Conversations: the answer engine and document limits ------------------------------------
# A dotted path to a conversations.engine.base.AnswerEngine subclass: ...bm25.HybridAnswerEngine
# (BM25 and the sentence model; BM25 alone while the model or a passage's vector is missing),
# ...bm25.SemanticAnswerEngine (the sentence model) or ...bm25.BM25AnswerEngine (words only).
ANSWER_ENGINE = env.str("ANSWER_ENGINE",
                        default="conversations.engine.bm25.HybridAnswerEngine")
# Largest document (written text or uploaded file) in bytes; larger ones are refused (413).
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
# Largest request body held in memory (files excluded): a document's text sent as JSON fits,
# with room for JSON escaping. A larger body is a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", default=DOCUMENT_MAX_BYTES * 2 + 64 * 1024
)

# --- CRM integrations ----------------------------------------------------------------------
# Seconds before any call to a CRM gives up; an extra CA bundle to trust (PEM) for CRMs
# reached through a TLS-inspecting proxy.
CRM_HTTP_TIMEOUT = env.float("CRM_HTTP_TIMEOUT", default=10.0)
CRM_CA_BUNDLE = env.str("CRM_CA_BUNDLE", default="")
# Another API address per provider, e.g. intercom=https://api.eu.intercom.io (EU workspace).
CRM_API_HOSTS = env.dict("CRM_API_HOSTS", default={})

# --- Email (alerts to workspace owners) -------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Meta Chat <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # seconds; a hung SMTP server stalls nothing

# --- Passwords, i18n, static ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# After `collectstatic` (the container image) files are served compressed and hashed;
# before it (make run, tests) straight from the apps.
_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _COLLECTED

# --- Security (production sets these; see .env.example) ---------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "metachat.api.renderers.EnvelopeJSONRenderer",
        "metachat.api.renderers.EnvelopeBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "metachat.api.parsers.JSONParser",
        "metachat.api.parsers.FormParser",
        "metachat.api.parsers.MultiPartParser",
    ],
    # A key first (its 401 challenge stays the answer to no credentials); then, for the
    # browsable API (metachat/api/session.py), a key pasted on its page, then an operator's
    # admin session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apikeys.authentication.ApiKeyAuthentication",
        "metachat.api.session.BrowserApiKeyAuthentication",
        "metachat.api.session.OperatorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "metachat.api.permissions.HasWorkspace",
        "apikeys.permissions.HasScopes",
        "metachat.api.session.OperatorRolePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["apikeys.throttles.ApiKeyRateThrottle"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_PAGINATION_CLASS": "metachat.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 10,
    "EXCEPTION_HANDLER": "metachat.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "VIEW_NAME_FUNCTION": "metachat.api.viewsets.view_name",
}
# API keys (apikeys/): the server secret of their HMAC-SHA256 hashes, and the request rate
# per key unless the key has its own. Changing the secret invalidates every key.
API_KEY_HASH_SECRET = env.str("API_KEY_HASH_SECRET", default="") or hmac.new(
    SECRET_KEY.encode(), b"metachat.apikeys.hash", hashlib.sha256
).hexdigest()
API_KEY_THROTTLE_RATE = env.str("API_KEY_THROTTLE_RATE", default="600/min")
# The chat widget's publishable keys: requests per key (all its visitors together, unless
# the key has its own rate) and per visitor IP address on one key.
WIDGET_KEY_THROTTLE_RATE = env.str("WIDGET_KEY_THROTTLE_RATE", default="3000/min")
WIDGET_VISITOR_THROTTLE_RATE = env.str("WIDGET_VISITOR_THROTTLE_RATE", default="60/min")
# CORS (django-cors-headers) only on the widget's endpoints, and only to the origins the
# request's publishable key allows (apikeys.publishable.cors_request_enabled decides).
CORS_URLS_REGEX = r"^/v1/widget/"
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_ALLOW_METHODS = ("GET", "POST", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "content-type", "x-visitor-id", "x-user-id", "x-user-hash")
CORS_EXPOSE_HEADERS = ("retry-after",)
CORS_PREFLIGHT_MAX_AGE = 600
# A process counts a key's requests on the shared cache in chunks of rate / this (at least 1).
API_KEY_THROTTLE_CHUNKS = 50
# Each process reuses a key it looked up for this long: a revoked key is refused everywhere
# within this time.
API_KEY_CACHE_SECONDS = env.float("API_KEY_CACHE_SECONDS", default=1.0)
# The bearer token Prometheus sends to GET /metrics; empty: /metrics answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
JSON_UNDERSCOREIZE = {"no_underscore_before_number": True}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meta Chat API",
    "DESCRIPTION": (
        "Every response is an envelope: `{\"data\": ...}` on success, "
        "`{\"data\": [...], \"pagination\": {...}}` for lists, and "
        "`{\"error\": {\"code\", \"message\", \"fields\"}}` on failure."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the installed drf-spectacular-sidecar: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's badge would ask validator.swagger.io about the schema: not from here.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/v1",
    # Choice sets that share a field name get their own names in the schema.
    "ENUM_NAME_OVERRIDES": {
        "DocumentSourceTypeEnum": "conversations.models.Document.SourceType",
        "ConversationStatusEnum": "conversations.models.Conversation.Status",
        "ApiKeyStatusEnum": "apikeys.models.ApiKey.Status",
        "ApiKeyKindEnum": "apikeys.models.ApiKey.Kind",
        "CrmConnectionStatusEnum": "integrations.crm.models.CrmConnection.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "metachat.events.schema.add_event_payloads",
        # Last: the envelope and error responses around what the hooks above produced.
        "metachat.api.schema.add_envelope_and_errors",
    ],
}

# --- Logging: one line per record on stderr; known secret shapes are masked (logredact) -----
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # On the handler, so records of every logger (libraries' too) pass through it.
    "filters": {"redact_secrets": {"()": "metachat.logredact.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # bm25s logs every index build at DEBUG whatever the root's level says.
        "bm25s": {"level": "DEBUG" if LOG_LEVEL.upper() == "DEBUG" else "WARNING"},
        # kombu warns on every connection of the embedded file-system broker that its URL
        # names no host; that is how that transport is configured, not a fault.
        "kombu.connection": {"level": "ERROR"},
    },
}
