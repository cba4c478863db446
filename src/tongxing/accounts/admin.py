from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tongxing.accounts.models import User


@admin.register(User)
class TongxingUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "area", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Tongxing", {"fields": ("display_name", "role", "area", "large_text", "high_contrast")}),
    )
    raw_id_fields = ("area",)
