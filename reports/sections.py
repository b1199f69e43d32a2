"""Section I of the review report, written the way the seeds write it (domain.md §7):
"Tổng số hội viên là 12.486 người, tăng 4,2% so với năm 2022, đạt tỷ lệ 21,3% dân số."

Every sentence is built from PeriodFigures (summaries only). A part with no data says so instead of printing
zeros as facts."""

from dataclasses import dataclass, field
from decimal import Decimal

from chapters import figures as catalogue
from chapters.models import Unit
from core.formatting import growth, money, number, percent, ratio
from reports.queries import PeriodFigures

NO_DATA = "Chưa có số liệu {what} trong kỳ báo cáo."

AREA_WORDS = {
    Unit.Level.CENTRAL: "toàn quốc",
    Unit.Level.PROVINCE: "toàn tỉnh",
    Unit.Level.DISTRICT: "toàn huyện",
    Unit.Level.COMMUNE: "toàn xã",
}
HOST_WORDS = {
    Unit.Host.RESIDENTIAL: "khu dân cư",
    Unit.Host.SCHOOL: "trường học",
    Unit.Host.AGENCY: "cơ quan",
    Unit.Host.ENTERPRISE: "doanh nghiệp",
    Unit.Host.CLAN: "dòng họ",
    Unit.Host.RELIGIOUS: "cơ sở tôn giáo",
    Unit.Host.OTHER: "khác",
}


def basis_clause(basis: str) -> str:
    """ "(theo <basis>)" without a parenthesis inside another: a basis that ends in its own remark, "Quyết định
    387/QĐ-TTg ngày 25/3/2022 (chỉ tiêu đến năm 2025)", reads "(chỉ tiêu đến năm 2025 theo Quyết định …)"; any
    other parenthesis in the basis becomes a comma."""

    def flat(text: str) -> str:
        return " ".join(text.replace("(", ", ").replace(")", " ").replace(" ,", ",").split()).strip(", ")

    basis = " ".join(basis.split())
    if basis.endswith(")") and " (" in basis:
        text, remark = basis[:-1].rsplit(" (", 1)
        if "(" not in remark and ")" not in remark:
            return f"({flat(remark)} theo {flat(text)})"
    return f"(theo {flat(basis)})"


# The word for a baseline figure a title's ratio divides by: "(theo số hộ năm 2024)".
_BASELINE_WORDS = {
    "baseline.households": "hộ",
    "baseline.clans": "dòng họ",
    "baseline.residential_groups": "thôn, tổ dân phố",
    "baseline.agencies": "cơ quan, đơn vị",
    "baseline.population": "dân",
    "baseline.adults": "người trưởng thành",
}


@dataclass
class Part:
    """A numbered part of Section I: a heading and its paragraphs."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)  # an optional small table


def area(unit: Unit) -> str:
    """ "toàn phường", "toàn xã", "toàn tỉnh", "toàn thành phố", or "toàn chi hội" below communes."""
    if unit.kind != Unit.Kind.ASSOCIATION:
        return "toàn chi hội" if unit.kind == Unit.Kind.CHAPTER else "toàn đơn vị"
    division = (unit.division_type or "").lower()
    if division:
        return f"toàn {division}"
    return AREA_WORDS.get(unit.level, "toàn đơn vị")


def compared(f: PeriodFigures, figure: str, *, digits: int = 1, money: bool = False) -> str:
    """ ", tăng 4,2% so với năm 2022" (empty when the previous period has no figure: a first year)."""
    text = growth(f.get(figure), f.prev(figure), against=f.previous_label, money=money, digits=digits)
    return f", {text}" if text else ""


def _balance_change(f: PeriodFigures) -> str:
    """The closing balance against the previous period's, in đồng only (a share of a balance says little)."""
    text = growth(f.get("funds.balance"), f.prev("funds.balance"), against=f.previous_label, money=True, share=False)
    return f", {text}" if text else ""


def organisation(f: PeriodFigures) -> Part:
    part = Part("1. Công tác xây dựng tổ chức Hội và phát triển hội viên")
    where = area(f.unit).capitalize()
    pieces = []
    for level, label in (
        ("province", "Hội Khuyến học cấp tỉnh"),
        ("district", "Hội Khuyến học cấp huyện"),
        ("commune", "Hội Khuyến học cấp xã"),
    ):
        value = f.get(f"units.association.{level}") - (1 if f.unit.level == level else 0)
        if value > 0:
            pieces.append(f"{number(value)} {label}")
    chapters = f.get("units.chapter")
    if chapters:
        hosts = [
            f"{number(f.get(f'units.chapter.{host}'))} chi hội {word}"
            for host, word in HOST_WORDS.items()
            if f.get(f"units.chapter.{host}")
        ]
        pieces.append(
            f"{number(chapters)} chi hội khuyến học" + (f" (trong đó có {', '.join(hosts)})" if hosts else "")
        )
    boards = f.get("units.board")
    if boards:
        pieces.append(f"{number(boards)} ban khuyến học cơ quan, đơn vị, doanh nghiệp")
    if f.get("units.cell"):
        pieces.append(f"{number(f.get('units.cell'))} tổ hội")
    if pieces:
        part.paragraphs.append(f"{where} có " + "; ".join(pieces) + ".")
    else:
        part.paragraphs.append(NO_DATA.format(what="về tổ chức Hội"))

    members = f.get("members.end")
    if members:
        sentence = f"Tổng số hội viên là {number(members)} người{compared(f, 'members.end')}"
        population = f.get("baseline.population")
        if population:
            sentence += f", đạt tỷ lệ {percent(Decimal(members) / Decimal(population))} dân số"
            if f.current.get("baseline.year", f.year) != f.year:
                sentence += f" (theo số dân năm {f.current['baseline.year']})"
        part.paragraphs.append(sentence + ".")
        flows = []
        if f.get("members.joined"):
            flows.append(f"kết nạp mới {number(f.get('members.joined'))} hội viên")
        if f.get("members.left"):
            flows.append(
                f"{number(f.get('members.left'))} hội viên ra khỏi danh sách (chuyển đi, thôi tham gia, từ trần)"
            )
        if flows:
            part.paragraphs.append("Trong kỳ, " + "; ".join(flows) + ".")
        party_members = f.get("baseline.party_members")
        party_in = f.get("members.party")
        if party_in and party_members:
            if party_in >= party_members:
                part.paragraphs.append("100% đảng viên là hội viên Hội Khuyến học.")
            else:
                part.paragraphs.append(f"Có {ratio(party_in, party_members)} đảng viên là hội viên Hội Khuyến học.")
        elif party_in:
            part.paragraphs.append(f"Có {number(party_in)} hội viên là đảng viên.")
    else:
        part.paragraphs.append(NO_DATA.format(what="hội viên"))
    return part


def study_promotion(f: PeriodFigures) -> Part:
    part = Part("2. Công tác khuyến học, khuyến tài")
    raised, spent, balance = f.get("funds.raised"), f.get("funds.spent"), f.get("funds.balance")
    opening = f.get("funds.opening")
    if raised or spent or balance or opening:
        # The opening balance, then the period's money and the closing balance, each compared in đồng with the
        # previous period on the same tree (a real report: "tăng … đồng so với năm trước").
        sentence = f"Quỹ khuyến học {area(f.unit)} có số dư đầu kỳ {money(opening)}"
        sentence += f"; huy động được {money(raised)}{compared(f, 'funds.raised', money=True)}"
        sentence += f"; đã chi {money(spent)}{compared(f, 'funds.spent', money=True)}"
        sentence += f"; số dư cuối kỳ {money(balance)}{_balance_change(f)}."
        part.paragraphs.append(sentence)
        own_raised, below_raised = f.own.get("funds.raised", 0), f.below("funds.raised")
        if below_raised and own_raised:
            part.paragraphs.append(
                f"Trong đó, quỹ của {f.unit.display_name} huy động {money(own_raised)}, "
                f"chi {money(f.own.get('funds.spent', 0))}, "
                f"số dư {money(f.own.get('funds.balance', 0))}; quỹ của các đơn vị trực thuộc huy động "
                f"{money(below_raised)}, chi {money(f.below('funds.spent'))}, số dư {money(f.below('funds.balance'))}."
            )
        if f.get("funds.in_kind"):
            part.paragraphs.append(f"Ngoài ra, tiếp nhận hiện vật trị giá {money(f.get('funds.in_kind'))}.")
    else:
        part.paragraphs.append(NO_DATA.format(what="thu, chi quỹ khuyến học"))

    # "Cá nhân" commended are the individuals other than the teachers and students rewarded (awards.others), so
    # nobody is counted twice (as awards.queries.award_sentence does); a zero part is left out.
    collectives, others = f.get("awards.collectives"), f.get("awards.others")
    teachers, students = f.get("awards.teachers"), f.get("awards.students")
    amount = f.get("awards.amount.decided")
    scholarships = f.get("awards.scholarships.new") + f.get("awards.scholarships.renewed")
    sentences = []
    if collectives or others:
        commended = [f"{number(collectives)} tập thể"] if collectives else []
        commended += [f"{number(others)} cá nhân"] if others else []
        sentences.append("biểu dương " + ", ".join(commended))
    if teachers or students:
        rewarded = f"khen thưởng {number(teachers)} nhà giáo và {number(students)} lượt học sinh"
        if amount:
            rewarded += f" với tổng số tiền {money(amount)}{compared(f, 'awards.amount.decided', money=True)}"
        sentences.append(rewarded)
    if scholarships:
        sentences.append(
            f"trao {number(scholarships)} suất học bổng ({number(f.get('awards.scholarships.new'))} suất mới, "
            f"{number(f.get('awards.scholarships.renewed'))} suất duy trì)"
        )
    if sentences:
        text = "; ".join(sentences)
        part.paragraphs.append(f"Các cấp Hội đã {text}.")
        paid = f.get("awards.amount.paid")
        if amount and 0 < paid < amount:
            part.paragraphs.append(f"Đến cuối kỳ đã chi trả {money(paid)}/{money(amount)} tiền thưởng đã quyết định.")
    else:
        part.paragraphs.append(NO_DATA.format(what="khen thưởng, học bổng"))
    return part


def learning_society(f: PeriodFigures, title_types: list[dict]) -> Part:
    """`title_types`: [{"code", "name", "unit_word" ("hộ", "dòng họ"...), "denominator" (baseline figure or
    None), "target" (percent or None)}] in display order."""
    part = Part("3. Xây dựng xã hội học tập")
    for title in title_types:
        code = title["code"]
        registered = f.get(f"titles.{code}.registered")
        recognised = f.get(f"titles.{code}.recognised")
        holding = f.get(f"titles.{code}.holding")
        if not (registered or recognised or holding):
            continue
        word = title.get("unit_word") or ""
        term = f.period == "term"
        sentence = f"“{title['name']}”: {number(registered)} {word} đăng ký{compared(f, f'titles.{code}.registered')}"
        sentence = sentence.replace("  ", " ")
        if recognised and term:
            # Recognitions are a flow: over a term, each year's count (a family recognised every year counts each
            # time); the share of the total below reads the holders at the term's end (a stock).
            sentence += f"; trong nhiệm kỳ có {number(recognised)} lượt {word} được công nhận".replace("  ", " ")
        elif recognised:
            sentence += f"; được công nhận {number(recognised)} {word}".rstrip()
        if recognised and registered:
            sentence += f", đạt {percent(Decimal(recognised) / Decimal(registered))} số đăng ký"
        total = f.get(title["denominator"]) if title.get("denominator") else 0
        # The share of the total is a ratio of two stocks of one date: the holders at the period's end over the
        # households (clans…) of that year. Titles are recognised at the year's end: an interim report (nobody
        # recognised yet) gives no ratio.
        if total and holding:
            sentence += f"; tỷ lệ so với tổng số là {ratio(holding, total)}"
            baseline_year = f.current.get("baseline.year", f.year)
            if baseline_year != f.year:
                sentence += f" (theo số {_BASELINE_WORDS.get(title['denominator'], 'liệu')} năm {baseline_year})"
            if title.get("target"):
                reached = Decimal(holding) / Decimal(total) * 100
                verdict = "đạt" if reached >= Decimal(str(title["target"])) else "chưa đạt"
                sentence += f", {verdict} chỉ tiêu {number(title['target'])}%"
                if title.get("target_basis"):
                    sentence += f" {basis_clause(title['target_basis'])}"
        if holding and (holding != recognised or term):
            held = "đến cuối nhiệm kỳ đang giữ danh hiệu" if term else "đang giữ danh hiệu"
            sentence += f"; {held} {number(holding)} {word}".rstrip()
        part.paragraphs.append(sentence + ".")
    classes, attendances = f.get("classes.count"), f.get("classes.attendances")
    if classes:
        part.paragraphs.append(
            f"Trung tâm học tập cộng đồng đã mở {number(classes)} lớp với {number(attendances)} lượt người tham gia"
            f"{compared(f, 'classes.attendances')}."
        )
    if not part.paragraphs:
        part.paragraphs.append(NO_DATA.format(what="về các mô hình học tập và trung tâm học tập cộng đồng"))
    return part


def section_one(f: PeriodFigures, title_types: list[dict], coordination: str) -> list[Part]:
    parts = [organisation(f), study_promotion(f), learning_society(f, title_types)]
    fourth = Part("4. Công tác phối hợp, thi đua, khen thưởng")
    if coordination.strip():
        fourth.paragraphs.extend(p.strip() for p in coordination.splitlines() if p.strip())
    else:
        fourth.paragraphs.append("(Chưa có nội dung.)")
    parts.append(fourth)
    return parts


def has_any_data(f: PeriodFigures) -> bool:
    """Whether the unit did anything the report can speak of: a figure of an activity area of the catalogue
    (members, funds, titles…), not only its context (units counted, baseline of the territory)."""
    return any(value for key, value in f.current.items() if catalogue.is_activity(key))
