# Loaded by pytest before Django starts: tests run on the test settings, PostgreSQL by default (the production
# stack); DATABASE_URL=sqlite:///... runs them on the embedded default's database instead.
import os

os.environ.setdefault("KHUYENHOC_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/khuyenhoc")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("LOGIN_THROTTLE_ENABLED", "true")
