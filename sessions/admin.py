from django.contrib import admin

from .models import TherapySession


@admin.register(TherapySession)
class TherapySessionAdmin(admin.ModelAdmin):
    """Scheduling metadata only: the admin never decrypts or shows the note."""

    list_display = [
        "client_code",
        "date",
        "duration_minutes",
        "session_type",
        "modality",
        "note_format",
    ]
    list_filter = ["session_type", "modality", "note_format"]
    fields = [
        "client_code",
        "date",
        "start_time",
        "duration_minutes",
        "session_type",
        "modality",
        "note_format",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    list_select_related = ["client"]

    @admin.display(description="client")
    def client_code(self, obj: TherapySession) -> str:
        return obj.client.code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
