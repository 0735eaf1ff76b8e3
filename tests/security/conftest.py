from .counts import COUNTS


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        terminalreporter.section("security trial counts")
        for what, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{what}: {n:,}")
