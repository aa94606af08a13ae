"""A household in several focus categories counts once in the registry and once in each category."""

from reports.selectors import Filters, campaign_figures
from tests.visits.factories import HouseholdFactory, VisitFactory


def test_household_in_two_focus_categories_counts_in_each_and_once_overall(tree, cast, campaign):
    first, second = list(campaign.focus_categories.order_by("pk")[:2])
    both = HouseholdFactory(grid=tree.grid_a1, categories=[first, second])
    HouseholdFactory(grid=tree.grid_a1, categories=[second])
    HouseholdFactory.create_batch(2, grid=tree.grid_c1)
    VisitFactory(campaign=campaign, household=both, visitor=cast.cadre)
    VisitFactory(campaign=campaign, household=both, visitor=cast.cadre)

    figures = campaign_figures(Filters(campaign=campaign, unit=tree.district))

    assert (figures["households_total"], figures["households_visited"]) == (4, 1)
    focus = {c["id"]: (c["total"], c["visited"]) for c in figures["focus_categories"]}
    assert focus == {first.pk: (1, 1), second.pk: (2, 1)}
