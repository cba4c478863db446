from django import template

register = template.Library()


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key)
