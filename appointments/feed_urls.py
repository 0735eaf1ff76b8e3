"""The calendar feed: the therapist's page under /appointments/feed/, and the subscription
address itself, /calendar/<token>.ics, which calendar programs fetch without signing in (the
address is the key; see appointments/feed.py)."""

from django.urls import path

from . import feed_views

urlpatterns = [
    path("appointments/feed/", feed_views.calendar_feed_page, name="calendar_feed"),
    path("appointments/feed/renew/", feed_views.calendar_feed_renew, name="calendar_feed_renew"),
    path("appointments/feed/revoke/", feed_views.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", feed_views.calendar_ics, name="calendar_feed_ics"),
]
