import datetime

import factory
from django.contrib.auth import get_user_model

from chapters.models import BaselineFigure, ParentLink, Role, Unit, UnitName
from chapters.summaries import summaries_refresh


class UnitFactory(factory.django.DjangoModelFactory):
    """A chapter by default; pass kind/level for associations. Parent links and names are written like the
    unit_create service does, so the tree history is complete."""

    class Meta:
        model = Unit
        skip_postgeneration_save = True

    kind = Unit.Kind.CHAPTER
    level = Unit.Level.GRASSROOTS
    host = Unit.Host.RESIDENTIAL
    code = factory.Sequence(lambda n: f"U{n:05d}")
    name = factory.Sequence(lambda n: f"Chi hội tổ dân phố số {n}")
    active_from = datetime.date(2015, 1, 1)

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if not create:
            return
        if obj.parent_id:
            ParentLink.objects.create(unit=obj, parent_id=obj.parent_id, valid_from=obj.active_from)
        UnitName.objects.create(unit=obj, name=obj.name, code=obj.code, valid_from=obj.active_from)
        summaries_refresh(unit_ids=[obj.pk], providers=["units"])


class ProvinceFactory(UnitFactory):
    kind = Unit.Kind.ASSOCIATION
    level = Unit.Level.PROVINCE
    host = ""
    division_type = "tỉnh"
    name = factory.Sequence(lambda n: f"Tỉnh Thử Nghiệm {n}")
    code = factory.Sequence(lambda n: f"P{n:03d}")


class CommuneFactory(UnitFactory):
    kind = Unit.Kind.ASSOCIATION
    level = Unit.Level.COMMUNE
    host = ""
    division_type = "phường"
    name = factory.Sequence(lambda n: f"Phường Số {n}")
    code = factory.Sequence(lambda n: f"C{n:05d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Lan"
    last_name = "Nguyễn Thị"
    password = factory.django.Password("mat-khau-1")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    kind = Role.Kind.SECRETARY


class BaselineFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BaselineFigure

    unit = factory.SubFactory(UnitFactory)
    year = 2024
    population = 10000
    households = 2500
