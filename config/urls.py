from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = "走访 · 系统管理"
admin.site.site_title = "走访系统管理"
admin.site.index_title = "配置与审计"

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("campaigns.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("visits.api_urls")),
    path("", include("grievances.api_urls")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("", include("campaigns.urls")),
    path("visits/", include("visits.urls")),
    path("grievances/", include("grievances.urls")),
    path("grievances/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
]
