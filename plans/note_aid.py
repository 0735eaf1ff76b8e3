"""The note form's "Treatment plan" aid (through sessions.form_aids): the goals this session
addressed and, per objective, a rating and a short comment, recorded with the note.

Its fields are the session form's own (``add_plan_fields``), so they are validated with the
note, shown again as typed when the form is refused, and kept by the autosave. A bad rating is
a form error like any other: the note is kept as a draft and the form shown again. A posted
objective that is not in the client's current plan has no field: it is ignored, and the page
says so. When the note is saved, ``save_progress`` stores them through plans.services in the
note's own transaction (before a *Save and sign* signs).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from encryption.validators import validate_plain_text
from sessions.models import NoteFormat

from . import reading, services
from .models import NoteProgress, Rating

TEMPLATE = "plans/includes/note_aid.html"
# Posted with the aid: it was on the page (so that a form without it leaves progress alone),
# and an autosave holding it restores unticked goals as unticked.
MARKER = "plan_progress"
PREFIXES = ("plan_goal_", "plan_rating_", "plan_comment_")


def goal_field(goal_id: str) -> str:
    return f"plan_goal_{goal_id}"


def rating_field(objective_id: str) -> str:
    return f"plan_rating_{objective_id}"


def comment_field(objective_id: str) -> str:
    return f"plan_comment_{objective_id}"


def _recorded(form) -> dict:
    if form.instance._state.adding or form.instance.pk is None:
        return {}
    progress = NoteProgress.objects.filter(session_id=form.instance.pk).first()
    return progress.entries if progress is not None else {}


def add_plan_fields(form) -> None:
    """The client's current plan's goals and objectives, as fields of the session form, with
    what the note recorded before as their initial values."""
    version = reading.latest_signed(form.client)
    form.plan_version = version
    if version is None:
        return
    recorded = _recorded(form)
    addressed = set(recorded.get("goals_addressed", []))
    rated = recorded.get("objectives", {})
    restored = not form.is_bound and bool(form.initial.get(MARKER))
    form.fields[MARKER] = forms.CharField(
        label="Treatment plan version",
        required=False,
        widget=forms.HiddenInput,
        initial=str(version.number),
    )
    for goal in version.goals():
        name = goal_field(goal["id"])
        form.fields[name] = forms.BooleanField(
            label=f"Goal addressed: {goal['text']}",
            required=False,
            initial=goal["id"] in addressed,
            widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        )
        if restored and name not in form.initial:  # unticked when autosaved
            form.initial[name] = False
        for objective in goal["objectives"]:
            entry = rated.get(objective["id"], {})
            form.fields[rating_field(objective["id"])] = forms.ChoiceField(
                label=f"Progress: {objective['text']}",
                choices=[("", "—"), *Rating.choices],
                required=False,
                initial=entry.get("rating", ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                error_messages={
                    "invalid_choice": "Choose worse, no change, some progress or achieved."
                },
            )
            form.fields[comment_field(objective["id"])] = forms.CharField(
                label=f"Comment: {objective['text']}",
                required=False,
                max_length=services.COMMENT_MAX_CHARS,
                validators=[validate_plain_text],
                initial=entry.get("comment", ""),
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm", "placeholder": "Comment"}
                ),
            )


def plan_aid(*, request, client, note_format) -> list[tuple[str, dict]]:
    """The aid's panel, when the client has a signed plan."""
    version = reading.latest_signed(client)
    if version is None:
        return []
    goals = [
        {
            "id": goal["id"],
            "text": goal["text"],
            "field": goal_field(goal["id"]),
            "objectives": [
                {
                    "text": objective["text"],
                    "target_date": objective["target_date"],
                    "rating_field": rating_field(objective["id"]),
                    "comment_field": comment_field(objective["id"]),
                }
                for objective in goal["objectives"]
            ],
        }
        for goal in version.goals()
    ]
    context = {
        "version": version,
        "goals": goals,
        "marker": MARKER,
        "girp": note_format == NoteFormat.GIRP,
        "plan_url": reverse("plan_detail", args=[client.pk]),
    }
    return [(TEMPLATE, context)]


def save_progress(*, request, form, session) -> None:
    """Store the aid's fields of a valid note form (sessions.form_aids.save_aids)."""
    version = getattr(form, "plan_version", None)
    if version is None or not form.cleaned_data.get(MARKER):
        return
    ignored = [
        name
        for name in form.data
        if name.startswith(PREFIXES) and name not in form.fields and form.data.get(name)
    ]
    if ignored:
        messages.warning(
            request,
            "Progress was posted for goals or objectives that are not in the client's current "
            "plan (it changed since the page was opened); it was not saved.",
        )
    goals = [
        goal["id"] for goal in version.goals() if form.cleaned_data.get(goal_field(goal["id"]))
    ]
    objectives = {}
    for objective in version.objectives():
        rating = form.cleaned_data.get(rating_field(objective["id"])) or ""
        comment = form.cleaned_data.get(comment_field(objective["id"])) or ""
        if rating or comment:
            objectives[objective["id"]] = {"rating": rating, "comment": comment}
    try:
        services.record_progress(
            session=session,
            user=request.user,
            goals_addressed=goals,
            objectives=objectives,
            request=request,
        )
    except ValidationError as error:  # the plan was signed anew between page and save
        messages.warning(
            request,
            "The note was saved, but not its treatment-plan progress: " + " ".join(error.messages),
        )
