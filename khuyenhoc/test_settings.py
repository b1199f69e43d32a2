"""Settings for pytest: the real settings module with test defaults in the environment.

pytest-django imports settings before any conftest.py runs, so the defaults are set here. Tests run on
PostgreSQL by default (the production stack); DATABASE_URL=sqlite:///... runs them on the embedded default's
database instead.
"""

import os

os.environ.setdefault("KHUYENHOC_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/khuyenhoc")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from khuyenhoc.settings import *  # noqa: E402,F403
