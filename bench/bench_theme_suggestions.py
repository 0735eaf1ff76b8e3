"""Theme suggestions: precision and recall per category against a hand-labelled set of short
notes (bench/theme_eval/notes.jsonl), negation false positives, and time per call.

    python -m bench.bench_theme_suggestions [--errors train|test]

The notes are fictional and written for this set. Each has the themes a careful clinician would
tag ("themes"), the current, un-negated risk kinds ("risk"), and, where the note negates or
historicises something, what must NOT be suggested ("not_themes", "not_risk"). "split" is
"train" (used while writing the lexicon) or "test" (held out: never tuned against).
No budgets are set for these figures (budget null).
"""

import json
import sys
from collections import Counter
from pathlib import Path

from bench.harness import emit, median, note, percentile, timed_ms

ROOT = Path(__file__).resolve().parent.parent
EVAL_SET = ROOT / "bench" / "theme_eval" / "notes.jsonl"
BENCH = "theme_suggestions"
CATEGORY_ORDER = [
    "attachment",
    "self_concept",
    "relational",
    "coping",
    "affect",
    "risk",
    "life_areas",
    "therapy_process",
]


def load_notes(path: Path = EVAL_SET) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(notes: list[dict]) -> dict:
    """Micro precision/recall/F1 per category and overall, risk flags, negation false positives,
    and the per-note errors."""
    from themes.suggest import built_in_catalogue, suggest

    catalogue = built_in_catalogue()
    counts: dict[str, Counter] = {}
    negation_fp, errors = 0, []
    for row in notes:
        result = suggest(row["text"])
        predicted = {theme.slug for theme in result.themes}
        expected = set(row["themes"])
        flagged = {flag.kind for flag in result.risk if flag.current}
        for slug in predicted | expected:
            category = catalogue[slug][1]
            outcome = "tp" if slug in predicted & expected else "fp" if slug in predicted else "fn"
            for key in (category, "overall"):
                counts.setdefault(key, Counter())[outcome] += 1
        for kind in flagged | set(row["risk"]):
            outcome = (
                "tp" if kind in flagged & set(row["risk"]) else "fp" if kind in flagged else "fn"
            )
            counts.setdefault("risk_flags", Counter())[outcome] += 1
        wrong = (predicted & set(row.get("not_themes", []))) | (
            flagged & set(row.get("not_risk", []))
        )
        negation_fp += len(wrong)
        if predicted != expected or flagged != set(row["risk"]):
            errors.append(
                {
                    "id": row["id"],
                    "missed": sorted(expected - predicted) + sorted(set(row["risk"]) - flagged),
                    "extra": sorted(predicted - expected) + sorted(flagged - set(row["risk"])),
                    "text": row["text"],
                }
            )
    scores = {key: _ratios(counter) for key, counter in counts.items()}
    return {"scores": scores, "negation_false_positives": negation_fp, "errors": errors}


def _ratios(counter: Counter) -> dict[str, float]:
    tp, fp, fn = counter["tp"], counter["fp"], counter["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def long_notes(notes: list[dict], size: int = 3000, count: int = 40) -> list[str]:
    """Deterministic notes of about `size` characters, stitched from the evaluation notes."""
    texts = [row["text"] for row in notes]
    result = []
    for start in range(count):
        parts, length, i = [], 0, start
        while length < size:
            parts.append(texts[i % len(texts)])
            length += len(parts[-1]) + 1
            i += 7
        result.append(" ".join(parts)[:size])
    return result


def bench_quality(notes: list[dict], show_errors: str | None) -> None:
    for split in ("train", "test"):
        rows = [row for row in notes if row["split"] == split]
        report = evaluate(rows)
        note(f"\n{split}: {len(rows)} notes")
        note(f"{'category':18} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
        order = [*CATEGORY_ORDER, "risk_flags", "overall"]
        for key, ratios in sorted(report["scores"].items(), key=lambda kv: order.index(kv[0])):
            note(
                f"{key:18} {ratios['precision']:9.2f} {ratios['recall']:7.2f} "
                f"{ratios['f1']:6.2f} {ratios['support']:8d}"
            )
            for measure in ("precision", "recall"):
                emit(BENCH, f"{measure}_{key}_{split}", ratios[measure], "ratio")
            if key == "overall":
                emit(BENCH, f"f1_overall_{split}", ratios["f1"], "ratio")
        emit(
            BENCH, f"negation_false_positives_{split}", report["negation_false_positives"], "count"
        )
        note(f"negation false positives: {report['negation_false_positives']}")
        if show_errors == split:
            for error in report["errors"]:
                note(f"  {error['id']} missed={error['missed']} extra={error['extra']}")
                note(f"      {error['text']}")


def bench_speed(notes: list[dict]) -> None:
    from themes.suggest import suggest

    samples_notes = long_notes(notes)
    suggest(samples_notes[0])  # compile the lexicon once, as the first call in a process does
    samples = []
    for text in samples_notes:
        samples += timed_ms(lambda text=text: suggest(text), repeat=10)
    emit(BENCH, "suggest_p50_ms_3000_chars", median(samples), "ms")
    emit(BENCH, "suggest_p95_ms_3000_chars", percentile(samples, 0.95), "ms")
    note(
        f"\nsuggest() on 3,000-character notes: p50 {median(samples):.2f} ms, "
        f"p95 {percentile(samples, 0.95):.2f} ms ({len(samples)} calls)"
    )
    # A very long note, for scale.
    long = long_notes(notes, size=20_000, count=5)
    samples = [ms for text in long for ms in timed_ms(lambda text=text: suggest(text), repeat=3)]
    emit(BENCH, "suggest_p50_ms_20000_chars", median(samples), "ms")
    note(f"suggest() on 20,000-character notes: p50 {median(samples):.2f} ms")


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    show_errors = argv[argv.index("--errors") + 1] if "--errors" in argv else None
    notes = load_notes()
    bench_quality(notes, show_errors)
    bench_speed(notes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
