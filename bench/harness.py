"""Shared set-up for benchmarks: a throwaway database and key, Django configured, and a way to
print one JSON figure per line on stdout (human-readable notes go to stderr)."""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str | None = None) -> Path:
    """Configure Django against a fresh database (SQLite file unless DATABASE_URL is given)."""
    workdir = Path(tempfile.mkdtemp(prefix="therapy-notes-bench-"))
    sys.path.insert(0, str(ROOT))
    from encryption.keys import generate_key_line

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_SECRET_KEY"] = "bench-only-secret"  # noqa: S105 (a throwaway database)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    # Requests come from Django's test client over plain HTTP, not through a TLS proxy.
    os.environ["DJANGO_SECURE_COOKIES"] = "false"
    os.environ["FIELD_ENCRYPTION_KEYS"] = generate_key_line(1)
    os.environ.pop("FIELD_ENCRYPTION_KEY_FILE", None)
    from audit.keys import generate_audit_key

    os.environ["AUDIT_HMAC_KEY"] = generate_audit_key()
    os.environ.pop("AUDIT_HMAC_KEY_FILE", None)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    # Production configuration: hashed static files collected once, as a deployment does.
    os.environ["DJANGO_STATIC_ROOT"] = str(workdir / "static")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    return workdir


def emit(bench: str, metric: str, value: float, unit: str, budget: float | None = None) -> None:
    print(
        json.dumps(
            {
                "bench": bench,
                "metric": metric,
                "value": round(value, 3),
                "unit": unit,
                "budget": budget,
            }
        ),
        flush=True,
    )


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed_ms(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)
