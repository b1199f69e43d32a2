"""The dataset of the golden term and half-year reports (tests/reports/test_golden.py, test_check_figures.py).

Phường Bạch Đằng and its two chapters (the persona tree), term 2021–2025, every fact written through the services:

members     tổ dân phố số 1: 4 joined 2019 (one leaves 10/03/2022), 2 joined 15/04/2023, 1 joined 20/09/2025
            trường tiểu học: 2 joined 2018, 1 joined 10/02/2025 (leaves 01/08/2025)
fund        the ward's own fund, opened 2021 with 5.000.000 đ; receipts 2.000.000 đ on 01/03 of 2021–2024;
            2025: 3.000.000 đ on 05/03, 1.000.000 đ on 10/10; payments 1.500.000 đ on 01/09 of 2021–2025
classes     the ward's centre: 2 classes in 2022 (40 and 35 people), 2025: one on 15/01 (30), one on 15/09 (25)
titles      “Dòng họ học tập”: 2 clans of tổ 1 registered and recognised in 2023, 2024 and 2025
            “Gia đình học tập”: 2025, 3 households of tổ 1 registered (10/03), 2 recognised
baseline    the ward: 2021 population 10.000, 2.500 households, 4 clans; 2025 population 10.400, 2.600 households,
            4 clans; 2020 population 9.800
"""

import datetime

from . import facts

D = datetime.date


def build(tree) -> None:
    chapter, school, ward = tree.chapter, tree.other_chapter, tree.commune
    facts.baseline(ward, 2020, population=9_800)
    facts.baseline(ward, 2021, population=10_000, households=2_500, clans=4)
    facts.baseline(ward, 2025, population=10_400, households=2_600, clans=4)
    people = [facts.member(chapter, D(2019, 6, 1), n=n) for n in range(4)]
    facts.member(school, D(2018, 9, 5), n=0)
    facts.member(school, D(2018, 9, 5), n=1)
    from members.models import Member
    from members.services import member_leave

    member_leave(people[0], on=D(2022, 3, 10), reason=Member.LeftReason.MOVED_AWAY)
    facts.member(chapter, D(2023, 4, 15), n=0)
    facts.member(chapter, D(2023, 4, 15), n=1)
    facts.member(chapter, D(2025, 9, 20), n=0)
    facts.member(school, D(2025, 2, 10), left=D(2025, 8, 1), n=0)

    book = facts.fund(ward, opening_year=2021, opening=5_000_000)
    for year in range(2021, 2025):
        facts.receipt(book, 2_000_000, D(year, 3, 1))
    facts.receipt(book, 3_000_000, D(2025, 3, 5))
    facts.receipt(book, 1_000_000, D(2025, 10, 10))
    for year in range(2021, 2026):
        facts.payment(book, 1_500_000, D(year, 9, 1))

    facts.lesson(ward, D(2022, 5, 1), 40)
    facts.lesson(ward, D(2022, 10, 1), 35)
    facts.lesson(ward, D(2025, 1, 15), 30)
    facts.lesson(ward, D(2025, 9, 15), 25)

    for year in (2023, 2024, 2025):
        facts.titles(chapter, "dhht", year, registered=2, recognised=2)
    facts.titles(chapter, "gdht", 2025, registered=3, recognised=2, registered_on=D(2025, 3, 10))
