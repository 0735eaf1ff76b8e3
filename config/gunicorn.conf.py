"""gunicorn settings for Therapy Notes (docs/deploy.md). Used by `make serve` and the systemd
unit: gunicorn -c config/gunicorn.conf.py config.wsgi

Every value can be changed through the environment (or the checkout's .env, as for the
settings: real environment variables win), nothing else needs editing:

- GUNICORN_BIND: address to listen on (default 127.0.0.1:$PORT, PORT default 8000). Keep it on
  the loopback interface or a Unix socket behind the TLS proxy.
- WEB_CONCURRENCY: worker processes (default 2 x cores + 1, at most 4). Each worker keeps the
  search indexes it uses in memory, within SEARCH_INDEX_MEMORY_MB, loaded from their sealed
  snapshots in the database rather than rebuilt (docs/search.md).
- GUNICORN_THREADS: threads per worker (default 1).
- GUNICORN_TIMEOUT: seconds a request may take before its worker is restarted (default 60: a
  long case summary PDF or a first search over a large caseload).
- FORWARDED_ALLOW_IPS: proxy addresses whose X-Forwarded-Proto gunicorn itself believes
  (default: none; Django trusts that header only with DJANGO_TRUST_X_FORWARDED_PROTO=true).
"""

import gc
import os
from pathlib import Path

from config.env import Environment, read_dotenv

env = Environment(read_dotenv(Path(__file__).resolve().parent.parent / ".env"))
_cores = os.cpu_count() or 1

# gunicorn would bind 0.0.0.0:$PORT by itself when PORT is set: always name the address.
bind = [env.get("GUNICORN_BIND") or f"127.0.0.1:{env.get('PORT') or '8000'}"]
workers = env.integer("WEB_CONCURRENCY", min(2 * _cores + 1, 4))
threads = env.integer("GUNICORN_THREADS", 1)
timeout = env.integer("GUNICORN_TIMEOUT", 60)
# On SIGTERM (systemctl stop/restart), requests in progress get this long to finish: an
# autosave or a signature is not cut off halfway.
graceful_timeout = 30
keepalive = 5
# Load the app once, before forking: a bad key or setting stops gunicorn at once with one
# message (instead of every worker failing to boot), and workers share the loaded code. Code
# changes therefore need a restart (systemctl restart), not a reload (HUP).
preload_app = True

# Only from the environment: by default gunicorn believes X-Forwarded-* from 127.0.0.1, which
# would make plain-HTTP requests look like HTTPS whatever DJANGO_TRUST_X_FORWARDED_PROTO says.
forwarded_allow_ips = env.get("FORWARDED_ALLOW_IPS") or ""

# Access log to stdout (the journal under systemd), error log to stderr. The path only (%(U)s),
# never the query string (%(r)s or %(q)s): search terms and filters travel in it. No Referer
# (%(f)s) either, for the same reason, and no user agent.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
# The calendar feed's address is its secret: logged as /calendar/[secret].ics.
logger_class = "config.gunicorn_logging.RedactingLogger"

# Request limits: a note is at most NOTE_MAX_CHARS; headers and request lines stay small.
limit_request_line = 8190
limit_request_fields = 100

proc_name = "therapy-notes"


def pre_fork(server, worker):
    """Freeze what the master loaded (the app, preload_app) before each fork: a worker's full
    garbage collections no longer walk those objects (they were a third of the slow requests
    of a large client page: bench/bench_client_page.py), and leaving their reference headers
    alone keeps the pages shared with the master (Python's gc.freeze documentation)."""
    gc.freeze()
