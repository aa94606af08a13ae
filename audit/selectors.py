"""Reading the audit trail: the filtered list the page, the API and the export share."""

from ipaddress import ip_address

from django.db.models import Q

from .models import Record


def search(user, *, event="", actor="", q="", since=None, until=None):
    qs = Record.objects.visible_to(user)
    if event:
        qs = qs.filter(event=event)
    if actor:
        qs = qs.filter(actor_name=actor)
    if q:
        match = Q(object_repr__icontains=q) | Q(object_type=q) | Q(object_id=q)
        try:
            match |= Q(remote_addr=str(ip_address(q)))
        except ValueError:
            pass  # not an address (PostgreSQL's inet column would refuse it)
        qs = qs.filter(match)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs.order_by("-id")
