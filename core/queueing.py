"""Sending work to the Celery queue when the broker may be down (issue 15): a request that cannot queue its
work says so and leaves nothing half-started, instead of a 500 and a job "running" for ever."""

import logging
from collections.abc import Callable

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
QUEUE_ERRORS = (BrokerError, RedisError, ConnectionError, OSError)
QUEUE_DOWN = (
    "Không gửi được việc vào hàng đợi xử lý nền (máy chủ hàng đợi không trả lời). Chưa có gì được lưu; "
    "hãy thử lại sau ít phút, hoặc báo cho quản trị."
)


class QueueUnavailable(Exception):
    """The broker did not take the task; `message` is Vietnamese."""

    def __init__(self, message: str = QUEUE_DOWN):
        super().__init__(message)
        self.message = message


def send(task, *args, on_failure: Callable[[], None] | None = None) -> None:
    """`task.delay(*args)`; when the broker refuses, run `on_failure` (put the row back as it was) and raise
    QueueUnavailable."""
    try:
        task.delay(*args)
    except QUEUE_ERRORS as error:
        log.warning("could not queue %s%s: %s", task.name, args, error)
        if on_failure is not None:
            on_failure()
        raise QueueUnavailable() from error
