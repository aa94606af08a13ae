"""Factories of the foundation (org units, people, campaigns, teams), with realistic Chinese names.

Each app's own rows have their factories beside its tests (tests/visits/factories.py,
tests/grievances/factories.py, tests/reports/factories.py); they create through the app's services.
"""

from datetime import timedelta

import factory
from django.utils import timezone

from campaigns import services
from campaigns.models import Level, Membership, OrgUnit, Team, TeamMember, User


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
    full_name = factory.Faker("name", locale="zh_CN")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", "Zoufang-Test-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def member(user, unit, role, **kw):
    Membership.objects.create(user=user, unit=unit, role=role, **kw)
    return user


def admin_actor():
    """The superuser that factories act as where a service needs someone allowed to do it: the
    cast's admin when the test has one, else a system administrator of the factories' own."""
    admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    return admin or UserFactory(username="system_admin", full_name="系统管理员", is_superuser=True, is_staff=True)


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


class TeamFactory(factory.django.DjangoModelFactory):
    """A work group of a campaign sent by `unit` to `paired_unit`, as an admin sets one up in the
    admin site; `members` are its people, the first one leading it."""

    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = "挂包工作组"
    quota = 0

    @factory.post_generation
    def members(team, create, extracted, **kwargs):  # noqa: N805
        for i, user in enumerate(extracted or ()):
            TeamMember.objects.create(team=team, user=user, is_leader=i == 0)
