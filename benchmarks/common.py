"""What the benchmarks share: their own database, the dataset they measure, the spread of runs and a results file.

A benchmark never writes docs/benchmarks.md: it writes `benchmarks/results/<name>.md` (the command, the date, the
database it really ran on, the load average, the figures); a person copies what is worth keeping into the docs.
"""

import datetime
import os
import shlex
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


# Redis as the benchmarks' cache (as in production), apart from the tests' and the application's databases.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


def configure(url_variable: str, default_url: str, **extra: str) -> str:
    """Point Django at the benchmark's own database (before django.setup()); returns its address."""
    url = os.environ.get(url_variable, default_url)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="khuyenhoc.settings",
        KHUYENHOC_ENV="development",
        DJANGO_DEBUG="false",
        DATABASE_URL=url,
        **extra,
    )
    if "REDIS_URL" not in extra:
        os.environ.pop("REDIS_URL", None)
    return url


def database_name() -> str:
    """The database this process really reads, as Django connected to it."""
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def dataset_units():
    """The units `generate_dataset` made (it marks every one of them)."""
    from chapters.management.commands.generate_dataset import MARKER
    from chapters.models import Unit

    return Unit.objects.filter(notes=MARKER)


def require_dataset() -> None:
    """Refuse to measure (and so to touch) a database that `generate_dataset` did not fill."""
    if not dataset_units().exists():
        raise SystemExit(
            f"Cơ sở dữ liệu {database_name()} không có dữ liệu của generate_dataset: không đo trên dữ liệu thật. "
            "Chạy `generate_dataset` trên một cơ sở dữ liệu riêng rồi chạy lại."
        )


def dataset_province():
    """The province the dataset was generated in (whatever `--province` was), read from its units."""
    from chapters.models import Unit

    unit = dataset_units().order_by("pk").first()
    if unit is None:
        require_dataset()
    return Unit.objects.get(pk__in=unit.ancestor_ids, level=Unit.Level.PROVINCE)


def spread(values: list[float]) -> tuple[float, float, float]:
    """(min, median, max) of several runs."""
    return min(values), statistics.median(values), max(values)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # not every platform has it
        return "không rõ"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def write_results(name: str, lines: list[str]) -> Path:
    """Write a run's section to benchmarks/results/<name>.md, headed by how it was produced; print it too."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    head = [
        f"<!-- {name}: copy what is worth keeping into docs/benchmarks.md by hand -->",
        "",
        f"- Lệnh: `{shlex.join(['python', *sys.argv])}`",
        f"- Lúc: {datetime.datetime.now():%d/%m/%Y %H:%M}; tải trung bình (1/5/15 phút): {load_average()}",
        f"- Cơ sở dữ liệu: `{database_name()}`",
    ]
    text = "\n".join(head + lines).rstrip() + "\n"
    path.write_text(text)
    print(text)
    print(f"Đã ghi {path}", file=sys.stderr)
    return path
