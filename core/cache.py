"""Cache helpers: Redis in production, degrading to computing when Redis is down, and the embedded default's
cache backend, files on disk shared by the web server and the worker (see settings.CACHES)."""

import logging
import threading
import time
from collections import OrderedDict

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class KeptEntries:
    """Entries this process read or computed lately, by key, in its own memory (issue 19: a province's tree and
    its five-year answer are 117 KB and 300 KB pickled, and every dashboard unpickled them from Redis again, ~2.3 ms
    of each province page). Nothing kept here can go stale: every key names what its value was computed under (the
    tree's version, the summaries' generation, the tokens a write beneath replaces, a `core.DataVersion` token), so
    after a change the entry is simply never asked for again. Values are shared by the process's requests and
    threads: keep them immutable (Levels are frozen, tuples). Bounded by weight (units of a tree, rows of an
    answer), the least recently used dropped first."""

    def __init__(self, budget: int):
        self.budget = budget
        self.entries: OrderedDict[str, tuple[object, int]] = OrderedDict()
        self.weight = 0
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            self.entries.move_to_end(key)
            return found[0]

    def put(self, key: str, value, weight: int) -> None:
        if weight > self.budget:
            return
        with self.lock:
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.weight -= previous[1]
            self.entries[key] = (value, weight)
            self.weight += weight
            while self.weight > self.budget:
                _key, (_value, dropped) = self.entries.popitem(last=False)
                self.weight -= dropped

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.weight = 0


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


class ScriptedRedisCacheClient(RedisCacheClient):
    """Django's Redis client, writing many keys with an expiry in one script call per `SET_MANY_BATCH` keys.

    Django's `set_many` sends MSET and then one EXPIRE per key: a server reply for every key, each read and parsed
    by the client (a province-wide voucher file replaces the roll-up tokens of ~10,000 units, twice). The script
    sets each key with its expiry on the server and answers once. A batch runs as one command on the server, which
    serves nobody else meanwhile: batches of 5,000 keys keep that short. Keys kept for ever (`timeout` None) or gone
    at once (0) go Django's way. Every key of a batch goes to the one server the client writes to (no
    Redis Cluster: the cache's LOCATION names single servers)."""

    SET_MANY_BATCH = 5000
    SET_MANY_SCRIPT = "for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1]) end"

    def set_many(self, data, timeout):
        if not timeout:
            return super().set_many(data, timeout)
        client = self.get_client(None, write=True)
        script = client.register_script(self.SET_MANY_SCRIPT)
        keys = list(data)
        for start in range(0, len(keys), self.SET_MANY_BATCH):
            batch = keys[start : start + self.SET_MANY_BATCH]
            script(keys=batch, args=[timeout, *(self._serializer.dumps(data[key]) for key in batch)], client=client)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that treats an unreachable Redis as an empty cache (issue 15: with Redis stopped the
    home page, the dashboards and the health page answered 500 although the database was fine).

    Every read is a miss and every write is dropped while Redis does not answer, so pages compute what they
    would have read: slower, never broken. Cached roll-ups stay correct because entries are named by tokens held
    in the database (docs/decisions.md), never invalidated by deleting them.
    """

    _last_warning = 0.0
    _outage = False  # set when a call failed: writes (new tokens of cached roll-ups) may have been lost

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ScriptedRedisCacheClient

    def _quietly(self, method: str, default, *args, **kwargs):
        try:
            if ResilientRedisCache._outage:
                # Back after an outage: entries written before it may be named by tokens that a write during the
                # outage failed to replace. Emptied once, they are computed again.
                super().clear()
                ResilientRedisCache._outage = False
                log.warning("cache reachable again: emptied after the outage")
            return getattr(super(), method)(*args, **kwargs)
        except RedisError as error:
            ResilientRedisCache._outage = True
            now = time.monotonic()
            if now - ResilientRedisCache._last_warning > 60:
                ResilientRedisCache._last_warning = now
                log.warning("cache unavailable, computing instead: %s", error)
            return default

    def get(self, key, default=None, version=None):
        return self._quietly("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._quietly("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._quietly("has_key", False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly("add", False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly("set", None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._quietly("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._quietly("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._quietly("delete_many", None, keys, version)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from error

    def clear(self):
        return self._quietly("clear", None)

    def ping(self) -> bool:
        """For the health page: does Redis answer?"""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except RedisError:
            return False
