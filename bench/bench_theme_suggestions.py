"""Theme suggestions and risk flags against two hand-labelled sets, and time per call.

    python -m bench.bench_theme_suggestions [--errors train|test]
    python -m bench.bench_theme_suggestions --split-check    (validate the sets, exit 1 on a fault)
    python -m bench.bench_theme_suggestions --counts         (the counts in theme_eval/README.md)

bench/theme_eval/sentences.jsonl holds single sentences with the themes a careful clinician would
tag, the themes that are mentioned but must not be suggested, and a status for every risk kind
mentioned; sentences_extra.jsonl adds more in the same shape, all in the train split. The older
bench/theme_eval/notes.jsonl (short notes; "risk" lists current kinds, "not_risk" kinds mentioned
but not current) is read too: its current kinds become "current" and its not_risk kinds
"denied". "test" rows are held out: rules are never tuned against them, and budgets are set on
the test split only. One JSON figure per line on stdout; tables, every missed current risk and
every false alarm on stderr (all text in both sets is fictional).
"""

import json
import os
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

from bench.harness import emit, median, note, percentile

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "bench" / "theme_eval"
SENTENCES = EVAL_DIR / "sentences.jsonl"
# Every file of single sentences (sentences.jsonl, then the training-only sentences_*.jsonl);
# all are read, checked and counted as one set.
SENTENCE_FILES = (SENTENCES, *sorted(EVAL_DIR.glob("sentences_*.jsonl")))
OLD_NOTES = EVAL_DIR / "notes.jsonl"
THEMES_TOML = ROOT / "themes" / "data" / "themes.toml"
BENCH = "theme_suggestions"
SPLITS = ("train", "test")
KINDS = ("self_harm", "suicidal_thoughts", "harm_to_others")
STATUSES = ("current", "denied", "historical", "hypothetical", "question", "other_person")
# Budgets apply to the held-out split only; train figures are printed without one.
TEST_BUDGETS = {
    "risk_recall_current": 0.98,
    "risk_false_alarm_rate": 0.02,
    "theme_precision": 0.90,
    "theme_recall": 0.80,
    "negated_suggestions": 0,
    "suggest_cpu_p50_ms_3000_chars": 5,
    "suggest_first_call_ms": 150,
}
RISK_THEMES = {
    "self_harm": "self-harm",
    "suicidal_thoughts": "suicidal-thoughts",
    "harm_to_others": "harm-to-others",
}
# What the sentence files must hold between them so that every figure rests on enough cases (see
# their README): "other" is each status but current, "theme" each built-in theme as a positive
# label.
MINIMUM = {
    "rows": 640,
    "risk_rows": 220,
    "current": 90,
    "current_test": 35,
    "other": 25,
    "other_test": 9,
    "theme": 6,
    "theme_test": 2,
}


def built_in_categories(path: Path = THEMES_TOML) -> dict[str, str]:
    """Slug -> category of every built-in theme (the taxonomy only, none of the cues)."""
    with path.open("rb") as file:
        return {slug: table.get("category", "") for slug, table in tomllib.load(file).items()}


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_notes(path: Path = OLD_NOTES) -> list[dict]:
    """The older notes set, as stored."""
    return _read_jsonl(path)


def load_sentences() -> list[dict]:
    """Every sentence file, in order."""
    return [row for path in SENTENCE_FILES for row in _read_jsonl(path)]


def load_rows() -> list[dict]:
    """Both sets in one shape: risk maps kind -> status."""
    return load_sentences() + [_from_old(row) for row in load_notes()]


def _from_old(row: dict) -> dict:
    risk = {kind: "denied" for kind in row.get("not_risk", [])}
    risk.update({kind: "current" for kind in row["risk"]})
    return {**row, "style": "note", "not_themes": row.get("not_themes", []), "risk": risk}


# --- validation --------------------------------------------------------------------------------


def check_files(
    slugs: set[str],
    sentences: Path | tuple[Path, ...] = SENTENCE_FILES,
    notes: Path = OLD_NOTES,
) -> str | None:
    """The first fault in the sentence files and the notes file as one readable line, or None.
    Ids are checked across all of them, so a sentence file cannot reuse another's id."""
    seen: set[str] = set()
    paths = (sentences,) if isinstance(sentences, Path) else sentences
    for path, old in [*((path, False) for path in paths), (notes, True)]:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    return f"{path.name}:{number}: not JSON ({error.msg})"
                problem = _check_row(row, slugs, old, seen)
                if problem:
                    return f"{path.name}:{number}: {problem}"
                seen.add(row["id"])
    return None


def _check_row(row: dict, slugs: set[str], old: bool, seen: set[str]) -> str | None:
    keys = {"id", "split", "text", "themes", "risk"} | (set() if old else {"style", "not_themes"})
    if missing := keys - row.keys():
        return f"missing {', '.join(sorted(missing))}"
    if row["id"] in seen:
        return f"id {row['id']} used twice"
    if row["split"] not in SPLITS:
        return f"{row['id']}: split {row['split']!r} is not train or test"
    if not isinstance(row["text"], str) or not row["text"].strip():
        return f"{row['id']}: empty text"
    themes, not_themes = row["themes"], row.get("not_themes", [])
    for slug in [*themes, *not_themes]:
        if slug not in slugs:
            return f"{row['id']}: unknown theme {slug!r}"
    if both := set(themes) & set(not_themes):
        return f"{row['id']}: {', '.join(sorted(both))} in both themes and not_themes"
    if old:
        kinds = [*row["risk"], *row.get("not_risk", [])]
        statuses = ["current"]
    else:
        if not isinstance(row["risk"], dict):
            return f"{row['id']}: risk must map kind to status"
        kinds, statuses = list(row["risk"]), list(row["risk"].values())
    if bad := [kind for kind in kinds if kind not in KINDS]:
        return f"{row['id']}: unknown risk kind {bad[0]!r}"
    if bad := [status for status in statuses if status not in STATUSES]:
        return f"{row['id']}: unknown risk status {bad[0]!r}"
    if not old:
        # The risk theme is a positive label exactly when its risk is current.
        for kind, status in row["risk"].items():
            if (RISK_THEMES[kind] in themes) != (status == "current"):
                return f"{row['id']}: {kind} is {status} but {RISK_THEMES[kind]} disagrees"
    return None


def shortfalls(rows: list[dict], slugs: set[str]) -> list[str]:
    """Where the sentence set falls short of the minimum counts it promises."""
    counts, low = eval_counts(rows), MINIMUM
    wanted = [
        ("rows", counts["rows"], low["rows"]),
        ("sentences mentioning risk", counts["risk_rows"], low["risk_rows"]),
        ("current pairs", counts["status"]["current"], low["current"]),
        ("current pairs in test", counts["status_test"]["current"], low["current_test"]),
    ]
    for status in STATUSES[1:]:
        wanted.append((f"{status} pairs", counts["status"][status], low["other"]))
        wanted.append((f"{status} pairs in test", counts["status_test"][status], low["other_test"]))
    for slug in sorted(slugs):
        wanted.append((f"{slug} positives", counts["theme"][slug], low["theme"]))
        wanted.append((f"{slug} positives in test", counts["theme_test"][slug], low["theme_test"]))
    return [f"{what}: {have} < {need}" for what, have, need in wanted if have < need]


def eval_counts(rows: list[dict]) -> dict:
    pairs = [(row, status) for row in rows for status in row["risk"].values()]
    return {
        "rows": len(rows),
        "split": Counter(row["split"] for row in rows),
        "risk_rows": sum(1 for row in rows if row["risk"]),
        "status": Counter(status for _, status in pairs),
        "status_test": Counter(status for row, status in pairs if row["split"] == "test"),
        "theme": Counter(slug for row in rows for slug in row["themes"]),
        "theme_test": Counter(s for row in rows if row["split"] == "test" for s in row["themes"]),
        "style": Counter(row["style"] for row in rows),
    }


def print_counts(rows: list[dict], categories: dict[str, str]) -> None:
    """Markdown tables of the sentence set, per split (for theme_eval/README.md)."""
    by_split = {split: [row for row in rows if row["split"] == split] for split in SPLITS}
    split_counts = {split: eval_counts(part) for split, part in by_split.items()}

    def table(title: str, keys: list[str], count) -> None:
        print(f"\n| {title} | train | test | total |\n|---|---:|---:|---:|")
        for key in keys:
            train, test = (count(split_counts[split], key) for split in SPLITS)
            print(f"| {key} | {train} | {test} | {train + test} |")

    table("rows", ["sentences", "mentioning risk", "no risk ({})"], _row_count)
    table("risk status (sentence, kind) pairs", list(STATUSES), lambda c, k: c["status"][k])
    order = list(dict.fromkeys(categories.values()))
    table(
        "positive theme labels by category",
        order,
        lambda c, k: sum(n for slug, n in c["theme"].items() if categories.get(slug) == k),
    )
    table("style", sorted(eval_counts(rows)["style"]), lambda c, k: c["style"][k])


def _row_count(counts: dict, key: str) -> int:
    if key == "sentences":
        return counts["rows"]
    if key == "mentioning risk":
        return counts["risk_rows"]
    return counts["rows"] - counts["risk_rows"]


# --- quality -----------------------------------------------------------------------------------


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def score_split(rows: list[dict], results: list, categories: dict[str, str]) -> dict:
    """Risk recall, false alarms, status accuracy, theme precision/recall and the errors."""
    current_pairs = current_hits = alarm_items = alarms = status_pairs = status_hits = 0
    alarms_by_status: Counter = Counter()
    misses, false_alarms, theme_errors = [], [], []
    themes: dict[str, Counter] = {}
    negated = 0
    for row, result in zip(rows, results, strict=True):
        flags = result.risk
        for kind, status in row["risk"].items():
            of_kind = [flag for flag in flags if flag.kind == kind]
            status_pairs += 1
            status_hits += any(flag.status == status for flag in of_kind)
            flagged_current = any(flag.current for flag in of_kind)
            if status == "current":
                current_pairs += 1
                current_hits += flagged_current
                if not flagged_current:
                    got = ", ".join(flag.status for flag in of_kind) or "no flag"
                    misses.append(f"{row['id']} {kind} ({got}): {row['text']}")
            else:
                alarm_items += 1
                alarms += flagged_current
                alarms_by_status[status] += flagged_current
                if flagged_current:
                    false_alarms.append(f"{row['id']} {kind} labelled {status}: {row['text']}")
        if not row["risk"]:
            alarm_items += 1
            raised = sorted({flag.kind for flag in flags if flag.current})
            alarms += bool(raised)
            if raised:
                false_alarms.append(f"{row['id']} {', '.join(raised)} on no risk: {row['text']}")
        predicted = {theme.slug: theme.category for theme in result.themes}
        expected = set(row["themes"])
        for slug in set(predicted) | expected:
            category = predicted.get(slug) or categories.get(slug, "unknown")
            outcome = ("fp", "tp")[slug in expected] if slug in predicted else "fn"
            for key in (category, "overall"):
                themes.setdefault(key, Counter())[outcome] += 1
        wrong = set(predicted) & set(row.get("not_themes", []))
        negated += len(wrong)
        if set(predicted) != expected:
            theme_errors.append(
                f"{row['id']} missed={sorted(expected - set(predicted))} "
                f"extra={sorted(set(predicted) - expected)}"
                + (f" NEGATED={sorted(wrong)}" if wrong else "")
                + f"\n      {row['text']}"
            )
    return {
        "risk_recall_current": _ratio(current_hits, current_pairs),
        "risk_false_alarm_rate": alarms / alarm_items if alarm_items else 0.0,
        "risk_status_accuracy": _ratio(status_hits, status_pairs),
        "themes": {
            key: (_ratio(c["tp"], c["tp"] + c["fp"]), _ratio(c["tp"], c["tp"] + c["fn"]), c)
            for key, c in themes.items()
        },
        "negated_suggestions": negated,
        "alarms_by_status": alarms_by_status,
        "sizes": (current_pairs, alarm_items, status_pairs),
        "misses": misses,
        "false_alarms": false_alarms,
        "theme_errors": theme_errors,
    }


def evaluate(notes: list[dict]) -> dict:
    """The older report on notes.jsonl rows (per-category precision/recall/F1 and negation false
    positives: a not_themes slug suggested or a not_risk kind flagged current)."""
    from themes.suggest import suggest

    rows = [_from_old(row) for row in notes]
    report = score_split(rows, [suggest(row["text"]) for row in rows], built_in_categories())
    scores = {}
    for key, (precision, recall, counter) in report["themes"].items():
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        support = counter["tp"] + counter["fn"]
        scores[key] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    negation = report["negated_suggestions"] + report["alarms_by_status"]["denied"]
    return {
        "scores": scores,
        "negation_false_positives": negation,
        "errors": report["theme_errors"],
    }


def bench_quality(rows: list[dict], show_errors: str | None) -> None:
    from themes.suggest import suggest

    categories = built_in_categories()
    for split in SPLITS:
        part = [row for row in rows if row["split"] == split]
        report = score_split(part, [suggest(row["text"]) for row in part], categories)
        _emit_split(split, report)
        _note_split(split, len(part), report, show_errors == split)


def _budget(metric: str, split: str) -> float | None:
    return TEST_BUDGETS.get(metric) if split == "test" else None


def _emit_split(split: str, report: dict) -> None:
    for metric in ("risk_recall_current", "risk_false_alarm_rate", "risk_status_accuracy"):
        emit(BENCH, f"{metric}_{split}", report[metric], "ratio", _budget(metric, split))
    precision, recall, _ = report["themes"].get("overall", (1.0, 1.0, None))
    emit(BENCH, f"theme_precision_{split}", precision, "ratio", _budget("theme_precision", split))
    emit(BENCH, f"theme_recall_{split}", recall, "ratio", _budget("theme_recall", split))
    for key, (precision, recall, _) in sorted(report["themes"].items()):
        if key != "overall":
            emit(BENCH, f"precision_{key}_{split}", precision, "ratio")
            emit(BENCH, f"recall_{key}_{split}", recall, "ratio")
    negated = report["negated_suggestions"]
    emit(
        BENCH,
        f"negated_suggestions_{split}",
        negated,
        "count",
        _budget("negated_suggestions", split),
    )


def _note_split(split: str, size: int, report: dict, show_theme_errors: bool) -> None:
    current, alarm_items, status_pairs = report["sizes"]
    note(f"\n== {split}: {size} rows ==")
    note(
        f"risk: recall of current {report['risk_recall_current']:.3f} ({current} pairs), "
        f"false alarms {report['risk_false_alarm_rate']:.3f} ({alarm_items} items), "
        f"status accuracy {report['risk_status_accuracy']:.3f} ({status_pairs} pairs)"
    )
    note(f"{'category':18} {'precision':>9} {'recall':>7} {'support':>8}")
    for key, (precision, recall, counter) in sorted(
        report["themes"].items(), key=lambda item: (item[0] == "overall", item[0])
    ):
        support = counter["tp"] + counter["fn"]
        note(f"{key:18} {precision:9.3f} {recall:7.3f} {support:8d}")
    note(f"suggested although in not_themes: {report['negated_suggestions']}")
    for title, lines in (
        ("MISSED current risk", report["misses"]),
        ("FALSE ALARM", report["false_alarms"]),
    ):
        for line in lines:
            note(f"  {title}: {line}")
    if show_theme_errors:
        note(f"-- theme errors ({len(report['theme_errors'])} rows) --")
        for line in report["theme_errors"]:
            note(f"  {line}")


# --- speed -------------------------------------------------------------------------------------


def long_notes(rows: list[dict], size: int = 3000, count: int = 40) -> list[str]:
    """Deterministic notes of `size` characters, stitched from the evaluation sentences."""
    texts = [row["text"] for row in rows]
    result = []
    for start in range(count):
        parts, length, i = [], 0, start
        while length < size:
            parts.append(texts[i % len(texts)])
            length += len(parts[-1]) + 1
            i += 7
        result.append(" ".join(parts)[:size])
    return result


def bench_speed(rows: list[dict]) -> None:
    from themes.suggest import suggest

    notes = long_notes(rows)
    suggest(notes[0])  # the first call in a process pays for loading; measured separately below
    cpu, wall = [], []
    for text in notes:
        for _ in range(10):
            cpu_start, wall_start = time.process_time_ns(), time.perf_counter_ns()
            suggest(text)
            cpu.append((time.process_time_ns() - cpu_start) / 1e6)
            wall.append((time.perf_counter_ns() - wall_start) / 1e6)
    budget = TEST_BUDGETS["suggest_cpu_p50_ms_3000_chars"]
    emit(BENCH, "suggest_cpu_p50_ms_3000_chars", median(cpu), "ms", budget)
    emit(BENCH, "suggest_wall_p95_ms_3000_chars", percentile(wall, 0.95), "ms")
    note(
        f"\nsuggest() on 3,000-character notes: CPU p50 {median(cpu):.2f} ms, "
        f"wall p95 {percentile(wall, 0.95):.2f} ms ({len(cpu)} calls)"
    )
    big = long_notes(rows, size=20_000, count=5)
    samples = []
    for text in big:
        for _ in range(3):
            start = time.process_time_ns()
            suggest(text)
            samples.append((time.process_time_ns() - start) / 1e6)
    emit(BENCH, "suggest_cpu_p50_ms_20000_chars", median(samples), "ms")
    note(f"suggest() on 20,000-character notes: CPU p50 {median(samples):.2f} ms")
    first = [_first_call_ms(notes[0]) for _ in range(3)]
    emit(BENCH, "suggest_first_call_ms", median(first), "ms", TEST_BUDGETS["suggest_first_call_ms"])
    note(
        f"import + first suggest() in a fresh process: {', '.join(f'{ms:.0f}' for ms in first)} ms"
    )
    # What a therapist's first suggestion costs in the app: the data files are loaded and the
    # cues compiled at start-up (themes/apps.py; gunicorn preloads the app before forking).
    warm = [_first_call_ms(notes[0], after_startup=True) for _ in range(3)]
    emit(BENCH, "suggest_first_call_after_startup_ms", median(warm), "ms")
    note(f"first suggest() after the start-up check: {', '.join(f'{ms:.1f}' for ms in warm)} ms")
    # Crafted or pasted text must stay linear: 200,000 characters (the endpoint's cut-off) of
    # risk words with nothing between them.
    for name, unit in (("si_hi", "SI HI "), ("kill_myself", "kill myself ")):
        text = (unit * (200_000 // len(unit) + 1))[:200_000]
        start = time.process_time_ns()
        suggest(text)
        spent = (time.process_time_ns() - start) / 1e6
        emit(BENCH, f"suggest_cpu_ms_200000_chars_{name}", spent, "ms")
        note(f"suggest() on 200,000 characters of {unit.strip()!r}: {spent:.0f} ms CPU")


# Times the import of the engine and its first call; Django (when the engine needs it) is set up
# before the clock starts, since a running server has done that long before the first note.
FIRST_CALL = """
import os, sys, time
sys.path.insert(0, os.getcwd())
text = sys.stdin.read()
if os.environ.get("BENCH_WITH_DJANGO"):
    import django
    django.setup()
if os.environ.get("BENCH_AFTER_STARTUP"):
    from themes.suggest import check
    check()
start = time.perf_counter()
from themes.suggest import suggest
suggest(text)
print((time.perf_counter() - start) * 1000)
"""


def _first_call_ms(text: str, after_startup: bool = False) -> float:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    if after_startup:
        env["BENCH_AFTER_STARTUP"] = "1"
    done = _run_first_call(text, env)
    if done.returncode != 0:  # the engine needs configured settings: set Django up untimed
        env |= {"DJANGO_SETTINGS_MODULE": "tests.settings", "BENCH_WITH_DJANGO": "1"}
        done = _run_first_call(text, env)
        note("(first-call subprocess needed Django settings; django.setup() ran before timing)")
    if done.returncode != 0:
        raise RuntimeError(f"first-call subprocess failed: {done.stderr.strip()[-300:]}")
    return float(done.stdout.strip().splitlines()[-1])


def _run_first_call(text: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", FIRST_CALL],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )


# --- entry point -------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    categories = built_in_categories()
    if "--split-check" in argv:
        problem = check_files(set(categories))
        if problem is None:
            short = shortfalls(load_sentences(), set(categories))
            problem = f"sentence files: too few {short[0]}" if short else None
        print(problem or "ok: both evaluation sets are well formed")
        return 1 if problem else 0
    if "--counts" in argv:
        print_counts(load_sentences(), categories)
        return 0
    show_errors = argv[argv.index("--errors") + 1] if "--errors" in argv else None
    if show_errors not in (None, *SPLITS):
        note("--errors takes train or test")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    rows = load_rows()
    bench_quality(rows, show_errors)
    bench_speed(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
