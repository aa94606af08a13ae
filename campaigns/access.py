"""The one access layer: what a user may see and do, from the org tree and their roles.

Reads: every list, detail, export, report and per-user task starts from a queryset's
`visible_to(user)`. Writes: `actionable_by(user, action)` narrows the same rows to those the user
may act on, from the `rules` table the model's queryset declares (`ScopedQuerySet`). A membership
gives its role over the unit's whole subtree; the materialised path makes that one indexed prefix
match per membership, never a tree walk. Superusers see and do everything.

Views never check roles by hand: API viewsets scope through `campaigns.api_base.ScopedViewSetMixin`,
ids in request bodies through `ScopedRelatedField`, page forms through
`campaigns.forms.ScopedModelChoiceField`, page views through `get_for()` here. Outside a user's
scope is a 404, the same as a missing object; visible but not actionable is a 403.
"""

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.signals import request_started
from django.db import models
from django.db.models import Case, Max, Q, Value, When
from django.dispatch import receiver
from django.http import Http404

from .choices import DUTY_ROLES

PATH_SEP = "/"


def path_prefixes(path: str) -> list[str]:
    """The paths of a unit's ancestors and of the unit itself, top first."""
    parts = [p for p in path.split(PATH_SEP) if p]
    return [PATH_SEP.join(parts[: i + 1]) + PATH_SEP for i in range(len(parts))]


_CACHE_ATTR = "_zoufang_scope"
# A new token at the start of every request: a scope cached on a user object that outlives its
# request (a test client's forced user, a user kept between requests) is computed again.
_request = contextvars.ContextVar("zoufang_request", default=None)


@receiver(request_started, dispatch_uid="zoufang_scope_per_request")
def _new_request(**kwargs):
    _request.set(object())


class Scope:
    def __init__(self, user):
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated)
        self.is_superuser = bool(self.is_authenticated and user.is_superuser)
        if self.is_authenticated:
            from .models import Membership

            rows = Membership.objects.filter(user=user, unit__is_active=True).values_list(
                "role", "unit_id", "unit__path", "unit__level", "is_party_leader"
            )
            every = [{"role": r, "unit_id": u, "path": p, "level": lv, "party_leader": pl} for r, u, p, lv, pl in rows]
        else:
            every = []
        # Security and audit duties are over the system, not over a unit's people and cases:
        # they count when asked for by name and never widen what the user sees.
        self.all_memberships = every
        self.memberships = [m for m in every if m["role"] not in DUTY_ROLES]
        self._memo = {}
        self.request_token = _request.get()

    def memo(self, key, compute):
        """A fact about the user that other apps derive (the villages of their liaison network),
        computed once per scope, i.e. once per request: `compute()` the first time `key` is asked."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # --- facts about the user ---------------------------------------------------------------
    def team_campaign_ids(self):
        """The campaigns in one of whose teams the user works (a paired department's cadre visits
        outside their own unit): read once per request."""
        from .models import TeamMember

        def read():
            rows = TeamMember.objects.filter(user=self.user).values_list("team__campaign_id", flat=True)
            return sorted(set(rows))

        return self.memo("team_campaigns", read) if self.is_authenticated else []

    @property
    def roles(self):
        return {m["role"] for m in self.all_memberships} | ({"admin"} if self.is_superuser else set())

    def has_role(self, *roles):
        """Superusers act in every role; others need a membership with one of `roles`."""
        return self.is_superuser or any(m["role"] in roles for m in self.all_memberships)

    def paths(self, roles=None):
        """Paths of the units where the user holds one of `roles` (any role but the security and
        audit duties when None)."""
        if roles is None:
            return sorted({m["path"] for m in self.memberships})
        return sorted({m["path"] for m in self.all_memberships if m["role"] in roles})

    def unit_ids(self, roles=None):
        if roles is None:
            return sorted({m["unit_id"] for m in self.memberships})
        return sorted({m["unit_id"] for m in self.all_memberships if m["role"] in roles})

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
        # The unit tree holds no personal data: every role sees its units, duties included.
        return qs.filter(self.subtree_q("", sorted({m["role"] for m in self.all_memberships}) or None))

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
        if roles is None:
            # People are the security administrator's to manage; the auditor's duty shows none.
            roles = sorted({m["role"] for m in self.all_memberships} - {"auditor"}) or None
        paths = self.paths(roles)
        if not paths:
            return qs.filter(pk=self.user.pk)
        return qs.filter(Q(pk=self.user.pk) | self.subtree_q("memberships__unit", roles)).distinct()

    def units(self, roles=None):
        from .models import OrgUnit

        return (
            self.filter_by_unit(OrgUnit.objects.all(), "", roles) if roles else self.filter_units(OrgUnit.objects.all())
        )


def scope(user):
    """The user's scope, computed once per request (cached on the user object, for its request)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None or cached.request_token is not _request.get():
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


# --- writes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may run one action on a model's rows.

    `roles` held over the row's `unit` (a lookup path from the row to an OrgUnit, "" for an
    OrgUnit itself) grant it; `also(user)` adds rows the user may act on through a relation of
    their own (the visitor assigned to a household, the owner of a case). Rows must be visible too.
    """

    roles: tuple[str, ...] = ()
    unit: str | None = None
    also: Callable[..., Q] | None = None
    label: str = ""

    def q(self, s: "Scope") -> Q:
        q = s.subtree_q(self.unit, self.roles) if self.unit is not None and self.roles else Q(pk__in=[])
        if self.also is not None:
            q |= self.also(s.user)
        return q


class ScopedQuerySet(models.QuerySet):
    """A queryset that says what a user may see (`visible_to`) and do (`actionable_by`)."""

    #: action name -> Rule; every write the model has is named here.
    rules: ClassVar[Mapping[str, Rule]] = {}

    def visible_to(self, user):
        raise NotImplementedError(f"{type(self).__name__} must say what a user may see")

    def actionable_by(self, user, action: str):
        """The visible rows on which `user` may run `action` (a key of `rules`)."""
        rule = self.rules.get(action)
        if rule is None:
            raise ImproperlyConfigured(f"{self.model.__name__} has no access rule {action!r}")
        s = scope(user)
        if not s.is_authenticated:
            return self.none()
        if s.is_superuser:
            # Everything they see, which is not always everything: nobody reads another's inbox.
            return self.visible_to(user)
        return self.visible_to(user).filter(rule.q(s))

    def with_allowed(self, user, *actions: str):
        """The visible rows, each carrying which of `actions` the user may run on it, read in the
        same statement: `allowed()` then answers from the row without a query of its own. The
        flags are what `allowed()` would compute (the rule's condition, any joined row)."""
        _check_rules(self, actions)
        s = scope(user)
        qs = self.visible_to(user)
        if not s.is_authenticated or not actions:
            return qs
        if s.is_superuser:
            flags = {_flag(a): Value(1) for a in actions}
        else:
            flags = {_flag(a): _holds(self.rules[a], s) for a in actions}
        return qs.annotate(**flags, **{_FLAGS_USER: Value(user.pk)})

    def units_for(self, user, action: str):
        """The org units where `user` may run `action` on rows that do not exist yet (a household
        to register in a grid): the rule's roles over the unit. Relations (`also`) need a row."""
        rule = self.rules.get(action)
        if rule is None:
            raise ImproperlyConfigured(f"{self.model.__name__} has no access rule {action!r}")
        from .models import OrgUnit

        s = scope(user)
        if not s.is_authenticated or not (s.is_superuser or (rule.roles and rule.unit is not None)):
            return OrgUnit.objects.none()
        return s.units(rule.roles or None)


def holds(user, model_or_qs, action: str) -> bool:
    """Whether `user` holds one of the roles of the model's `action` rule anywhere (superusers do):
    a page or endpoint that lists what the rule grants refuses (403) someone it can never grant."""
    qs = _queryset(model_or_qs)
    rule = qs.rules.get(action)
    if rule is None:
        raise ImproperlyConfigured(f"{qs.model.__name__} has no access rule {action!r}")
    s = scope(user)
    return s.is_authenticated and s.has_role(*rule.roles)


def _queryset(model_or_qs):
    if isinstance(model_or_qs, models.QuerySet):
        return model_or_qs
    return model_or_qs._default_manager.all()


def can(user, action: str, obj) -> bool:
    """Whether `user` may run `action` on `obj` (one indexed query)."""
    return _queryset(type(obj)).actionable_by(user, action).filter(pk=obj.pk).exists()


# The annotations `with_allowed` leaves on each row: for whom, and one per action.
_FLAGS_USER = "zf_allowed_for"


def _flag(action: str) -> str:
    return f"zf_may_{action}"


def _holds(rule: Rule, s: Scope):
    """1 where `rule` grants the action on the row, else 0; the maximum over the joined rows: a
    rule through a multi-valued relation holds if any row matches, as in `actionable_by`."""
    return Max(Case(When(rule.q(s), then=Value(1)), default=Value(0)))


def _check_rules(qs, actions) -> None:
    missing = [a for a in actions if a not in qs.rules]
    if missing:
        raise ImproperlyConfigured(f"{qs.model.__name__} has no access rule {missing[0]!r}")


def allowed(user, obj, *actions: str) -> frozenset[str]:
    """Which of `actions` `user` may run on `obj`: what `can` answers for each, in one query (none
    when `obj` was read through `with_allowed(user, ...)` with these actions)."""
    qs = _queryset(type(obj))
    _check_rules(qs, actions)
    s = scope(user)
    if not s.is_authenticated or not actions:
        return frozenset()
    if getattr(obj, _FLAGS_USER, None) == user.pk and all(hasattr(obj, _flag(a)) for a in actions):
        return frozenset(a for a in actions if getattr(obj, _flag(a)))
    row = qs.visible_to(user).filter(pk=obj.pk)
    if s.is_superuser:
        return frozenset(actions) if row.exists() else frozenset()
    flags = row.aggregate(**{f"may_{i}": _holds(qs.rules[a], s) for i, a in enumerate(actions)})
    return frozenset(a for i, a in enumerate(actions) if flags[f"may_{i}"])


def require(user, action: str, obj) -> None:
    """Raise PermissionDenied (403) unless `user` may run `action` on the (visible) `obj`."""
    if not can(user, action, obj):
        raise PermissionDenied


def get_for(user, model_or_qs, *, action: str | None = None, **lookup):
    """The one object `lookup` names, as `user` may see it: Http404 outside their scope (the same
    as a missing object), PermissionDenied when visible but `action` is not theirs to run."""
    qs = _queryset(model_or_qs)
    try:
        obj = qs.visible_to(user).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc
    if action is not None:
        require(user, action, obj)
    return obj


def access_rules() -> dict[str, dict[str, Rule]]:
    """Every model's access rules, by "app_label.Model": the table docs and tests read."""
    from django.apps import apps

    table = {}
    for model in apps.get_models():
        qs_class = type(model._default_manager.get_queryset())
        if issubclass(qs_class, ScopedQuerySet) and qs_class.rules:
            table[model._meta.label] = dict(qs_class.rules)
    return table
