"""The quota's arithmetic without I/O: GCRA buckets, bursts, waits, pauses, and bad rules refused."""

from __future__ import annotations

import pytest

from providers.errors import QuotaWaitError
from providers.quota import AccountQuota, Bucket, LocalStore, Rule


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Sleeps:
    """Records the waits the quota asks for and moves the fake clock by them."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.now += seconds


async def reserved_at_once(store: LocalStore, bucket: Bucket, count: int) -> int:
    """How many of `count` reservations need no wait."""
    done = 0
    for _ in range(count):
        if await store.reserve([bucket], "pause", max_wait=0.0) is None:
            break
        done += 1
    return done


async def test_a_burst_then_slots_come_back_at_the_rate() -> None:
    clock = FakeClock()
    store = LocalStore(clock)
    bucket = Bucket("b", Rule(rate=2.0, burst=3))
    assert await reserved_at_once(store, bucket, 5) == 3
    clock.now += 0.5  # one slot at two per second
    assert await reserved_at_once(store, bucket, 5) == 1
    clock.now += 60  # a long idle period refills to the burst, not beyond
    assert await reserved_at_once(store, bucket, 10) == 3


async def test_waiting_callers_are_spaced_by_the_interval() -> None:
    clock = FakeClock()
    sleeps = Sleeps(clock)
    quota = AccountQuota(LocalStore(clock), "zenlayer", "acct", Rule(rate=10.0), sleep=sleeps)
    for _ in range(4):
        await quota.acquire("DescribeImages", max_wait=5.0)
    # Burst 1: the first goes at once, each next one 100 ms after the previous.
    assert sleeps.waits == pytest.approx([0.1, 0.1, 0.1])


async def test_the_account_and_the_action_rule_both_apply() -> None:
    clock = FakeClock()
    sleeps = Sleeps(clock)
    quota = AccountQuota(LocalStore(clock), "jdcloud", "acct", Rule(rate=10.0), {"describeImages": Rule(rate=2.0)},
                         sleep=sleeps)
    await quota.acquire("describeImages", max_wait=5.0)
    await quota.acquire("describeImages", max_wait=5.0)  # the action's 2/s is the tighter one
    await quota.acquire("describeDisks", max_wait=5.0)  # only the account's 10/s: 100 ms after the last call
    assert sleeps.waits == pytest.approx([0.5, 0.1])


async def test_no_slot_within_the_wait_reserves_nothing_and_raises() -> None:
    clock = FakeClock()
    store = LocalStore(clock)
    quota = AccountQuota(store, "zenlayer", "acct", Rule(rate=1.0), sleep=Sleeps(clock))
    await quota.acquire("DescribeImages", max_wait=0.0)
    with pytest.raises(QuotaWaitError) as raised:
        await quota.acquire("DescribeImages", max_wait=0.5)  # the next slot is 1 s away
    assert raised.value.code == "QUOTA_WAIT_EXCEEDED"
    clock.now += 1.0
    await quota.acquire("DescribeImages", max_wait=0.0)  # the refused call took no slot


async def test_a_pause_holds_every_action_of_the_account_even_without_rules() -> None:
    clock = FakeClock()
    sleeps = Sleeps(clock)
    quota = AccountQuota(LocalStore(clock), "zenlayer", "acct", sleep=sleeps)
    await quota.throttled("DescribeImages", 2.0)
    await quota.acquire("DescribeZones", max_wait=5.0)
    assert sleeps.waits == pytest.approx([2.0])
    with pytest.raises(QuotaWaitError):
        await quota.throttled("DescribeImages", 3.0)
        await quota.acquire("DescribeZones", max_wait=1.0)


def test_keys_name_provider_account_and_action_only() -> None:
    quota = AccountQuota(LocalStore(), "zenlayer", "0123abcd")
    assert quota.key("DescribeImages") == "cig:quota:v1:zenlayer:0123abcd:DescribeImages"
    assert quota.key(None) == "cig:quota:v1:zenlayer:0123abcd:*"


@pytest.mark.parametrize("rate", [0, -1.0])
def test_a_rate_that_would_never_refill_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        Rule(rate)


@pytest.mark.parametrize("burst", [0, -2])
def test_a_burst_below_one_is_refused(burst: int) -> None:
    # A bucket that can never hold one slot would make every call wait forever.
    with pytest.raises(ValueError, match="burst"):
        Rule(5.0, burst=burst)
