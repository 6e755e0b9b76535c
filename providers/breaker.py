"""Circuit breakers, one per provider and location, so a location that keeps failing is skipped fast.

    CLOSED     calls go through; `failure_threshold` failed calls in a row open the circuit
    OPEN       calls are refused at once (CircuitOpenError, with the time of the next probe) for
               `open_seconds`; the cache may answer them with stale data instead
    HALF_OPEN  after that, one call at a time is let through as a probe: success closes the circuit,
               failure opens it again for another `open_seconds`

Only failures that say the provider cannot answer (`UnavailableError`: 5xx, timeouts, resets,
unreadable bodies, the operation deadline) count. Throttling is the quota's business, and a
not-found or a refused parameter is a correct answer. A call counts once, after its retries: the
retries already absorbed a blip. State is per process; each replica learns on its own, which costs
at most `failure_threshold` failed calls per replica.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class CircuitState(enum.Enum):
    CLOSED = "closed"
    HALF_OPEN = "half_open"
    OPEN = "open"


@dataclass
class _Circuit:
    state: CircuitState = CircuitState.CLOSED
    failures: int = 0
    opened_at: float = 0.0  # monotonic
    probing: bool = False


@dataclass(frozen=True, slots=True)
class Admission:
    """The breaker's answer for one call: allowed (maybe as the probe), or refused until `retry_at`."""

    allowed: bool
    probe: bool = False
    retry_at: float = 0.0  # epoch seconds; meaningful when refused


@dataclass
class Breakers:
    failure_threshold: int = 5
    open_seconds: float = 30.0
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    on_change: Callable[[str, str | None, CircuitState], None] | None = None  # for metrics
    _circuits: dict[tuple[str, str | None], _Circuit] = field(default_factory=dict)

    def admit(self, provider: str, location: str | None) -> Admission:
        circuit = self._circuits.get((provider, location))
        if circuit is None or circuit.state is CircuitState.CLOSED:
            return Admission(True)
        elapsed = self.clock() - circuit.opened_at
        if circuit.state is CircuitState.OPEN and elapsed >= self.open_seconds:
            self._set(provider, location, circuit, CircuitState.HALF_OPEN)
        if circuit.state is CircuitState.HALF_OPEN and not circuit.probing:
            circuit.probing = True
            return Admission(True, probe=True)
        retry_in = max(0.0, self.open_seconds - elapsed)
        return Admission(False, retry_at=self.wall_clock() + retry_in)

    def is_open(self, provider: str, location: str | None) -> bool:
        """True while calls would be refused; a retry loop checks it so it stops once others opened it."""
        circuit = self._circuits.get((provider, location))
        return circuit is not None and circuit.state is CircuitState.OPEN

    def succeeded(self, provider: str, location: str | None) -> None:
        circuit = self._circuits.get((provider, location))
        if circuit is None:
            return
        circuit.failures = 0
        circuit.probing = False
        if circuit.state is not CircuitState.CLOSED:
            self._set(provider, location, circuit, CircuitState.CLOSED)

    def failed(self, provider: str, location: str | None) -> None:
        circuit = self._circuits.setdefault((provider, location), _Circuit())
        circuit.failures += 1
        if circuit.state is CircuitState.HALF_OPEN or circuit.failures >= self.failure_threshold:
            circuit.opened_at = self.clock()
            circuit.probing = False
            if circuit.state is not CircuitState.OPEN:
                self._set(provider, location, circuit, CircuitState.OPEN)

    def released(self, provider: str, location: str | None) -> None:
        """A probe ended without a verdict (throttled, refused parameters): let the next call probe."""
        circuit = self._circuits.get((provider, location))
        if circuit is not None:
            circuit.probing = False

    def states(self) -> dict[tuple[str, str | None], CircuitState]:
        """Every circuit that ever failed, with its state as callers would now see it."""
        out: dict[tuple[str, str | None], CircuitState] = {}
        for key, circuit in self._circuits.items():
            state = circuit.state
            if state is CircuitState.OPEN and self.clock() - circuit.opened_at >= self.open_seconds:
                state = CircuitState.HALF_OPEN  # the next call will probe
            out[key] = state
        return out

    def _set(self, provider: str, location: str | None, circuit: _Circuit, state: CircuitState) -> None:
        circuit.state = state
        if self.on_change is not None:
            self.on_change(provider, location, state)


__all__ = ["Admission", "Breakers", "CircuitState"]
