"""The first built-in taxonomy, 40 themes.

A frozen copy: this migration is history, and the taxonomy now lives in themes/data/themes.toml,
which 0004_sync_built_in_themes and later syncs read.
"""

from django.db import migrations

BUILT_IN_THEMES = [
    # (slug, name, category, description)
    (
        "maternal-rejection",
        "Maternal rejection",
        "attachment",
        "Experiences of a mother as dismissive, withholding or impossible to satisfy.",
    ),
    (
        "paternal-rejection",
        "Paternal rejection",
        "attachment",
        "Experiences of a father as absent, critical, rejecting or unreachable.",
    ),
    (
        "emotional-neglect",
        "Emotional neglect",
        "attachment",
        "Feelings went unseen or unanswered in childhood, even where physical care was present.",
    ),
    (
        "fear-of-abandonment",
        "Fear of abandonment",
        "attachment",
        "Anticipating being left; heightened distress at separations and silences.",
    ),
    (
        "parentification",
        "Parentification",
        "attachment",
        "Took on a caretaking or adult role for a parent or siblings while still a child.",
    ),
    (
        "enmeshment",
        "Enmeshment",
        "attachment",
        "Blurred emotional boundaries with family; difficulty feeling separate from a parent.",
    ),
    (
        "loyalty-conflict",
        "Loyalty conflict / idealising a parent",
        "attachment",
        "Guilt or disloyalty when naming a parent's failings; pull between idealising and seeing them as a person with their own history.",
    ),
    (
        "intergenerational-patterns",
        "Intergenerational patterns and new parenthood",
        "attachment",
        "Becoming a parent stirs up one's own childhood; patterns passed down the generations.",
    ),
    (
        "worthlessness",
        "Worthlessness / feeling unlovable",
        "self_concept",
        "A settled belief of being not enough or not deserving of love.",
    ),
    (
        "shame",
        "Shame",
        "self_concept",
        "A painful sense that the self, not just an action, is bad or defective.",
    ),
    (
        "self-doubt",
        "Self-doubt",
        "self_concept",
        "Second-guessing own perceptions, choices and competence; insecurity.",
    ),
    (
        "perfectionism",
        "Perfectionism",
        "self_concept",
        "Rigid, exacting standards; worth tied to flawless performance.",
    ),
    (
        "people-pleasing",
        "People-pleasing",
        "relational",
        "Shaping oneself to win approval and avoid displeasure, at own expense.",
    ),
    (
        "external-validation",
        "Seeking external validation",
        "relational",
        "Relying on others' praise or reassurance to feel acceptable.",
    ),
    (
        "boundary-difficulties",
        "Boundary difficulties",
        "relational",
        "Trouble saying no, protecting time or needs, with others or with oneself.",
    ),
    (
        "difficulty-trusting",
        "Difficulty trusting",
        "relational",
        "Expecting to be let down or hurt; insecurity in close relationships.",
    ),
    (
        "fear-of-intimacy",
        "Fear of intimacy and vulnerability",
        "relational",
        "Keeping distance; closeness and being truly seen feel dangerous.",
    ),
    (
        "fear-of-rejection",
        "Fear of rejection",
        "relational",
        "Anticipating being turned away again; avoiding risk in relationships.",
    ),
    (
        "hyper-adaptation",
        "Hyper-adaptation",
        "relational",
        "Chameleon-like fitting in; losing track of own preferences in company.",
    ),
    (
        "substance-use",
        "Substance use to numb",
        "coping",
        "Alcohol, drugs or other substances used to dampen emotional pain.",
    ),
    (
        "avoidance",
        "Avoidance",
        "coping",
        "Steering away from feared situations, feelings or conversations.",
    ),
    (
        "emotional-numbing",
        "Emotional numbing",
        "coping",
        "Feeling flat, cut off or detached from one's own emotions.",
    ),
    ("low-mood", "Low mood", "affect", "Sadness, hopelessness, loss of interest or energy."),
    ("anxiety", "Anxiety", "affect", "Worry, tension, panic or physical signs of fear."),
    ("anger", "Anger", "affect", "Irritability, resentment or anger, expressed or held in."),
    (
        "grief-and-loss",
        "Grief and loss",
        "affect",
        "Bereavement or other losses: relationships, health, roles, hopes.",
    ),
    ("guilt", "Guilt", "affect", "A sense of having done wrong or failed others; self-blame."),
    (
        "self-harm",
        "Self-harm",
        "risk",
        "Deliberate self-injury, urges or recent acts; needs a risk review.",
    ),
    (
        "suicidal-thoughts",
        "Suicidal thoughts",
        "risk",
        "Thoughts of ending one's life, passive or active; needs a risk review.",
    ),
    ("parenting", "Parenting", "life_areas", "Challenges and feelings in raising children."),
    (
        "couple-conflict",
        "Couple conflict",
        "life_areas",
        "Tension, arguments or distance with a partner.",
    ),
    (
        "family-conflict",
        "Family conflict",
        "life_areas",
        "Strain with parents, siblings or wider family.",
    ),
    (
        "work-stress",
        "Work stress",
        "life_areas",
        "Workload, conflict or insecurity at work or study.",
    ),
    (
        "sleep",
        "Sleep",
        "life_areas",
        "Difficulty falling or staying asleep, nightmares, exhaustion.",
    ),
    (
        "eating",
        "Eating",
        "life_areas",
        "Restriction, bingeing or a troubled relationship with food and body.",
    ),
    (
        "trauma",
        "Trauma",
        "life_areas",
        "Effects of overwhelming events: intrusions, hypervigilance, avoidance.",
    ),
    (
        "domestic-violence",
        "Domestic violence",
        "life_areas",
        "Abuse or coercive control in a close relationship, past or present.",
    ),
    (
        "re-enactment",
        "Re-enactment with the therapist / transference",
        "therapy_process",
        "The old relational wound shows up in the therapy relationship itself.",
    ),
    (
        "rupture-and-repair",
        "Alliance rupture and repair",
        "therapy_process",
        "Strains in the working alliance, and the work of mending them.",
    ),
    (
        "ambivalence",
        "Ambivalence about change",
        "therapy_process",
        "Wanting and not wanting change; mixed feelings about the work.",
    ),
]


def load_built_in_themes(apps, schema_editor):
    Theme = apps.get_model("themes", "Theme")
    for order, (slug, name, category, description) in enumerate(BUILT_IN_THEMES):
        Theme.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "category": category,
                "description": description,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("themes", "0001_initial")]

    operations = [migrations.RunPython(load_built_in_themes, migrations.RunPython.noop)]
