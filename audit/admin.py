from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by audit.services.log_event and never changed."""

    list_display = ["seq", "at", "username", "action", "object_type", "client_code", "outcome"]
    list_filter = ["action", "outcome"]
    ordering = ["-seq"]
    show_full_result_count = False  # a COUNT(*) per page view of a large log

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
