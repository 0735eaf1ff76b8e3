"""Template filters of the plans pages: a form's field by a name held in a variable."""

from django import template

register = template.Library()


@register.filter
def field_named(form, name: str):
    """``form[name]`` (a bound field), or None when the form has no such field."""
    return form[name] if name in form.fields else None
