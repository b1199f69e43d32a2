"""The contract between `seed_demo` and each app's demo data.

`seed_demo` builds the demo tree and users, then calls every seeder registered here, in the order the apps are
installed (members, funds, awards, learning models): an app registers its `demo.seed` in its
`AppConfig.ready()` with `chapters.demo.register(seed)`. Each seed must be idempotent (a second run changes
nothing) and must write through the app's services so history and summaries are kept, refreshing summaries for
what it wrote.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from chapters.models import Unit


@dataclass
class DemoContext:
    province: Unit
    communes: list[Unit]  # today's three demo communes (the first one is the merged one)
    chapters: list[Unit]  # every open chapter and board under them
    users: dict[str, object]  # username → User (demo logins)
    today: datetime.date
    rng: random.Random = field(default_factory=lambda: random.Random(2025))
    historic_district: Unit | None = None  # closed on 30/06/2025
    # Closed old wards of the historic district; their lineage leads into today's communes (their funds are handed
    # over to communes[0]).
    merged_communes: list[Unit] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # lines printed at the end of seed_demo


SEEDERS: list[Callable[[DemoContext], None]] = []


def register(seed: Callable[[DemoContext], None]) -> None:
    """Add an app's demo seeder (called from its AppConfig.ready(); a second registration is ignored)."""
    if seed not in SEEDERS:
        SEEDERS.append(seed)
