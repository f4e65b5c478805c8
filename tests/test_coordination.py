"""Test cross-node slots and single-flight locks on a real Redis, and their in-process twins."""

from __future__ import annotations

import time

import pytest
import redis

from tunemeter import coordination


@pytest.fixture
def two_nodes(redis_url):
    """Two independent Redis clients: what two app nodes would each hold."""
    return redis.Redis.from_url(redis_url), redis.Redis.from_url(redis_url)


def test_download_slots_are_counted_across_nodes_and_released_once(two_nodes):
    a, b = (coordination.RedisSlots(c) for c in two_nodes)
    taken = [a.take("download", 7, 3), b.take("download", 7, 3), a.take("download", 7, 3)]
    assert all(taken)
    assert b.take("download", 7, 3) is None  # the fourth, on either node, is refused
    assert a.take("download", 8, 3) is not None  # another customer is not affected
    taken[0]()
    taken[0]()  # twice is once
    assert a.in_use("download", 7) == 2
    assert b.take("download", 7, 3) is not None
    assert b.take("download", 7, 3) is None


def test_a_dead_nodes_slots_expire(two_nodes, monkeypatch):
    a = coordination.RedisSlots(two_nodes[0])
    monkeypatch.setattr(coordination, "SLOT_TTL_SECONDS", 1)
    assert a.take("download", 9, 1) is not None  # never released: its node died
    assert a.take("download", 9, 1) is None
    time.sleep(1.1)
    assert a.take("download", 9, 1) is not None


def test_an_encode_lock_is_held_by_one_node_with_increasing_fences(two_nodes):
    first = coordination.RedisLock(two_nodes[0], "encode:k", ttl_seconds=5)
    second = coordination.RedisLock(two_nodes[1], "encode:k", ttl_seconds=5)
    assert first.acquire() and not second.acquire()
    assert second.held()
    second.release()  # not its lock: nothing happens
    assert first.held()
    first.release()
    assert not second.held() and second.acquire()
    assert second.fence == first.fence + 1
    second.release()


def test_a_lock_is_renewed_while_held_and_lapses_when_its_node_dies(two_nodes):
    lock = coordination.RedisLock(two_nodes[0], "encode:r", ttl_seconds=0.6)
    assert lock.acquire()
    time.sleep(1.5)  # past the TTL: the renewal thread kept it
    assert lock.held()
    lock._stop.set()  # the node "dies": no more renewals
    time.sleep(1.0)
    assert not lock.held()


def test_settings_pick_redis_or_in_process(redis_url, settings):
    settings.REDIS_URL = ""
    assert isinstance(coordination.slots(), coordination.LocalSlots)
    assert isinstance(coordination.encode_lock("x"), coordination.LocalLock)
    settings.REDIS_URL = redis_url
    assert isinstance(coordination.slots(), coordination.RedisSlots)
    assert isinstance(coordination.encode_lock("x"), coordination.RedisLock)


def test_in_process_slots_and_locks():
    slots = coordination.LocalSlots()
    release = slots.take("download", 1, 1)
    assert release and slots.take("download", 1, 1) is None
    release()
    assert slots.take("download", 1, 1) is not None
    a, b = coordination.LocalLock("n"), coordination.LocalLock("n")
    assert a.acquire() and not b.acquire() and b.held()
    b.release()
    assert a.held()
    a.release()
    assert not a.held()
