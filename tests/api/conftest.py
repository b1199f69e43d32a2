"""Fixtures of the API tests: a token per persona, a client that sends it, and a little data in the tree."""

import datetime
import json
from dataclasses import dataclass

import pytest
from django.test import Client

from api.services import token_create
from funds.models import Fund
from funds.services.vouchers import transaction_create
from learning_models.models import LearningClass, TitleType
from learning_models.services.classes import class_save
from learning_models.services.records import registration_create
from members.models import Household, Member
from members.services import member_create

YEAR = 2025


class Api:
    """A test client that acts as a user through a personal token (or anonymously with user=None)."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _token, secret = token_create(user=user, name="kiểm thử")
            self.headers["Authorization"] = f"Bearer {secret}"

    def get(self, url, params=None, **headers):
        return self.client.get(url, params or {}, headers={**self.headers, **headers})

    def _send(self, method, url, data, headers):
        return getattr(self.client, method)(
            url, json.dumps(data, default=str), content_type="application/json", headers={**self.headers, **headers}
        )

    def post(self, url, data=None, **headers):
        return self._send("post", url, data or {}, headers)

    def patch(self, url, data=None, **headers):
        return self._send("patch", url, data or {}, headers)

    def put(self, url, data=None, **headers):
        return self._send("put", url, data or {}, headers)


@pytest.fixture
def api():
    return Api


@dataclass
class World:
    member: Member
    other_member: Member
    outside_member: Member
    household: Household
    fund: Fund
    learning_class: LearningClass
    gdht: TitleType


@pytest.fixture
def world(tree) -> World:
    day = datetime.date(YEAR, 3, 1)
    person = {"gender": "M", "birth_year": 1960}
    member = member_create(
        unit=tree.chapter, joined_on=day, full_name="Nguyễn Văn An", citizen_id="001204012345", **person
    )
    other = member_create(unit=tree.chapter, joined_on=day, full_name="Trần Văn Bình", **person)
    outside = member_create(unit=tree.outside_chapter, joined_on=day, full_name="Vũ Văn Đông", **person)
    household = Household.objects.create(unit=tree.chapter, head_name="Nguyễn Văn An", code="H01")
    Household.objects.create(unit=tree.chapter, head_name="Lê Văn Cường", code="H03")
    Household.objects.create(unit=tree.chapter, head_name="Đỗ Văn Dũng", code="H04")
    fund = Fund.objects.create(unit=tree.chapter)
    transaction_create(
        fund=fund, kind="receipt", date=day, amount=500_000, purpose="donation", counterparty_name="Ông A"
    )
    learning_class = class_save(LearningClass(unit=tree.chapter, topic="Tin học", starts_on=day, sessions=4))
    gdht = TitleType.objects.get(code="gdht")
    registration_create(title_type=gdht, year=YEAR, household=household)
    return World(member, other, outside, household, fund, learning_class, gdht)
