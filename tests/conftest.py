"""Suite-wide fixtures, and the order the tests run in, serially or on xdist workers
(`make test` runs ``pytest -n auto``; pyproject.toml adds ``--dist loadscope``).

Order: pytest-django runs plain TestCases before transactional ones (a TransactionTestCase
ends with an empty database, built-in themes and content types gone); tests that use no
database at all are moved to the front, where they cannot disturb one. Within each of these
groups, the slow test classes and modules (``@pytest.mark.slow``, live-server tests, Hypothesis
tests) start first, so that none of them is the last thing a worker does while others idle.

With xdist, a work unit is a test class, or a module's test functions (module fixtures such as
the load test's server are built once); the scheduler below hands units out in that order
instead of xdist's largest-first, which would run transactional tests before plain ones.
Classes listed in PER_TEST_UNITS are split into one unit per test: they are long, and their
tests share no state beyond a cheap setUpTestData. As a module's test functions are one unit,
transactional ones (``django_db(transaction=True)``) belong in a module of their own.
"""

import os
from collections import Counter

import pytest
from django.test import LiveServerTestCase, TestCase, TransactionTestCase

from encryption.keys import reset_keyring

# Measured with --durations: the fuzz routes take 3 to 30 seconds each.
PER_TEST_UNITS = ("tests/security/test_fuzz_forms.py::FuzzFormsTests",)

# The security trial counts (tests/security/counts.py) of every xdist worker, summed here.
WORKER_COUNTS: Counter = Counter()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the calendar feed counts refused fetches in it)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_keyring():
    """Each test reads the keyring from the settings in force (some tests override them)."""
    reset_keyring()
    yield
    reset_keyring()


def _database_use(item) -> int:
    """0: no database; 1: a TestCase (rolled back); 2: transactional (flushed afterwards)."""
    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return 1 if issubclass(cls, TestCase) else 2
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return 2
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return 2
    return 1 if marker is not None or "db" in fixtures else 0


def _is_slow(item) -> bool:
    """Marked slow, a live-server test (a browser drives it), or a Hypothesis test."""
    cls = getattr(item, "cls", None)
    return (
        item.get_closest_marker("slow") is not None
        or (cls is not None and issubclass(cls, LiveServerTestCase))
        or getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
    )


def _scope(item) -> str:
    """The test's class, or its module for a test function (xdist's loadscope unit)."""
    return item.nodeid.rsplit("::", 1)[0]


def pytest_collection_modifyitems(items):
    """Runs after pytest-django's own reordering (tryfirst), whose rule it keeps; a class
    stays in one piece (its setUpClass runs once)."""
    slow = {_scope(item) for item in items if _is_slow(item)}
    items.sort(key=lambda item: (_database_use(item), _scope(item) not in slow))


def _scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SuiteScheduling(LoadScopeScheduling):
        """xdist's loadscope in collection order, PER_TEST_UNITS split."""

        def __init__(self, config, log=None):
            super().__init__(config, log)
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return nodeid if scope in PER_TEST_UNITS else scope

    return SuiteScheduling(config, log)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the cores (measured on 2 cores: 3 workers beat 2, and
    4 were no faster); browser, live-server and subprocess tests spend much of their time
    waiting. $PYTEST_XDIST_AUTO_NUM_WORKERS still decides when it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadscope":
        return _scheduler(config, log)
    return None


def pytest_sessionfinish(session):
    """On an xdist worker: send its security trial counts to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        from tests.security.counts import COUNTS

        workeroutput["security_counts"] = dict(COUNTS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    WORKER_COUNTS.update(getattr(node, "workeroutput", {}).get("security_counts", {}))


def pytest_terminal_summary(terminalreporter):
    """The sum over the workers (a serial run prints its own: tests/security/conftest.py)."""
    if WORKER_COUNTS:
        terminalreporter.section("security trial counts (all workers)")
        for what, n in sorted(WORKER_COUNTS.items()):
            terminalreporter.write_line(f"{what}: {n:,}")
