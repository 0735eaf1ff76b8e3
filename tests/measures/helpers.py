"""What the measures tests share: recording a questionnaire by its total, and questionnaire
files of a practice's own (a valid one, and the text to break it)."""

import datetime
from pathlib import Path

from measures import catalogue, services
from measures.scoring import answers_for_total

# A practice's own questionnaire, valid: three items answered 0-2, bands 0-2 and 3-6.
GOOD_EXTRA = """\
slug = "wellbeing3"
name = "Practice Wellbeing Check"
short_name = "PWC-3"
instructions = "Over the last week, how often have you felt the following?"
licence = "Written by the practice."
copyright = "Example Practice"
source = "Example Practice, 2026."

[scoring]
max_score = 6
prorate_max_missing = 1

[cutoff]
score = 3
label = "Cut-off (3)"

[reliable_change]
reliability = 0.8
sd = 2.0

[[options]]
value = 0
label = "Never"

[[options]]
value = 1
label = "Sometimes"

[[options]]
value = 2
label = "Often"

[[items]]
number = 1
text = "I felt on edge"

[[items]]
number = 2
text = "I felt low"

[[items]]
number = 3
text = "I slept badly"

[[bands]]
low = 0
high = 2
label = "Low"

[[bands]]
low = 3
high = 6
label = "High"
"""


def write_measure(directory: Path, text: str = GOOD_EXTRA, name: str = "wellbeing3.toml") -> Path:
    path = Path(directory) / name
    path.write_text(text, encoding="utf-8")
    return path


def measure(slug: str) -> catalogue.Measure:
    return catalogue.get_measure(slug)


def record(
    client,
    slug: str = "phq9",
    *,
    total: int | None = None,
    answers: dict | None = None,
    on: datetime.date = datetime.date(2026, 3, 2),
    user=None,
    risk: int = 0,
    source: str = "therapist",
):
    """One questionnaire stored through the one door: ``answers`` as given, or answers that
    add up to ``total`` (risk items answered ``risk``)."""
    if answers is None:
        answers = answers_for_total(measure(slug), total, risk=risk)
    return services.record_administration(
        client=client,
        measure_slug=slug,
        answers=answers,
        administered_on=on,
        user=user or client.therapist,
        source=source,
    )
