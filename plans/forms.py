"""The plan editor: problems (with themes), goals with their measurable objectives, and
interventions, as rows of one form.

Rows are numbered in their field names (``problem-0-text``, ``goal-2-objective-1-target_date``,
``intervention-0-goals``); a posted form is read back row by row from the names it holds, so
whatever was typed is shown again when something is wrong. Each list with room for another
row ends with a blank one (a goal with a blank objective) so that a row can be added without
JavaScript; the page script (static/js/plans_editor.js) adds more, up to the limits. A row
keeps its stable id in a hidden field, and only ids of the plan it edits are taken back; a new
row has none until the service gives it one.
"""

import re
from itertools import groupby

from django import forms

from encryption.validators import validate_plain_text
from themes.models import Category, Theme

from .content import (
    MAX_OBJECTIVES_PER_GOAL,
    MAX_ROWS,
    MAX_TEXT,
    MAX_THEMES,
    empty_content,
    ids_in,
    is_id,
)

MAX_VERSION = 2**31 - 1
ROW_PATTERNS = {
    "problem": re.compile(r"problem-(\d{1,3})-"),
    "goal": re.compile(r"goal-(\d{1,3})-(?!objective-)"),
    "objective": re.compile(r"goal-(\d{1,3})-objective-(\d{1,3})-"),
    "intervention": re.compile(r"intervention-(\d{1,3})-"),
}


def _label(number: int, text: str) -> str:
    return f"{number}. {text[:80]}{'…' if len(text) > 80 else ''}"


def theme_choices(user, keep: set[int]) -> list:
    """The therapist's themes by category (active ones, and inactive ones already linked)."""
    themes = [
        theme for theme in Theme.objects.available_to(user) if theme.active or theme.pk in keep
    ]
    labels = dict(Category.choices)
    themes.sort(key=lambda theme: (theme.category, theme.name.casefold()))
    return [
        (labels.get(category, category), [(theme.pk, theme.name) for theme in group])
        for category, group in groupby(themes, key=lambda theme: theme.category)
    ]


def _text_field(label: str, *, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT,
        validators=[validate_plain_text],
        widget=forms.Textarea(attrs={"rows": rows, "class": "form-control"}),
    )


def _id_field() -> forms.CharField:
    return forms.CharField(required=False, max_length=8, widget=forms.HiddenInput)


def _remove_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="Remove",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a date (YYYY-MM-DD)."},
    )


def _links_field(label: str, choices: list) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={
            "invalid_choice": "A row it links to is no longer in the plan: reload the page."
        },
    )


class PlanForm(forms.Form):
    review_date = _date_field("Review date")
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_VERSION
    )
    draft = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data=None,
        *,
        user,
        content: dict,
        initial=None,
        blank_rows: bool = True,
        known_ids: set[str] | None = None,
    ):
        """``content``: what the page started from (the draft, else the latest signed version,
        else nothing). Its rows fill an unposted form; its problems and goals are what goals and
        interventions can link to. ``known_ids``: the row ids a post may name (those of
        ``content`` unless given: the view adds the signed version a draft was copied from).
        Any other id was not given by this plan, and is refused rather than stored."""
        super().__init__(data, initial=initial)
        self.base = content or empty_content()
        self.known_ids = ids_in(self.base) if known_ids is None else set(known_ids)
        keep = {pk for problem in self.base["problems"] for pk in problem["theme_ids"]}
        self.themes = theme_choices(user, keep)
        self.problem_choices = [
            (row["id"], _label(n, row["text"])) for n, row in enumerate(self.base["problems"], 1)
        ]
        self.goal_choices = [
            (row["id"], _label(n, row["text"])) for n, row in enumerate(self.base["goals"], 1)
        ]
        if self.is_bound:
            self._layout_from_data()
        else:
            self._layout_from_content(blank_rows)
        for key in self.problem_keys:
            self._add_problem(key)
        for key, objectives in self.goal_keys:
            self._add_goal(key)
            for inner in objectives:
                self._add_objective(key, inner)
        for key in self.intervention_keys:
            self._add_intervention(key)

    # --- which rows ------------------------------------------------------------------------
    def _layout_from_data(self) -> None:
        found: dict[str, set] = {"problem": set(), "goal": set(), "intervention": set()}
        objectives: dict[str, set] = {}
        for name in self.data:
            if match := ROW_PATTERNS["objective"].match(name):
                objectives.setdefault(match[1], set()).add(match[2])
                found["goal"].add(match[1])
                continue
            for kind in found:
                if match := ROW_PATTERNS[kind].match(name):
                    found[kind].add(match[1])

        # Every posted row is read back, even past the limits: the service refuses a plan
        # over them with a message, and the rows are shown again to be trimmed, none lost.
        # (A post holds at most DATA_UPLOAD_MAX_NUMBER_FIELDS fields, so the rows are few.)
        def ordered(keys: set) -> list[str]:
            return sorted(keys, key=int)

        self.problem_keys = ordered(found["problem"])
        self.goal_keys = [
            (key, ordered(objectives.get(key, set()))) for key in ordered(found["goal"])
        ]
        self.intervention_keys = ordered(found["intervention"])

    def _layout_from_content(self, blank_rows: bool) -> None:
        def keys(rows: list, most: int = MAX_ROWS) -> list[str]:
            """A key per row, and one for a blank row where the limit leaves room."""
            extra = 1 if blank_rows and len(rows) < most else 0
            return [str(n) for n in range(len(rows) + extra)]

        base = self.base
        self.problem_keys = keys(base["problems"])
        goals = [*base["goals"], {"objectives": []}]
        self.goal_keys = [
            (key, keys(goals[int(key)]["objectives"], MAX_OBJECTIVES_PER_GOAL))
            for key in keys(base["goals"])
        ]
        self.intervention_keys = keys(base["interventions"])
        for n, row in enumerate(base["problems"]):
            self.initial |= {
                f"problem-{n}-id": row["id"],
                f"problem-{n}-text": row["text"],
                f"problem-{n}-themes": row["theme_ids"],
            }
        for n, row in enumerate(base["goals"]):
            self.initial |= {
                f"goal-{n}-id": row["id"],
                f"goal-{n}-text": row["text"],
                f"goal-{n}-problems": row["problem_ids"],
            }
            for m, objective in enumerate(row["objectives"]):
                prefix = f"goal-{n}-objective-{m}-"
                self.initial |= {
                    prefix + "id": objective["id"],
                    prefix + "text": objective["text"],
                    prefix + "target_date": objective["target_date"] or "",
                }
        for n, row in enumerate(base["interventions"]):
            self.initial |= {
                f"intervention-{n}-id": row["id"],
                f"intervention-{n}-text": row["text"],
                f"intervention-{n}-goals": row["goal_ids"],
            }

    # --- the fields of one row -------------------------------------------------------------
    def _add_problem(self, key: str) -> None:
        prefix = f"problem-{key}-"
        self.fields[prefix + "id"] = _id_field()
        self.fields[prefix + "text"] = _text_field("Problem")
        self.fields[prefix + "themes"] = forms.TypedMultipleChoiceField(
            label="Themes",
            required=False,
            coerce=int,
            choices=self.themes,
            widget=forms.SelectMultiple(attrs={"class": "form-select form-select-sm", "size": 4}),
            error_messages={"invalid_choice": "Choose themes from the list."},
        )
        self.fields[prefix + "remove"] = _remove_field()

    def _add_goal(self, key: str) -> None:
        prefix = f"goal-{key}-"
        self.fields[prefix + "id"] = _id_field()
        self.fields[prefix + "text"] = _text_field("Goal")
        self.fields[prefix + "problems"] = _links_field(
            "Problems it addresses", self.problem_choices
        )
        self.fields[prefix + "remove"] = _remove_field()

    def _add_objective(self, goal: str, key: str) -> None:
        prefix = f"goal-{goal}-objective-{key}-"
        self.fields[prefix + "id"] = _id_field()
        self.fields[prefix + "text"] = _text_field("Measurable objective", rows=1)
        self.fields[prefix + "target_date"] = _date_field("Target date")
        self.fields[prefix + "remove"] = _remove_field()

    def _add_intervention(self, key: str) -> None:
        prefix = f"intervention-{key}-"
        self.fields[prefix + "id"] = _id_field()
        self.fields[prefix + "text"] = _text_field("Intervention")
        self.fields[prefix + "goals"] = _links_field("Goals it serves", self.goal_choices)
        self.fields[prefix + "remove"] = _remove_field()

    # --- reading the rows back -------------------------------------------------------------
    def _row(self, prefix: str, kind: str, what: str, links: str | None = None):
        """(id, text, links, removed) of one row, or None for a blank new row; errors added."""
        data = self.cleaned_data
        row_id = data.get(prefix + "id") or ""
        if row_id and (not is_id(row_id, kind) or row_id not in self.known_ids):
            self.add_error(prefix + "text", "This row's id is damaged: reload the page.")
            return None
        text = data.get(prefix + "text") or ""
        # A link field that failed its own validation is not in cleaned_data: its error is
        # shown on the form, and the row is read as linking to nothing.
        linked = (data.get(prefix + links) or []) if links else None
        if data.get(prefix + "remove"):
            return (row_id, text, linked, True)
        if not text and prefix + "text" not in self.errors:
            if row_id:
                self.add_error(prefix + "text", f"Write the {what}, or tick Remove.")
            elif linked:
                self.add_error(prefix + "text", f"Write the {what}, or clear what it links to.")
            return None
        return (row_id, text, linked, False)

    def clean(self):
        cleaned = super().clean()
        content = empty_content()
        for key in self.problem_keys:
            row = self._row(f"problem-{key}-", "problems", "problem", "themes")
            if row and len(row[2]) > MAX_THEMES:
                self.add_error(f"problem-{key}-themes", f"Choose at most {MAX_THEMES} themes.")
            if row and not row[3]:
                content["problems"].append({"id": row[0], "text": row[1], "theme_ids": row[2]})
        for key, objectives in self.goal_keys:
            row = self._row(f"goal-{key}-", "goals", "goal", "problems")
            kept = []
            for inner in objectives:
                prefix = f"goal-{key}-objective-{inner}-"
                date = cleaned.get(prefix + "target_date")
                objective = self._row(prefix, "objectives", "objective")
                if objective is None and date and prefix + "text" not in self.errors:
                    self.add_error(prefix + "text", "Write the objective, or clear its date.")
                elif objective and not objective[3]:
                    kept.append({"id": objective[0], "text": objective[1], "target_date": date})
            if row and not row[3]:
                content["goals"].append(
                    {"id": row[0], "text": row[1], "problem_ids": row[2], "objectives": kept}
                )
            elif row is None and kept:
                self.add_error(f"goal-{key}-text", "Write the goal its objectives belong to.")
        for key in self.intervention_keys:
            row = self._row(f"intervention-{key}-", "interventions", "intervention", "goals")
            if row and not row[3]:
                content["interventions"].append({"id": row[0], "text": row[1], "goal_ids": row[2]})
        # Links to rows removed in this same post go with them.
        problems = {row["id"] for row in content["problems"] if row["id"]}
        goals = {row["id"] for row in content["goals"] if row["id"]}
        for goal in content["goals"]:
            goal["problem_ids"] = [pk for pk in goal["problem_ids"] if pk in problems]
        for intervention in content["interventions"]:
            intervention["goal_ids"] = [pk for pk in intervention["goal_ids"] if pk in goals]
        self.content = content
        return cleaned

    # --- rendering ---------------------------------------------------------------------------
    def _fields(self, prefix: str, names: tuple[str, ...]) -> dict:
        return {name: self[prefix + name] for name in names}

    def problem_rows(self) -> list[dict]:
        return [
            {"key": key, **self._fields(f"problem-{key}-", ("id", "text", "themes", "remove"))}
            for key in self.problem_keys
        ]

    def goal_rows(self) -> list[dict]:
        rows = []
        for key, objectives in self.goal_keys:
            row = {"key": key, **self._fields(f"goal-{key}-", ("id", "text", "problems", "remove"))}
            row["objectives"] = [
                {
                    "key": inner,
                    **self._fields(
                        f"goal-{key}-objective-{inner}-", ("id", "text", "target_date", "remove")
                    ),
                }
                for inner in objectives
            ]
            numbered = [int(inner) for inner in objectives if inner.isdigit()]
            row["next_objective"] = max(numbered, default=-1) + 1
            rows.append(row)
        return rows

    def intervention_rows(self) -> list[dict]:
        return [
            {"key": key, **self._fields(f"intervention-{key}-", ("id", "text", "goals", "remove"))}
            for key in self.intervention_keys
        ]

    def next_keys(self) -> dict[str, int]:
        """The number the page script gives the next row of each list."""
        return {
            "problem": max((int(key) for key in self.problem_keys), default=-1) + 1,
            "goal": max((int(key) for key, _ in self.goal_keys), default=-1) + 1,
            "intervention": max((int(key) for key in self.intervention_keys), default=-1) + 1,
        }


class BlankRows(PlanForm):
    """One empty row of each kind, numbered with placeholders the page script replaces
    (__P__, __G__, __O__, __I__): the <template>s of the editor's "Add" buttons."""

    def _layout_from_content(self, blank_rows: bool) -> None:
        self.problem_keys = ["__P__"]
        self.goal_keys = [("__G__", ["__O__"])]
        self.intervention_keys = ["__I__"]

    def next_keys(self) -> dict[str, int]:
        return {}
