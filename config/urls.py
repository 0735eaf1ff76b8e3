from django.contrib import admin
from django.urls import include, path

from . import health, views

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"

urlpatterns = [
    # Anonymous (config/health.py); unnamed, since tests/security/test_access.py requires sign-in on
    # every named route. tests/config/test_health.py checks it.
    path("healthz", health.healthz),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("clients/", include("clients.urls")),
    path("themes/", include("themes.urls")),
    path("search/", include("search.urls")),
    path("summaries/", include("summaries.urls")),
    path("", include("sessions.urls")),
]
