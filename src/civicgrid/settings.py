"""Settings, read only from environment variables (healthchecks style).

Safe local defaults: SQLite in WAL mode under ``var/``, a secret key and a
data-encryption key generated under ``var/`` on first run. The production
profile (``CIVICGRID_PROFILE=production``) refuses to start without explicit
secrets and turns on every transport-security setting, so that
``civicgrid check --deploy --fail-level WARNING`` passes.
"""

import base64
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def env_str(name: str, default: str | None = None) -> str | None:
    """Value of ``NAME``, or the contents of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


PROFILE = os.environ.get("CIVICGRID_PROFILE", "local")
if PROFILE not in {"local", "production"}:
    raise ImproperlyConfigured("CIVICGRID_PROFILE must be 'local' or 'production'")
PRODUCTION = PROFILE == "production"
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

VAR_DIR = Path(os.environ.get("CIVICGRID_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _generated_secret(file_name: str, make) -> str:
    """Read a secret kept under var/, creating it (mode 0600) the first time."""
    path = VAR_DIR / file_name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(make())
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("production needs SECRET_KEY or SECRET_KEY_FILE")
    SECRET_KEY = _generated_secret("secret_key", lambda: secrets.token_urlsafe(64))

# Key for personal data at rest (AES-256-GCM + HMAC blind index), base64 of 32 bytes.
_data_key_file = os.environ.get("CIVICGRID_DATA_KEY_FILE")
if _data_key_file:
    DATA_KEY = Path(_data_key_file).read_text(encoding="utf-8").strip()
elif PRODUCTION:
    raise ImproperlyConfigured("production needs CIVICGRID_DATA_KEY_FILE")
else:
    DATA_KEY = _generated_secret("data.key", lambda: base64.b64encode(secrets.token_bytes(32)).decode())

DEBUG = env_bool("CIVICGRID_DEBUG", False) and not PRODUCTION

ALLOWED_HOSTS = env_list(
    "CIVICGRID_ALLOWED_HOSTS",
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
if not PRODUCTION and os.environ.get("HOST") and os.environ["HOST"] not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append("*" if os.environ["HOST"] in {"0.0.0.0", "::"} else os.environ["HOST"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("production needs CIVICGRID_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CIVICGRID_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "axes",
    "huey.contrib.djhuey",
    "civicgrid.core",
    "civicgrid.areas",
    "civicgrid.accounts",
    "civicgrid.registry",
    "civicgrid.cases",
    "civicgrid.circle",
    "civicgrid.demo",
    "civicgrid.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civicgrid.core.guards.ApiJsonErrorsMiddleware",  # /api/ errors are JSON, whoever made them
    "civicgrid.core.guards.BodyLimitMiddleware",  # before anything reads the body (CSRF, sessions)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civicgrid.core.guards.RateLimitMiddleware",  # anonymous filing, per address, before the body is read
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicgrid.core.middleware.NoStoreMiddleware",  # personal data is never cached
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "civicgrid.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp): scripts and styles only from this server (every JS and CSS
# file comes from an installed package); the few inline bootstrap calls carry the request's nonce.
# Inline style *attributes* stay allowed (style-src-attr): presentational only, and any url() in
# them is still held to img-src. No frames, no plugins, forms post here only.
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],  # Bootstrap draws its form controls with data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.web.context.navigation",
            ],
        },
    },
]

_default_db = f"sqlite:///{VAR_DIR / 'civicgrid.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the job consumer read while one writes;
        # IMMEDIATE takes the write lock at BEGIN so transitions serialise.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "CIVICGRID_DB_SERVER_SIDE_BINDING", False):
    # psycopg 3 binds parameters on the server, and a statement run 5 times on a connection is
    # prepared there (psycopg's prepare_threshold): no SQL text built in Python, no re-planning.
    # Off by default: on a fresh database without statistics a prepared statement's generic plan
    # can be far worse than a custom one (seen: minutes for an evaluation query). Behind a
    # pgbouncer in transaction mode older than 1.21 it must stay off (no prepared statements).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "civicgrid.accounts.lockout.AddressThrottleBackend",  # password spraying across user names
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires after this many minutes without a request.
SESSION_COOKIE_AGE = env_int("CIVICGRID_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Lockout after repeated failures (django-axes): per user name and address.
AXES_FAILURE_LIMIT = env_int("CIVICGRID_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CIVICGRID_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "civicgrid.accounts.views.locked_out"
AXES_VERBOSE = False
# ... and per address across all user names (civicgrid.accounts.lockout), within the cool-off time.
CIVICGRID_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("CIVICGRID_LOGIN_ADDRESS_FAILURE_LIMIT", 30)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing directory


def _xstatic_dirs() -> list[tuple[str, str]]:
    import xstatic.pkg.bootstrap
    import xstatic.pkg.leaflet

    return [("bootstrap", xstatic.pkg.bootstrap.BASE_DIR), ("leaflet", xstatic.pkg.leaflet.BASE_DIR)]


STATICFILES_DIRS = _xstatic_dirs()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(os.environ.get("CIVICGRID_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

REDIS_URL = os.environ.get("REDIS_URL")
# Rate limits and login failures per address are counted in a cache all server processes share:
# Redis when configured, else files under var/ (several gunicorn workers on one machine).
CIVICGRID_RATE_LIMIT_CACHE = "ratelimit"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
              "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                            "KEY_PREFIX": "rl"}}
    HUEY = {"huey_class": "huey.RedisHuey", "name": "civicgrid", "url": REDIS_URL, "immediate": TESTING}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
              "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
              if TESTING else
              {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
               "LOCATION": str(VAR_DIR / "cache" / "ratelimit")}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "civicgrid",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING or env_bool("CIVICGRID_JOBS_IMMEDIATE", False),
    }

# Working calendar (see civicgrid.core.workcalendar): periods of a working day.
CIVICGRID_WORK_HOURS = os.environ.get("CIVICGRID_WORK_HOURS", "09:00-12:00,13:30-17:30")

# Area validation: overlaps and gaps smaller than this (square metres) are ignored.
CIVICGRID_AREA_TOLERANCE_M2 = float(os.environ.get("CIVICGRID_AREA_TOLERANCE_M2", "1.0"))

# Point → grid lookup: how long (seconds) a process trusts its in-memory grid index before
# asking the database whether boundaries changed. Changes made by this process apply at
# once; changes made by another process within this delay. 0 = ask on every lookup.
CIVICGRID_GRID_INDEX_RECHECK_SECONDS = 0.0 if TESTING else float(
    os.environ.get("CIVICGRID_GRID_INDEX_RECHECK_SECONDS", "1.0")
)
# Address matching: the same for the in-memory address matchers, whose check is an aggregate
# over all buildings (≈ 10 ms at 20,000). 0 = ask on every match.
CIVICGRID_ADDRESS_MATCHER_RECHECK_SECONDS = 0.0 if TESTING else float(
    os.environ.get("CIVICGRID_ADDRESS_MATCHER_RECHECK_SECONDS", "1.0")
)

# API bearer tokens: how long (seconds) a process reuses a token it has read, with its user and
# memberships, before reading them again. A token revoked, a user deactivated or a membership
# changed in another process takes effect within this delay (in this process at once when done
# through accounts.actions). 0 = read them on every request.
CIVICGRID_TOKEN_CACHE_SECONDS = 0.0 if TESTING else float(os.environ.get("CIVICGRID_TOKEN_CACHE_SECONDS", "5.0"))

# Event classes: how long (seconds) a process trusts its cached active classes before asking the
# database whether they changed (the counter ``case_classes``); changes made by this process
# apply at once. 0 = one query per lookup.
CIVICGRID_CATALOGUE_RECHECK_SECONDS = 0.0 if TESTING else float(
    os.environ.get("CIVICGRID_CATALOGUE_RECHECK_SECONDS", "1.0")
)

NINJA_PAGINATION_PER_PAGE = 100

# Request bodies (core.guards): six photos of 8 MB each, base64 in JSON (+ a third), and the text
# around them; ledgers and boundary files (50 MB) fit too. Larger requests answer 413 unread.
CIVICGRID_CASE_PHOTO_MAX_BYTES = env_int("CIVICGRID_CASE_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
CIVICGRID_MAX_BODY_BYTES = env_int("CIVICGRID_MAX_BODY_BYTES", 6 * CIVICGRID_CASE_PHOTO_MAX_BYTES * 4 // 3 + 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CIVICGRID_MAX_BODY_BYTES  # a JSON body is read into memory whole

# Anonymous filing per client address ("N/s|m|h|d", comma-separated windows; empty: no limit).
# Off under the test suite unless a test sets it.
CIVICGRID_RATE_LIMITS = {
    "public_report": os.environ.get("CIVICGRID_PUBLIC_REPORT_RATE", "" if TESTING else "5/m,30/h"),
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CIVICGRID_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CIVICGRID_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"

# Every log line goes through civicgrid.core.logging.RedactFilter: no query string of a
# personal-data search, no ID or mobile number (the development server's access lines included).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "civicgrid.core.logging.RedactFilter"}},
    "formatters": {"server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}",
                              "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["redact"]},
    },
    "loggers": {"django.server": {"handlers": ["server"], "level": "INFO", "propagate": False}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVICGRID_LOG_LEVEL", "WARNING")},
}

# Shown in the page header.
CIVICGRID_SITE_NAME = _("CivicGrid community grid platform")
