"""Test data factories with realistic Chinese names and addresses."""

from datetime import timedelta

import factory
from django.utils import timezone

from campaigns import services
from campaigns.models import Level, Membership, OrgUnit, User

NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴霞", "徐明", "孙丽"]


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    level = Level.DISTRICT
    parent = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: NAMES[n % len(NAMES)])
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", "Zoufang-Test-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def member(user, unit, role, **kw):
    Membership.objects.create(user=user, unit=unit, role=role, **kw)
    return user


def make_campaign(territory, *, start=None, name="测试区2026年大走访", phase_days=None):
    start = start or (timezone.localdate() - timedelta(days=20))
    campaign = services.create_campaign(
        actor=None,
        name=name,
        territory=territory,
        year=start.year,
        start=start,
        phase_days=phase_days or {"organise": 10, "visiting": 60, "rectification": 40, "lookback": 30, "summary": 20},
    )
    services.sync_phase(campaign=campaign, today=timezone.localdate())
    return campaign
