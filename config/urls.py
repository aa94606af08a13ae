from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

admin.site.site_header = "走访 · 系统管理"
admin.site.site_title = "走访系统管理"
admin.site.index_title = "配置与审计"

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: the content security policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("campaigns.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("visits.api_urls")),
    path("", include("grievances.api_urls")),
    path("", include("evaluations.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("liaison.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("", include("campaigns.urls")),
    path("visits/", include("visits.urls")),
    path("grievances/", include("grievances.urls")),
    path("grievances/", include("notifications.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("reports/", include("reports.urls")),
    # The communities' public boards (公开栏): read without signing in.
    path("public/", include("grievances.public_urls")),
    path("audit/", include("audit.urls")),
    path("liaison/", include("liaison.urls")),
    # Open311 GeoReport v2 for the 12345 platform and other external systems (API keys).
    path("open311/v2/", include("grievances.open311")),
]

# Chinese error pages inside the app's layout; JSON under /api/ (campaigns.views).
handler400 = "campaigns.views.bad_request"
handler403 = "campaigns.views.permission_denied"
handler404 = "campaigns.views.page_not_found"
handler500 = "campaigns.views.server_error"
