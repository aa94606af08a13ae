"""Factories of the reports app: violations of the 千分制 scoring."""

import factory

from reports import services
from reports.detectors import _insert
from reports.models import Violation
from tests.factories import admin_actor


class ViolationFactory(factory.django.DjangoModelFactory):
    """A violation of a community (or one of its grids) in `campaign`.

    - status "confirmed" (default): recorded by an inspector in a spot check through
      `record_violation()`, which confirms it at once;
    - status "candidate": the row a detector writes (source "detector", a detector key), without
      planting the case it would find: the review tests need a candidate, not the detector.
    """

    class Meta:
        model = Violation

    kind = "not_visited"
    evidence = "抽查发现分配农户未走访"
    detector_key = factory.Sequence(lambda n: f"test:{n}")

    @classmethod
    def _create(cls, model_class, *, campaign, unit, kind, evidence, detector_key, status="confirmed", actor=None):
        if status == Violation.State.CONFIRMED:
            return services.record_violation(
                actor=actor or admin_actor(), campaign=campaign, unit=unit, kind=kind, evidence=evidence
            )
        assert status == Violation.State.CANDIDATE, "a detector finds candidates; inspectors review them"
        community = services.community_of(unit)
        row = {"detector_key": detector_key, "kind": kind, "unit_id": community.pk, "evidence": evidence}
        _insert(campaign, [row])
        return Violation.objects.get(detector_key=detector_key)
