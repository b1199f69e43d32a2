"""Cache helpers: the embedded default's cache backend, files on disk shared by the web server and the worker
(see settings.CACHES)."""

import time

from django.core.cache.backends.filebased import FileBasedCache


class SharedFileCache(FileBasedCache):
    """Django's file cache, making room at most once a minute.

    Django's version lists the whole directory before every write to see whether it is full; a province's
    dashboard writes a few hundred cached totals at once (chapters.summaries), which would list it hundreds of
    times. Entries still expire, and the cache still keeps to MAX_ENTRIES within a minute's writes.
    """

    CULL_INTERVAL = 60.0
    _last_cull = 0.0

    def _cull(self):
        now = time.monotonic()
        if now - self._last_cull < self.CULL_INTERVAL:
            return
        self._last_cull = now
        super()._cull()
