"""Circuit breaker states on a fake clock."""

from __future__ import annotations

from providers.breaker import Breakers, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breakers(clock: Clock, changes: list[CircuitState] | None = None) -> Breakers:
    record = (lambda provider, location, state: changes.append(state)) if changes is not None else None
    return Breakers(failure_threshold=3, open_seconds=10.0, clock=clock, wall_clock=lambda: 5000.0, on_change=record)


def test_failures_in_a_row_open_and_a_success_resets_the_count() -> None:
    clock = Clock()
    b = breakers(clock)
    b.failed("jdcloud", "cn-north-1")
    b.failed("jdcloud", "cn-north-1")
    b.succeeded("jdcloud", "cn-north-1")
    b.failed("jdcloud", "cn-north-1")
    b.failed("jdcloud", "cn-north-1")
    assert b.admit("jdcloud", "cn-north-1").allowed
    b.failed("jdcloud", "cn-north-1")
    refused = b.admit("jdcloud", "cn-north-1")
    assert not refused.allowed and refused.retry_at == 5010.0
    assert b.admit("jdcloud", "cn-east-2").allowed  # per location
    assert b.admit("zenlayer", "cn-north-1").allowed  # and per provider


def test_one_probe_at_a_time_half_opens_then_closes_or_reopens() -> None:
    clock = Clock()
    changes: list[CircuitState] = []
    b = breakers(clock, changes)
    for _ in range(3):
        b.failed("jdcloud", "r")
    clock.now += 10.0
    assert b.states()[("jdcloud", "r")] is CircuitState.HALF_OPEN
    probe = b.admit("jdcloud", "r")
    assert probe.allowed and probe.probe
    assert not b.admit("jdcloud", "r").allowed  # while the probe runs
    b.failed("jdcloud", "r")  # the probe failed: open again for a full period
    assert not b.admit("jdcloud", "r").allowed
    clock.now += 10.0
    assert b.admit("jdcloud", "r").probe
    b.succeeded("jdcloud", "r")
    assert b.admit("jdcloud", "r").allowed and b.states()[("jdcloud", "r")] is CircuitState.CLOSED
    assert changes == [CircuitState.OPEN, CircuitState.HALF_OPEN, CircuitState.OPEN, CircuitState.HALF_OPEN,
                       CircuitState.CLOSED]


def test_a_probe_without_a_verdict_lets_the_next_call_probe() -> None:
    clock = Clock()
    b = breakers(clock)
    for _ in range(3):
        b.failed("jdcloud", "r")
    clock.now += 10.0
    assert b.admit("jdcloud", "r").probe
    b.released("jdcloud", "r")  # e.g. throttled: says nothing about the outage
    assert b.admit("jdcloud", "r").probe
