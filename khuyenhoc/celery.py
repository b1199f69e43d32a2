import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khuyenhoc.settings")

app = Celery("khuyenhoc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker's own health task lives outside the apps' tasks.py modules.
app.autodiscover_tasks(["chapters"], related_name="tasks_system")
