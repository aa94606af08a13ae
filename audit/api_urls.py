from django.urls import path
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("audit/records", api.RecordViewSet, basename="audit-record")

urlpatterns = [
    path("audit/chain/", api.ChainStatusView.as_view(), name="api-audit-chain"),
    path("audit/export/", api.RecordExportView.as_view(), name="api-audit-export"),
    *router.urls,
]
