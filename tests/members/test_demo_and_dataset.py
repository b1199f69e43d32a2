import datetime
import io

import pytest
from django.core.management import call_command

from chapters.demo import DemoContext
from chapters.models import Summary
from chapters.summaries import summaries_refresh
from members import demo
from members.models import Clan, Due, Household, Member, Membership


def members_summaries():
    return sorted(
        Summary.objects.filter(figure__regex=r"^(members|dues)\.").values_list(
            "unit_id", "year", "period", "figure", "value"
        )
    )


def test_demo_adds_about_two_thousand_members_once_with_history_and_summaries(tree, secretary):
    ctx = DemoContext(
        province=tree.province,
        communes=[tree.commune, tree.other_commune],
        chapters=[tree.chapter, tree.other_chapter, tree.outside_chapter],
        users={"thuky_xa": secretary},
        today=datetime.date(2026, 11, 25),
    )
    demo.seed(ctx)
    assert Member.objects.count() == demo.TOTAL
    assert Member.history.count() >= demo.TOTAL and Membership.objects.count() >= demo.TOTAL
    assert Household.objects.exists() and Clan.objects.exists() and Due.objects.filter(year=2024).exists()
    assert Member.objects.filter(left_on__isnull=False).exists()
    assert Membership.objects.filter(start="moved_in").exists()
    names = set(Member.objects.values_list("full_name", flat=True)[:200])
    assert any(name.startswith("Nguyễn ") for name in names)
    incremental = members_summaries()
    summaries_refresh(unit_ids=None, years=None, providers=["members"])
    assert members_summaries() == incremental
    demo.seed(ctx)  # idempotent
    assert Member.objects.count() == demo.TOTAL


@pytest.mark.django_db
def test_ward_dataset_writes_members_households_history_and_exact_summaries():
    call_command("generate_dataset", "--scale", "ward", stdout=io.StringIO())
    assert Member.objects.count() == 5_000 and Household.objects.count() == 6_000
    assert Member.history.count() == 5_000 and Household.history.count() == 6_000
    assert Membership.objects.count() == 5_000 and Due.history.count() == Due.objects.count() > 0
    member = Member.objects.exclude(household=None).select_related("household").first()
    assert member.household.unit_id == member.unit_id
    for stored in Member.objects.exclude(card_number="").exclude(phone="")[:20]:
        fresh = Member(full_name=stored.full_name, phone=stored.phone, card_number=stored.card_number)
        fresh.prepare()  # the columns the dataset wrote by COPY are those the model derives
        assert (stored.name_key, stored.search_key, stored.sort_key) == (
            fresh.name_key,
            fresh.search_key,
            fresh.sort_key,
        )
    incremental = members_summaries()
    summaries_refresh(unit_ids=None, years=None, providers=["members"])
    assert members_summaries() == incremental and incremental
