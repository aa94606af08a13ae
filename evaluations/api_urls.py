"""API routes of this app, included under /api/ by config/urls.py."""

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("questionnaires", api.QuestionnaireViewSet, basename="questionnaire")
router.register("evaluations", api.EvaluationViewSet, basename="evaluation")

urlpatterns = router.urls
