"""The note form's writing aids (through sessions.form_aids): the "Use template" picker and the
snippets typed with their triggers. The page script (static/js/snippets.js) reads the data from
the panel's data-aids attribute (JSON); without JavaScript the page has only the hint line."""

import json

from sessions.models import SECTION_LABELS, NoteFormat

from .models import TEMPLATE_EXTRA_FIELDS, NoteTemplate, Snippet

TEMPLATE = "writing/form_tools.html"
# The note form's field names (sessions.forms.SessionForm): its sections are "section_<key>".
SECTION_FIELD_PREFIX = "section_"


def template_fields(template: NoteTemplate) -> dict[str, str]:
    """{note form field name: text} of every part of the template that holds text."""
    fields = {"mood_affect": template.mood_affect}
    fields |= {SECTION_FIELD_PREFIX + key: text for key, _, text in template.section_texts()}
    fields |= {"plan": template.plan, "interventions": template.interventions}
    return {name: text for name, text in fields.items() if text}


def field_labels() -> dict[str, str]:
    labels = {SECTION_FIELD_PREFIX + key: label for key, label in SECTION_LABELS.items()}
    return labels | TEMPLATE_EXTRA_FIELDS


def note_form_tools(*, request, client, note_format) -> list[tuple[str, dict]]:
    templates = list(NoteTemplate.objects.for_therapist(request.user))
    snippets = sorted(Snippet.objects.for_therapist(request.user), key=lambda s: s.trigger)
    options = [
        {
            "id": str(t.pk),
            "name": t.name,
            "format_label": NoteFormat(t.note_format).label,
        }
        for t in templates
    ]
    data = {
        "templates": {
            str(t.pk): {"name": t.name, "format": t.note_format, "fields": template_fields(t)}
            for t in templates
        },
        "snippets": {s.trigger: s.text for s in snippets},
        "labels": field_labels(),
    }
    context = {
        "templates": options,
        "triggers": [s.trigger for s in snippets],
        # In an attribute, escaped as any value: the pages carry no inline <script> at all
        # (tests/security/xss_check.py), not even a JSON one.
        "data": json.dumps(data, ensure_ascii=False),
    }
    return [(TEMPLATE, context)]
