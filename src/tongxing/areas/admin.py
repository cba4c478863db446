from django.contrib import admin

from tongxing.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "synthetic")
    list_filter = ("level", "synthetic")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
