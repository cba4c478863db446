from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tongxing.accounts.models import User


@admin.register(User)
class TongxingUserAdmin(UserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "area",
        "department",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "department", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "Tongxing",
            {
                "fields": (
                    "display_name",
                    "role",
                    "area",
                    "department",
                    "large_text",
                    "high_contrast",
                )
            },
        ),
    )
    raw_id_fields = ("area",)
