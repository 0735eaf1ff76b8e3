from django.contrib import admin

from .models import Client


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    """Administrative metadata only: the admin never decrypts or shows client data."""

    list_display = ["code", "therapist", "status", "intake_date", "discharge_date"]
    list_filter = ["status"]
    fields = ["code", "therapist", "status", "intake_date", "discharge_date", "created_at"]
    readonly_fields = fields
    ordering = ["therapist", "number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
