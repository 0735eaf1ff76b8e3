"""The measures and the treatment plan in the export (export.py; docs/export.md): every
questionnaire as scored when it was stored, the measures due, every version of the plan, and
what each note recorded against it. Only ``client``'s rows: each query names the client."""

from clients.models import Client
from measures.catalogue import all_measures
from measures.models import Administration, MeasureSchedule
from plans.models import NoteProgress, PlanVersion, TreatmentPlan


def iso(value) -> str | None:
    """A date or time as the export writes it (ISO 8601), or None."""
    return value.isoformat() if value else None


def person(user) -> dict:
    """A member of staff as the export names them."""
    return {"username": user.get_username(), "name": user.get_full_name()}


def plan_progress(progress: NoteProgress) -> dict:
    """What the note recorded against the plan version current when it was written."""
    return {
        "plan_version": str(progress.plan_version_id),
        "plan_version_number": progress.plan_version.number,
        "goals_addressed": progress.goals_addressed(),
        "objectives": [
            {
                "objective": objective_id,
                "rating": entry["rating"] or None,
                "comment": entry["comment"],
            }
            for objective_id, entry in progress.objective_entries().items()
        ],
    }


def questionnaires(client: Client) -> list[dict]:
    """Every questionnaire the client completed, oldest first, as scored when it was stored."""
    catalogue = all_measures()
    rows = Administration.objects.filter(client=client).select_related("recorded_by")
    administrations = sorted(rows, key=lambda row: (row.administered_on, row.created_at))
    result = []
    for row in administrations:
        measure = catalogue.get(row.measure)
        score = row.result
        result.append(
            {
                "id": str(row.pk),
                "measure": row.measure,
                "measure_name": measure.name if measure else None,
                "administered_on": iso(row.administered_on),
                "recorded_at": iso(row.created_at),
                "recorded_by": person(row.recorded_by) if row.recorded_by else None,
                "source": row.source,
                "answers": {
                    item: value
                    for item, value in sorted(row.answers.items(), key=lambda pair: int(pair[0]))
                },
                "total": score.get("total"),
                "status": score.get("status", ""),
                "band": score.get("band") or None,
                "above_cutoff": score.get("above_cutoff"),
                "risk_items": list(score.get("risk_items", [])),
            }
        )
    return result


def measures_due(client: Client) -> dict:
    schedule = MeasureSchedule.objects.filter(client=client).first()
    return dict(schedule.due) if schedule else {}


def treatment_plan(client: Client, themes) -> dict | None:
    """The plan with every version, oldest first (signed ones as signed, a draft as it is)."""
    plan = TreatmentPlan.objects.filter(client=client).first()
    if plan is None:
        return None
    versions = (
        PlanVersion.objects.filter(client=client, plan=plan)
        .select_related("created_by", "signed_by")
        .order_by("number")
    )
    return {
        "id": str(plan.pk),
        "created_at": iso(plan.created_at),
        "versions": [
            {
                "id": str(version.pk),
                "number": version.number,
                "status": version.status,
                "created_at": iso(version.created_at),
                "created_by": person(version.created_by),
                "signed_at": iso(version.signed_at),
                "signed_by": person(version.signed_by) if version.signed_by else None,
                "content_hash": version.content_hash or None,
                "review_date": iso(version.review_date),
                "content": _plan_content(version.content, themes),
            }
            for version in versions
        ],
    }


def _plan_content(content: dict, themes) -> dict:
    """As stored, with each problem's themes named by slug (ids mean nothing elsewhere)."""
    return {
        "problems": [
            {
                "id": problem["id"],
                "text": problem["text"],
                "themes": [themes[pk].slug for pk in problem["theme_ids"] if pk in themes],
            }
            for problem in content.get("problems", [])
        ],
        "goals": [
            {
                "id": goal["id"],
                "text": goal["text"],
                "problem_ids": list(goal["problem_ids"]),
                "objectives": [
                    {
                        "id": objective["id"],
                        "text": objective["text"],
                        "target_date": objective.get("target_date"),
                    }
                    for objective in goal["objectives"]
                ],
            }
            for goal in content.get("goals", [])
        ],
        "interventions": [
            {
                "id": intervention["id"],
                "text": intervention["text"],
                "goal_ids": list(intervention["goal_ids"]),
            }
            for intervention in content.get("interventions", [])
        ],
    }
