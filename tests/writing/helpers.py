"""What the writing aids' tests share: templates and snippets made through writing.services."""

from writing import services


def make_template(therapist, **fields):
    fields.setdefault("name", "SOAP: follow-up")
    fields.setdefault("note_format", "soap")
    fields.setdefault("sections", {"subjective": "Since last session: ___."})
    return services.create_template(therapist=therapist, **fields)


def make_snippet(therapist, **fields):
    fields.setdefault("trigger", ";hw")
    fields.setdefault("text", "Homework reviewed: ___.")
    return services.create_snippet(therapist=therapist, **fields)
