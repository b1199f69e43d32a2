"""Issue 4 §8: on a phone-sized screen a secretary adds a member with the quick form, finds her by typing the name
without accents, and marks her dues paid."""

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Due, Member

from .conftest import login, overflows

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "mat-khau-1"  # tests/factories.py


def test_secretary_adds_finds_and_marks_dues_on_a_phone(phone_page, tree, secretary):
    page = phone_page
    today = timezone.localdate()
    login(page, "thuky", PASSWORD)

    page.goto(reverse("members:member_list"))
    assert not overflows(page), "the member list scrolls sideways on a phone"
    with page.expect_navigation():
        page.tap("text=+ Thêm nhanh")
    assert not overflows(page), "the quick form scrolls sideways on a phone"
    # Her chapter and today's date are already filled in: four fields and one tap.
    assert page.input_value("[name=unit]") == str(tree.chapter.pk)
    page.fill("[name=full_name]", "Nguyễn Thị Hồng Nhung")
    page.fill("[name=birth_year]", "1965")
    page.tap("label:has-text('Nữ')")
    page.fill("[name=phone]", "0912 345 678")
    with page.expect_navigation():
        page.tap("main form button[type=submit]")
    assert "Đã thêm hội viên" in page.inner_text(".messages")

    member = Member.objects.get(full_name="Nguyễn Thị Hồng Nhung")
    assert (member.unit, member.gender, member.birth_year, member.joined_on) == (tree.chapter, "F", 1965, today)
    assert member.history.get().history_user == secretary
    assert member.memberships.get().since == today

    page.goto(reverse("members:member_list"))
    page.fill("[name=q]", "nguyen thi hong nhung")
    with page.expect_navigation():
        page.tap("form.filters button[type=submit]")
    rows = page.locator("table.members tbody tr")
    assert rows.count() == 1 and "Nguyễn Thị Hồng Nhung" in rows.first.inner_text()
    assert not overflows(page)

    page.check(f"input[name=ids][value='{member.pk}']")
    page.fill("[name=dues-amount]", "60.000")
    with page.expect_navigation():
        page.tap("button[name=action][value=dues]")
    assert "Đã ghi hội phí" in page.inner_text(".messages")
    due = Due.objects.get(member=member)
    assert (due.year, due.amount, due.paid_on, due.unit) == (today.year, 60000, today, tree.chapter)
    assert due.history.get().history_user == secretary
    # The list shows her as paid.
    assert "đã nộp" in page.locator("table.members tbody tr").first.inner_text()
