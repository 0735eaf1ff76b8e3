"""`make bench`: run every benchmark, each in its own process (fresh database, fresh memory).

Prints one JSON object per figure on stdout; progress and notes go to stderr.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = [
    "bench.bench_encryption",
    "bench.bench_themes",
    "bench.bench_theme_suggestions",
    "bench.bench_search",
    "bench.bench_summary",
    "bench.bench_integrity",
    "bench.bench_calendar_feed",
    "bench.bench_calendar_import",
    "bench.bench_dashboard",
    "bench.bench_measures",  # the client page with measures and a plan
    "bench.bench_client_page",  # the client page at 1,000 sessions: time, size, queries
    "bench.bench_signin",  # 20 simultaneous sign-ins through gunicorn, chosen vs stock hasher
    "bench.bench_search_load",  # search through gunicorn on PostgreSQL: 30 therapists, 2 servers
    "bench.loadtest",  # gunicorn under 20 therapists, SQLite and PostgreSQL
    "bench.crashtest",  # SIGKILL mid-write, 50 runs per database
]


def main() -> int:
    failed = []
    for module in BENCHMARKS:
        print(f"== {module}", file=sys.stderr, flush=True)
        result = subprocess.run([sys.executable, "-m", module], cwd=ROOT, check=False)
        if result.returncode != 0:
            failed.append(module)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
