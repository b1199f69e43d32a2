"""The country before 1 July 2025 (`load_divisions --history`, issue 14): 63 provinces, their districts and
communes, closed on 30/06/2025, with the lineage from each to today's units.

The source is the `vietnamadminunits` package (MIT): its SQLite data set holds the legacy list (codes, names,
kinds, coordinates) and its conversion table maps every old commune to the new one(s), marking the default
successor of a divided commune. Today's units themselves come from `vietnam-provinces` (load_divisions); the
two packages disagree on ~120 of today's commune codes, so a new commune of the conversion table is found among
the loaded units by its province and name (docs/decisions.md).

How the old tree is written:
- a province whose code today's list kept carried on: its unit (loaded opening on 01/07/2025) is backdated and
  keeps its old name for the days before the reform; the other old provinces merge into it;
- every district and commune is a unit open until 30/06/2025 under its old parent; a commune's lineage names
  the new commune(s) it went to (merge, or split with one primary successor); a district's names today's
  province (its own facts follow the province association), or, for an island district without communes, the
  special zone it became;
- units an officer keyed in by hand (same level and code, open on 30/06/2025) are adopted, not duplicated;
  those still open are merged or split with the tree's services, so their chapters follow the lineage.
New units are written with the bulk path (chapters.services.tree.units_create) that writes the same rows as
`unit_create`; nothing is written twice, so a second run changes nothing.
"""

import datetime
import importlib.util
import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import CommandError
from django.db.models import Q

from chapters.models import Lineage, Unit
from chapters.services import tree as tree_services
from chapters.services.tree import lineages_create, unit_build, units_create, units_set_coordinates
from chapters.summaries import summaries_refresh
from core.text import nfc

REFORM_DAY = datetime.date(2025, 7, 1)
LAST_DAY = REFORM_DAY - datetime.timedelta(days=1)
DECISION = "Nghị quyết số 202/2025/QH15 và các nghị quyết sắp xếp đơn vị hành chính cấp xã năm 2025"
PACKAGE = "vietnamadminunits"


@dataclass(frozen=True)
class OldDivision:
    code: str
    name: str
    division_type: str
    parent_code: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class NewCommune:
    """A commune of today's list as the conversion table names it."""

    province_code: str
    code: str
    name: str
    latitude: float | None
    longitude: float | None


@dataclass
class HistorySource:
    provinces: list[OldDivision]
    districts: list[OldDivision]
    communes: list[OldDivision]
    province_successor: dict[str, str]  # old province code → today's province code
    commune_successors: dict[str, list[tuple[NewCommune, bool]]]  # old commune code → [(new commune, primary)]
    district_successor: dict[str, NewCommune] = field(default_factory=dict)  # island districts → special zone
    new_provinces: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    new_communes: list[NewCommune] = field(default_factory=list)


def _data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # the package's data only: its modules need shapely and geopy
    if spec is None or not spec.submodule_search_locations:
        raise CommandError(
            f"Chưa cài gói {PACKAGE} (danh mục đơn vị hành chính trước 01/07/2025): "
            f"hãy cài bằng «pip install {PACKAGE}»."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _kind(value: str) -> str:
    return nfc(value or "").strip().lower()


def history_source() -> HistorySource:
    """The legacy divisions and the 2025 conversion table, read from the package's data files."""
    data = _data_dir()
    with sqlite3.connect(data / "dataset.db") as conn:
        legacy = conn.execute(
            "SELECT provinceCode, province, provinceLat, provinceLon, provinceKey, districtCode, district, "
            "districtType, districtLat, districtLon, districtKey, wardCode, ward, wardType, wardLat, wardLon, wardKey "
            "FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
        today = conn.execute(
            "SELECT provinceCode, provinceLat, provinceLon, provinceKey, wardCode, ward, wardLat, wardLon, wardKey "
            "FROM admin_units ORDER BY wardCode"
        ).fetchall()
    table = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))

    provinces: dict[str, OldDivision] = {}
    districts: dict[str, OldDivision] = {}
    communes: dict[str, OldDivision] = {}
    old_by_key: dict[str, tuple[str, str]] = {}  # "province_district_ward" → ("commune"|"district", code)
    province_by_key: dict[str, str] = {}
    for row in legacy:
        (
            pcode,
            pname,
            plat,
            plon,
            pkey,
            dcode,
            dname,
            dtype,
            dlat,
            dlon,
            dkey,
            wcode,
            wname,
            wtype,
            wlat,
            wlon,
            wkey,
        ) = row
        province_by_key[pkey] = pcode
        pname = nfc(pname)
        ptype = "thành phố" if pname.lower().startswith("thành phố") else "tỉnh"
        provinces.setdefault(pcode, OldDivision(pcode, pname, ptype, None, plat, plon))
        districts.setdefault(dcode, OldDivision(dcode, nfc(dname), _kind(dtype), pcode, dlat, dlon))
        if wcode:
            communes[wcode] = OldDivision(wcode, nfc(wname), _kind(wtype), dcode, wlat, wlon)
            old_by_key[f"{pkey}_{dkey}_{wkey}"] = ("commune", wcode)
        else:  # an island district without communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo)
            old_by_key[f"{pkey}_{dkey}_"] = ("district", dcode)

    new_by_key: dict[tuple[str, str], NewCommune] = {}
    new_provinces: dict[str, tuple[float | None, float | None]] = {}
    new_province_by_key: dict[str, str] = {}
    for pcode, plat, plon, pkey, wcode, wname, wlat, wlon, wkey in today:
        new_by_key[(pkey, wkey)] = NewCommune(pcode, wcode, nfc(wname), wlat, wlon)
        new_provinces.setdefault(pcode, (plat, plon))
        new_province_by_key[pkey] = pcode

    province_successor = {}
    for new_key, old_keys in table["DICT_PROVINCE"].items():
        for old_key in old_keys:
            province_successor[province_by_key[old_key]] = new_province_by_key[new_key]

    commune_successors: dict[str, list[tuple[NewCommune, bool]]] = {}
    district_successor: dict[str, NewCommune] = {}
    for new_pkey, wards in table["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, old_keys in wards.items():
            new = new_by_key[(new_pkey, new_wkey)]
            for old_key in old_keys:
                level, code = old_by_key[old_key]
                if level == "district":
                    district_successor[code] = new
                else:
                    commune_successors[code] = [(new, True)]
    for new_pkey, olds in table["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in olds.items():
            level, code = old_by_key[old_key]
            commune_successors[code] = [
                (new_by_key[(new_pkey, part["newWardKey"])], bool(part["isDefaultNewWard"])) for part in parts
            ]
    return HistorySource(
        provinces=list(provinces.values()),
        districts=list(districts.values()),
        communes=list(communes.values()),
        province_successor=province_successor,
        commune_successors=commune_successors,
        district_successor=district_successor,
        new_provinces=new_provinces,
        new_communes=list(new_by_key.values()),
    )


# Matching the conversion table's new communes to the loaded ones ---------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_TYPES = re.compile(r"^(xã|phường|thị trấn|đặc khu)\s+")


def name_key(name: str) -> str:
    """A name with each word's tone mark moved to its end: "Thủy" and "Thuỷ" (old and new spelling) match,
    "Sơn Hà" and "Sơn Hạ" do not."""
    words = []
    for word in re.sub(r"[-–—]", " ", nfc(name).lower()).split():
        decomposed = unicodedata.normalize("NFD", word)
        tones = "".join(ch for ch in decomposed if ch in _TONES)
        rest = "".join(ch for ch in decomposed if ch not in _TONES)
        words.append(unicodedata.normalize("NFC", rest) + tones)
    return " ".join(words)


def _bare_key(name: str) -> str:
    """The name without its kind and punctuation ("Xã Ea H'Leo" → "ea hleo")."""
    return re.sub(r"['’`]", "", _TYPES.sub("", name_key(name)))


class CommuneMatcher:
    """Finds today's loaded commune unit for a commune of the conversion table: by province and name, then by
    name without its kind, then by code."""

    def __init__(self):
        rows = (
            Unit.objects.filter(kind=Unit.Kind.ASSOCIATION, level=Unit.Level.COMMUNE)
            .open_on(REFORM_DAY)
            .values_list("pk", "code", "name", "parent__code")
        )
        self.by_name: dict[tuple, list[int]] = defaultdict(list)
        self.by_bare: dict[tuple, list[int]] = defaultdict(list)
        self.by_code: dict[tuple, int] = {}
        for pk, code, name, province_code in rows:
            self.by_name[(province_code, name_key(name))].append(pk)
            self.by_bare[(province_code, _bare_key(name))].append(pk)
            self.by_code[(province_code, code)] = pk

    def find(self, commune: NewCommune) -> int | None:
        for index, key in ((self.by_name, name_key), (self.by_bare, _bare_key)):
            found = index.get((commune.province_code, key(commune.name)), [])
            if len(found) == 1:
                return found[0]
        return self.by_code.get((commune.province_code, commune.code))


# Loading ----------------------------------------------------------------------------------------------------


@dataclass
class HistoryCounts:
    levels: dict[str, dict[str, int]] = field(
        default_factory=lambda: {
            level: {"total": 0, "opened": 0, "adopted": 0, "carried_on": 0}
            for level in (Unit.Level.PROVINCE, Unit.Level.DISTRICT, Unit.Level.COMMUNE)
        }
    )
    lineages: int = 0
    merged_by_service: int = 0
    coordinates: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.lineages
            or self.merged_by_service
            or self.coordinates
            or any(c["opened"] or c["carried_on"] for c in self.levels.values())
        )


def _old_units(level: str) -> dict[str, Unit]:
    """Units of `level` open on 30/06/2025, by code: loaded before, or keyed in by an officer."""
    units = Unit.objects.filter(kind=Unit.Kind.ASSOCIATION, level=level).open_on(LAST_DAY)
    return {unit.code: unit for unit in units.order_by("active_until", "pk")}


def history_load(source: HistorySource, *, only: str | None, reason: str) -> HistoryCounts:
    """Write the pre-reform tree (see the module docstring). Run inside a transaction."""
    counts = HistoryCounts()
    today_provinces = {
        u.code: u
        for u in Unit.objects.filter(kind=Unit.Kind.ASSOCIATION, level=Unit.Level.PROVINCE).open_on(REFORM_DAY)
    }
    old_provinces = [p for p in source.provinces if not only or source.province_successor[p.code] == only]
    missing = sorted({source.province_successor[p.code] for p in old_provinces} - set(today_provinces))
    if missing:
        raise CommandError(
            f"Chưa có các tỉnh, thành phố hiện hành mã {', '.join(missing)}: hãy chạy load_divisions trước."
        )
    province_codes = {p.code for p in old_provinces}
    old_districts = [d for d in source.districts if d.parent_code in province_codes]
    district_codes = {d.code for d in old_districts}
    old_communes = [c for c in source.communes if c.parent_code in district_codes]
    _check_codes(old_provinces + old_districts + old_communes, today_provinces)

    created: list[Unit] = []
    touched: list[int] = []

    # Provinces: the one whose code today's list kept carries on, the others are units of their own.
    existing = _old_units(Unit.Level.PROVINCE)
    province_units: dict[str, Unit] = {}
    new = []
    for division in old_provinces:
        level_counts = counts.levels[Unit.Level.PROVINCE]
        level_counts["total"] += 1
        successor_code = source.province_successor[division.code]
        if successor_code == division.code:
            unit = today_provinces[division.code]
            if unit.active_from is not None and unit.active_from > LAST_DAY:
                tree_services.unit_backdate(
                    unit, since=None, name=division.name, code=division.code, reason=reason, refresh_summaries=False
                )
                level_counts["carried_on"] += 1
                touched.append(unit.pk)
            province_units[division.code] = unit
        elif division.code in existing:
            province_units[division.code] = existing[division.code]
            level_counts["adopted"] += 1
        else:
            new.append(_build(division, Unit.Level.PROVINCE, parent=None))
    for unit in units_create(new, reason=reason):
        province_units[unit.code] = unit
        created.append(unit)
    counts.levels[Unit.Level.PROVINCE]["opened"] += len(new)

    district_units = _load_level(
        old_districts, Unit.Level.DISTRICT, province_units, counts=counts, created=created, reason=reason
    )
    commune_units = _load_level(
        old_communes, Unit.Level.COMMUNE, district_units, counts=counts, created=created, reason=reason
    )

    # Lineage, bottom up: units still open after the reform (keyed in by hand) merge or split with the tree's
    # services, so what is open under them follows; the others get their lineage rows in bulk.
    matcher = CommuneMatcher()
    has_lineage = set(
        Lineage.objects.filter(
            predecessor__in=[
                u.pk for u in [*commune_units.values(), *district_units.values(), *province_units.values()]
            ]
        ).values_list("predecessor_id", flat=True)
    )
    links: list[Lineage] = []
    targets: dict[int, Unit] = {}

    def target(pk: int) -> Unit:
        if pk not in targets:
            targets[pk] = Unit.objects.get(pk=pk)
        return targets[pk]

    for division in old_communes:
        unit = commune_units[division.code]
        if unit.pk in has_lineage:
            continue
        parts = []
        for new_commune, primary in source.commune_successors.get(division.code, []):
            pk = matcher.find(new_commune)
            if pk is None:
                counts.warnings.append(
                    f"Không tìm thấy {new_commune.name} (mã {new_commune.code}) trong danh mục hiện hành: "
                    f"{division.name} chưa có đơn vị kế thừa này."
                )
                continue
            parts.append((pk, primary))
        if not parts:
            continue
        if not any(primary for _pk, primary in parts):
            parts[0] = (parts[0][0], True)
        primary_pk = next(pk for pk, primary in parts if primary)
        if unit.active_until is None or unit.active_until > LAST_DAY:
            if len(parts) == 1:
                tree_services.unit_merge(
                    predecessors=[unit], successor=target(primary_pk), on=REFORM_DAY, decision=DECISION
                )
            else:
                tree_services.unit_split(
                    predecessor=unit,
                    successors=[target(pk) for pk, _p in parts],
                    primary=target(primary_pk),
                    on=REFORM_DAY,
                    decision=DECISION,
                )
            counts.merged_by_service += 1
            continue
        kind = Lineage.Kind.MERGE if len(parts) == 1 else Lineage.Kind.SPLIT
        links.extend(
            Lineage(
                predecessor_id=unit.pk, successor_id=pk, kind=kind, on=REFORM_DAY, primary=primary, decision=DECISION
            )
            for pk, primary in parts
        )

    for division in old_districts:
        unit = district_units[division.code]
        if unit.pk in has_lineage:
            continue
        zone = source.district_successor.get(division.code)
        pk = matcher.find(zone) if zone else today_provinces[source.province_successor[division.parent_code]].pk
        if pk is None:
            counts.warnings.append(f"Không tìm thấy đơn vị kế thừa {division.name} trong danh mục hiện hành.")
            continue
        _close_or_link(unit, target(pk), links, counts)

    for division in old_provinces:
        unit = province_units[division.code]
        successor = today_provinces[source.province_successor[division.code]]
        if unit.pk == successor.pk or unit.pk in has_lineage:
            continue
        _close_or_link(unit, successor, links, counts)

    lineages_create(links)
    counts.lineages += len(links)
    counts.coordinates += _today_coordinates(source, today_provinces, matcher, only=only, reason=reason)

    refresh = [u.pk for u in created] + touched
    if refresh:
        summaries_refresh(unit_ids=refresh, providers=["units"])
    return counts


def _build(division: OldDivision, level: str, *, parent: Unit | None) -> Unit:
    return unit_build(
        kind=Unit.Kind.ASSOCIATION,
        level=level,
        code=division.code,
        name=division.name,
        division_type=division.division_type,
        parent=parent,
        active_from=None,
        active_until=LAST_DAY,
        latitude=division.latitude,
        longitude=division.longitude,
    )


def _load_level(divisions, level, parents, *, counts, created, reason) -> dict[str, Unit]:
    existing = _old_units(level)
    units: dict[str, Unit] = {}
    new = []
    for division in divisions:
        counts.levels[level]["total"] += 1
        if division.code in existing:
            units[division.code] = existing[division.code]
            counts.levels[level]["adopted"] += 1
        else:
            new.append(_build(division, level, parent=parents[division.parent_code]))
    for unit in units_create(new, reason=reason):
        units[unit.code] = unit
        created.append(unit)
    counts.levels[level]["opened"] += len(new)
    return units


def _close_or_link(unit: Unit, successor: Unit, links: list[Lineage], counts: HistoryCounts) -> None:
    if unit.active_until is None or unit.active_until > LAST_DAY:
        tree_services.unit_merge(predecessors=[unit], successor=successor, on=REFORM_DAY, decision=DECISION)
        counts.merged_by_service += 1
        return
    links.append(
        Lineage(
            predecessor_id=unit.pk,
            successor_id=successor.pk,
            kind=Lineage.Kind.MERGE,
            on=REFORM_DAY,
            primary=True,
            decision=DECISION,
        )
    )


def _check_codes(divisions: list[OldDivision], today_provinces: dict[str, Unit]) -> None:
    """A code is unique among the units open on the same day: refuse, before writing anything, a load whose
    old codes are borne by other units (a chapter keyed with "00001") at some day before the reform."""
    codes = {d.code for d in divisions}
    adopted_levels = Q(
        kind=Unit.Kind.ASSOCIATION, level__in=[Unit.Level.PROVINCE, Unit.Level.DISTRICT, Unit.Level.COMMUNE]
    )
    clashes = (
        Unit.objects.filter(code__in=codes)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=LAST_DAY))
        .exclude(adopted_levels & (Q(active_until__isnull=True) | Q(active_until__gte=LAST_DAY)))
        .order_by("code")[:10]
    )
    if clashes:
        listed = "; ".join(f"{u.code} ({u.display_name})" for u in clashes)
        raise CommandError(
            "Các mã sau của danh mục trước 01/07/2025 đang được dùng cho đơn vị khác trong cùng thời gian: "
            f"{listed}. Hãy sửa mã các đơn vị này rồi chạy lại."
        )


def _today_coordinates(source: HistorySource, provinces: dict[str, Unit], matcher, *, only, reason) -> int:
    """Coordinates of today's provinces and communes where they have none yet."""
    changed = []
    for code, (lat, lon) in source.new_provinces.items():
        unit = provinces.get(code)
        if unit is not None and (not only or code == only) and unit.latitude is None and lat is not None:
            unit.latitude, unit.longitude = lat, lon
            changed.append(unit)
    wanted = {}
    for commune in source.new_communes:
        if only and commune.province_code != only:
            continue
        pk = matcher.find(commune)
        if pk is not None and commune.latitude is not None:
            wanted[pk] = (commune.latitude, commune.longitude)
    for unit in Unit.objects.filter(pk__in=list(wanted), latitude__isnull=True):
        unit.latitude, unit.longitude = wanted[unit.pk]
        changed.append(unit)
    units_set_coordinates(changed, reason=reason)
    return len(changed)
