"""The cache backends of core.cache: the embedded default's shared file cache and production's Redis."""

from unittest import mock

import pytest

from core.cache import ResilientRedisCache, SharedFileCache


def test_file_cache_lists_its_directory_at_most_once_a_minute(tmp_path):
    cache = SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    with mock.patch.object(cache, "_list_cache_files", wraps=cache._list_cache_files) as listing:
        cache.set_many({f"k{i}": i for i in range(50)})
    assert listing.call_count == 1
    assert cache.get("k49") == 49  # nothing is lost between two culls


def test_file_cache_still_makes_room(tmp_path):
    cache = SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 2}})
    cache.CULL_INTERVAL = 0
    cache.set_many({f"k{i}": i for i in range(30)})
    assert len(cache._list_cache_files()) <= 11


REDIS = "redis://127.0.0.1:6379/15"  # the test run's Redis database (tests/integration uses it as the broker)


@pytest.fixture
def redis_cache():
    cache = ResilientRedisCache(REDIS, {"KEY_PREFIX": "test-core-cache"})
    yield cache
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match="test-core-cache:*", count=5000):
        client.delete(key)


def test_many_keys_are_written_with_their_expiry_and_the_server_answers_once_a_batch(redis_cache, monkeypatch):
    """Issue 19: a province-wide voucher file replaces ~10,000 roll-up tokens, twice. Django's `set_many` sends an
    EXPIRE per key and reads a reply for each; one script call per 5,000 keys answers once."""
    from redis.connection import AbstractConnection

    data = {f"token:{i}": f"{i:032x}" for i in range(12_000)}
    data.update({"count": 7, "kept": {"levels": [1, 2]}})
    replies = []
    real = AbstractConnection.read_response

    def read_response(self, *args, **kwargs):
        replies.append(1)
        return real(self, *args, **kwargs)

    redis_cache.get("warm")  # the connection made before counting
    monkeypatch.setattr(AbstractConnection, "read_response", read_response)
    redis_cache.set_many(data, timeout=60)
    monkeypatch.undo()
    assert len(replies) <= 3 * 3  # three batches; the script is loaded on the server once (NOSCRIPT, LOAD, retry)
    assert redis_cache.get_many(list(data)) == data
    client = redis_cache._cache.get_client(write=True)
    ttls = {client.ttl(redis_cache.make_key(key)) for key in ["token:0", "token:5000", "token:11999", "kept"]}
    assert all(0 < ttl <= 60 for ttl in ttls), ttls


def test_keys_kept_for_ever_or_for_no_time_are_written_as_django_writes_them(redis_cache):
    redis_cache.set_many({"for-ever": 1, "also": "x"}, timeout=None)
    redis_cache.set_many({"no-time": 1}, timeout=0)
    client = redis_cache._cache.get_client(write=True)
    assert client.ttl(redis_cache.make_key("for-ever")) == -1  # no expiry
    assert redis_cache.get_many(["for-ever", "also", "no-time"]) == {"for-ever": 1, "also": "x"}


def test_many_keys_written_while_redis_is_down_are_dropped_without_an_error():
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    try:
        assert cache.set_many({"a": 1, "b": 2}, timeout=60) == ["a", "b"]  # Django's answer: the keys not written
        assert cache.get("a") is None
    finally:
        ResilientRedisCache._outage = False  # the next cache reachable again would be emptied
