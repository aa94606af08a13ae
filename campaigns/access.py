"""The one access layer: what a user may see and do, from the org tree and their roles.

Every list, detail, export, report and per-user task starts from a queryset's `visible_to(user)`,
which calls into the `Scope` here. A membership gives its role over the unit's whole subtree;
the materialised path makes that one indexed prefix match per membership, never a tree walk.
Superusers see everything.
"""

from functools import reduce
from operator import or_

from django.db.models import Q

from .models import Membership, OrgUnit, Role, path_prefixes

_CACHE_ATTR = "_zoufang_scope"


class Scope:
    def __init__(self, user):
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated)
        self.is_superuser = bool(self.is_authenticated and user.is_superuser)
        if self.is_authenticated:
            rows = Membership.objects.filter(user=user, unit__is_active=True).values_list(
                "role", "unit_id", "unit__path", "unit__level", "is_party_leader"
            )
            self.memberships = [
                {"role": r, "unit_id": u, "path": p, "level": lv, "party_leader": pl} for r, u, p, lv, pl in rows
            ]
        else:
            self.memberships = []

    # --- facts about the user ---------------------------------------------------------------
    @property
    def roles(self):
        return {m["role"] for m in self.memberships} | ({Role.ADMIN} if self.is_superuser else set())

    def has_role(self, *roles):
        """Superusers act in every role; others need a membership with one of `roles`."""
        return self.is_superuser or any(m["role"] in roles for m in self.memberships)

    def paths(self, roles=None):
        """Paths of the units where the user holds one of `roles` (any role when None)."""
        return sorted({m["path"] for m in self.memberships if roles is None or m["role"] in roles})

    def unit_ids(self, roles=None):
        return sorted({m["unit_id"] for m in self.memberships if roles is None or m["role"] in roles})

    def covers(self, unit, roles=None):
        """Whether `unit` lies in the subtree of one of the user's units (for `roles`)."""
        if self.is_superuser:
            return True
        return any(unit.path.startswith(p) for p in self.paths(roles))

    # --- querysets --------------------------------------------------------------------------
    def subtree_q(self, field, roles=None):
        """A Q matching rows whose `field` (an OrgUnit FK, or '' for OrgUnit itself) is in scope."""
        if self.is_superuser:
            return Q()
        prefix = f"{field}__" if field else ""
        paths = self.paths(roles)
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{prefix}path__startswith": p}) for p in paths))

    def filter_by_unit(self, qs, field, roles=None):
        return qs.filter(self.subtree_q(field, roles))

    def filter_units(self, qs):
        return qs.filter(self.subtree_q(""))

    def filter_campaigns(self, qs):
        """Campaigns over a unit above or below one of the user's units."""
        if self.is_superuser:
            return qs
        paths = self.paths()
        if not paths:
            return qs.none()
        above = {a for p in paths for a in path_prefixes(p)}
        return qs.filter(Q(territory__path__in=above) | self.subtree_q("territory"))

    def filter_users(self, qs, roles=None):
        """The user themself and people holding a membership in the user's subtree (for `roles`)."""
        if self.is_superuser:
            return qs
        if not self.is_authenticated:
            return qs.none()
        paths = self.paths(roles)
        if not paths:
            return qs.filter(pk=self.user.pk)
        return qs.filter(Q(pk=self.user.pk) | self.subtree_q("memberships__unit", roles)).distinct()

    def units(self, roles=None):
        return (
            self.filter_by_unit(OrgUnit.objects.all(), "", roles) if roles else self.filter_units(OrgUnit.objects.all())
        )


def scope(user):
    """The user's scope, computed once per user object (i.e. once per request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = Scope(user)
        if user is not None:
            try:
                setattr(user, _CACHE_ATTR, cached)
            except AttributeError:  # AnonymousUser instances accept attributes; be safe anyway
                pass
    return cached


def forget_scope(user):
    """Drop the cached scope after memberships change within the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def units_under(user, roles=None):
    """OrgUnits in the user's subtree (for the given roles)."""
    return scope(user).units(roles)
