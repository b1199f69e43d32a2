"""Issue 2 §8: a secretary edits her chapter in a real browser; an outsider cannot open it; phones work too."""

import pytest
from django.urls import reverse

from .conftest import login, overflows

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "mat-khau-1"  # tests/factories.py


def test_secretary_opens_her_chapter_edits_it_and_sees_the_change(page, tree, secretary):
    chapter = tree.chapter
    versions = chapter.history.count()
    login(page, "thuky", PASSWORD)

    page.goto(reverse("chapters:unit_detail", args=[chapter.pk]))
    assert chapter.name in page.inner_text("h1")
    with page.expect_navigation():
        page.click(f"a[href='{reverse('chapters:unit_update', args=[chapter.pk])}']")
    page.fill("[name=name]", "Chi hội tổ dân phố số 1 Bạch Đằng")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    assert page.url.endswith(reverse("chapters:unit_detail", args=[chapter.pk]))
    assert "Chi hội tổ dân phố số 1 Bạch Đằng" in page.inner_text("h1")
    chapter.refresh_from_db()
    assert chapter.name == "Chi hội tổ dân phố số 1 Bạch Đằng"
    assert chapter.history.count() == versions + 1


def test_outsider_gets_the_404_page_and_changes_nothing(page, tree, outsider):
    login(page, "nguoingoai", PASSWORD)
    for url in (
        reverse("chapters:unit_detail", args=[tree.chapter.pk]),
        reverse("chapters:unit_update", args=[tree.chapter.pk]),
    ):
        response = page.goto(url)
        assert response.status == 404
        assert "Không tìm thấy trang" in page.inner_text("h1")
        assert tree.chapter.name not in page.content()
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội tổ dân phố số 1"


def test_the_same_pages_fit_a_phone_screen_and_work(phone_page, tree, secretary):
    page = phone_page
    login(page, "thuky", PASSWORD)
    assert not overflows(page)
    detail = reverse("chapters:unit_detail", args=[tree.chapter.pk])
    page.goto(detail)
    assert not overflows(page), "the unit page scrolls sideways on a phone"
    page.goto(reverse("chapters:unit_update", args=[tree.chapter.pk]))
    assert not overflows(page), "the edit form scrolls sideways on a phone"
    page.fill("[name=name]", "Chi hội tổ dân phố số 1A")
    with page.expect_navigation():
        page.tap("main form button[type=submit]")
    assert page.url.endswith(detail) and not overflows(page)
    tree.chapter.refresh_from_db()
    assert tree.chapter.name == "Chi hội tổ dân phố số 1A"
