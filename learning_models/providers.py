"""Summary figures of the titles and the community learning centres' classes (design.md §3).

Per unit, year and title type: `titles.<code>.registered` (with an H1 row for registrations made by 30 June),
`titles.<code>.recognised` (recognised in the record's year), `titles.<code>.holding` (holding a valid title
that year: a 3-year recognition counts in each of its years, each subject once). Classes: `classes.count`,
`classes.sessions`, `classes.attendances` per year and first half (by the class's start date).
"""

from collections import defaultdict
from collections.abc import Mapping

from django.db.models import Count, F, Q, Sum

from chapters.figures import FLOW, STOCK, Figure, declare, declare_area, declare_pattern
from chapters.summaries import SummaryProvider, register

TITLE_MEASURES = {
    "registered": "đăng ký",
    "recognised": "được công nhận trong năm",
    "holding": "đang giữ danh hiệu",
}
# Registrations and recognitions happen in a period (flows: a term counts each year's); holding a valid title is
# a state at the period's end (a stock: a term reads its last year). Recognition decisions come at the year's
# end, so the first half has registrations only.
TITLE_KINDS = {
    "registered": (FLOW, ("Y", "H1", "term")),
    "recognised": (FLOW, ("Y", "term")),
    "holding": (STOCK, ("Y", "term")),
}
CLASSES = declare_area("classes", "Lớp học cộng đồng")
TITLES = declare_area("titles", "Danh hiệu học tập")
CLASS_FIGURES = declare(
    Figure("classes.count", "Lớp học cộng đồng", unit="lớp", short="Lớp TTHTCĐ", card="Lớp học cộng đồng"),
    Figure("classes.sessions", "Buổi học cộng đồng", unit="buổi"),
    Figure("classes.attendances", "Lượt người học cộng đồng", unit="lượt người"),
    area=CLASSES,
)


def title_figure(key: str) -> Figure | None:
    """The declaration of `titles.<code>.<measure>` (title types are data: declared by pattern)."""
    measure = key.rsplit(".", 1)[-1]
    if key.count(".") < 2 or measure not in TITLE_MEASURES:
        return None
    kind, periods = TITLE_KINDS[measure]
    return Figure(key, f"{key.split('.')[1]}: {TITLE_MEASURES[measure]}", kind=kind, periods=periods)


declare_pattern("titles.", title_figure, area=TITLES)


class TitleFigures(Mapping):
    """The titles figures depend on the title types in the database, so they are listed when asked for; a key
    is recognised as ours without a query (`in` is asked for every figure of every unit in a roll-up)."""

    def _labels(self) -> dict[str, str]:
        from learning_models.models import TitleType

        return {
            f"titles.{code}.{measure}": f"{name}: {label}"
            for code, name in TitleType.objects.order_by("order", "code").values_list("code", "name")
            for measure, label in TITLE_MEASURES.items()
        }

    def __getitem__(self, key):
        return self._labels()[key]

    def __iter__(self):
        return iter(self._labels())

    def __len__(self):
        return len(self._labels())

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and key.startswith("titles.") and key.rsplit(".", 1)[-1] in TITLE_MEASURES


def compute_titles(unit_ids, years):
    from learning_models.models import TitleRecord, TitleType

    years = sorted(set(years))
    if not years:
        return
    records = TitleRecord.objects.all()
    if unit_ids is not None:
        records = records.filter(unit_id__in=unit_ids)
    codes = dict(TitleType.objects.values_list("pk", "code"))
    multi_year = set(TitleType.objects.filter(years_valid__gt=1).values_list("pk", flat=True))

    counted = (
        records.filter(year__in=years)
        .values("unit_id", "year", "title_type_id")
        .annotate(
            registered=Count("pk"),
            recognised=Count("pk", filter=Q(status=TitleRecord.Status.RECOGNISED)),
        )
    )
    for row in counted:
        code = codes[row["title_type_id"]]
        unit_id, year = row["unit_id"], row["year"]
        yield unit_id, year, "Y", f"titles.{code}.registered", row["registered"]
        yield unit_id, year, "Y", f"titles.{code}.recognised", row["recognised"]
        if row["title_type_id"] not in multi_year:
            yield unit_id, year, "Y", f"titles.{code}.holding", row["recognised"]
    # Registrations made by 30 June, for the interim report (a registration dated the year before counts too).
    early = (
        records.filter(year__in=years)
        .filter(Q(registered_on__year__lt=F("year")) | Q(registered_on__year=F("year"), registered_on__month__lte=6))
        .values("unit_id", "year", "title_type_id")
        .annotate(n=Count("pk"))
    )
    for row in early:
        yield row["unit_id"], row["year"], "H1", f"titles.{codes[row['title_type_id']]}.registered", row["n"]

    # Multi-year titles: each subject holding a valid recognition in the year, once.
    if multi_year:
        holders: dict[tuple[int, int, int], set] = defaultdict(set)
        rows = records.filter(
            title_type_id__in=multi_year,
            status=TitleRecord.Status.RECOGNISED,
            year__lte=years[-1],
            valid_until_year__gte=years[0],
        ).values_list(
            "unit_id",
            "title_type_id",
            "year",
            "valid_until_year",
            "subject_unit_id",
            "clan_id",
            "household_id",
            "member_id",
            "search_key",
        )
        for unit_id, type_id, first, last, *subject in rows:
            for year in years:
                if first <= year <= last:
                    holders[(unit_id, year, type_id)].add(tuple(subject))
        for (unit_id, year, type_id), subjects in holders.items():
            yield unit_id, year, "Y", f"titles.{codes[type_id]}.holding", len(subjects)


def compute_classes(unit_ids, years):
    from learning_models.models import LearningClass

    classes = LearningClass.objects.filter(starts_on__year__in=list(years))
    if unit_ids is not None:
        classes = classes.filter(unit_id__in=unit_ids)
    first_half = Q(starts_on__month__lte=6)
    rows = classes.values("unit_id", "starts_on__year").annotate(
        y_count=Count("pk"),
        y_sessions=Sum("sessions"),
        y_attendances=Sum("attendances"),
        h1_count=Count("pk", filter=first_half),
        h1_sessions=Sum("sessions", filter=first_half),
        h1_attendances=Sum("attendances", filter=first_half),
    )
    for row in rows:
        unit_id, year = row["unit_id"], row["starts_on__year"]
        for name in ("count", "sessions", "attendances"):
            yield unit_id, year, "Y", f"classes.{name}", row[f"y_{name}"] or 0
            yield unit_id, year, "H1", f"classes.{name}", row[f"h1_{name}"] or 0


titles_provider = SummaryProvider(name="titles", figures=TitleFigures(), compute=compute_titles)
classes_provider = SummaryProvider(name="classes", figures=CLASS_FIGURES, compute=compute_classes)


def register_all():
    register(titles_provider)
    register(classes_provider)
