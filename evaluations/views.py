"""Browser pages: the questionnaires a user sees, and one questionnaire's results with its entry form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from campaigns.access import get_for
from campaigns.errors import DomainError

from . import selectors, services
from .forms import EvaluationForm
from .models import Evaluation, Questionnaire


@login_required
def questionnaires(request):
    rows = Questionnaire.objects.visible_to(request.user).select_related("campaign").order_by("-campaign__year", "id")
    return render(request, "evaluations/questionnaires.html", {"rows": rows})


@login_required
def results(request, pk):
    q = get_for(request.user, Questionnaire.objects.select_related("campaign"), pk=pk)
    may_record = Evaluation.objects.units_for(request.user, "record").exists()
    form = EvaluationForm(request.POST or None, user=request.user, questionnaire=q) if may_record else None
    if request.method == "POST" and form is None:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.record_evaluation(
                    actor=request.user,
                    questionnaire=q,
                    target=form.cleaned_data[form.target_field],
                    answers=form.answers(),
                    rater_name=form.cleaned_data["rater_name"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, "测评已录入")
                return redirect("evaluations:results", pk=q.pk)
    return render(
        request,
        "evaluations/results.html",
        {"q": q, "rows": selectors.results(request.user, q), "form": form},
        status=status,
    )
