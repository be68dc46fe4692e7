"""Which of a caller's sessions a list reads: the domain's query, whatever stores them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListQuery:
    """A status, a window of start times, or both; none of them is every session."""

    status: str | None = None
    starts_from: str | None = None  # inclusive, normalised UTC
    starts_before: str | None = None  # exclusive

    @property
    def by_start(self) -> bool:
        """Earliest start first (a window), rather than newest first."""
        return self.starts_from is not None or self.starts_before is not None
