"""The contract between `generate_dataset --scale ward|province|country` and each app's synthetic facts.

`generate_dataset` builds the tree and baseline figures of design.md §10, then calls every generator registered
here, in the order the apps are installed: an app registers its `dataset.generate` in its `AppConfig.ready()`
with `chapters.dataset.register(generate)`. Generators write in bulk (COPY on
PostgreSQL where it matters, bulk_create elsewhere) and call `summaries_refresh` once at the end for their
figures; they must finish within minutes on a 2-core machine.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DatasetContext:
    scale: str  # "ward", "province" or "country" (the country scale runs no generator: tree and baseline only)
    province_id: int
    commune_ids: list[int]
    chapter_ids: list[int]  # chapters and boards (the units facts belong to)
    years: list[int]  # the years to generate facts for, e.g. [2024, 2025]
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    counts: dict[str, int] = field(default_factory=dict)  # what was generated, printed at the end

    def share(self, total: int) -> dict[int, int]:
        """Split `total` facts over the chapters, unevenly like real data, summing exactly to `total`."""
        weights = [self.rng.uniform(0.5, 1.5) for _ in self.chapter_ids]
        scale = total / sum(weights)
        shares = [int(w * scale) for w in weights]
        shares[0] += total - sum(shares)
        return dict(zip(self.chapter_ids, shares, strict=True))


GENERATORS: list[Callable[[DatasetContext], None]] = []


def register(generate: Callable[[DatasetContext], None]) -> None:
    """Add an app's dataset generator (called from its AppConfig.ready(); a second registration is ignored)."""
    if generate not in GENERATORS:
        GENERATORS.append(generate)
