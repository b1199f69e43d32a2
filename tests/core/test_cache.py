"""The embedded default's shared file cache (core.cache)."""

from unittest import mock

from core.cache import SharedFileCache


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
