from django.contrib import admin
from django.urls import include, path

from . import health

handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"

urlpatterns = [
    # Anonymous (config/health.py); unnamed, since tests/security/test_access.py requires
    # sign-in on every named route. tests/config/test_health.py checks it.
    path("healthz", health.healthz),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("appointments/import/", include("appointments.import_urls")),
    path("appointments/", include("appointments.urls")),
    # The calendar feed's page (appointments/feed/) and its address (calendar/<token>.ics).
    path("", include("appointments.feed_urls")),
    # The note of an appointment is the sessions app's: it sits above appointments.
    path("appointments/<uuid:pk>/note/", include("sessions.appointment_urls")),
    path("clients/", include("clients.urls")),
    # Pages under a client's or a note's address that belong to an app above clients or
    # sessions in the dependency order (docs/architecture.md): erasure is a write to the
    # record (sessions), the export an output (summaries), suggestions are themes'.
    path("clients/<uuid:pk>/", include("sessions.client_urls")),
    path("clients/<uuid:pk>/", include("summaries.client_urls")),
    path("sessions/<uuid:pk>/themes/", include("themes.note_urls")),
    path("themes/", include("themes.urls")),
    path("search/", include("search.urls")),
    path("writing/", include("writing.urls")),
    path("measures/", include("measures.urls")),
    # A client's one-time questionnaire address (anonymous: the token is the key).
    path("q/", include("measures.link_urls")),
    path("plans/", include("plans.urls")),
    path("summaries/", include("summaries.urls")),
    path("", include("sessions.urls")),
]
