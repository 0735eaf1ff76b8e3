from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Fictional demo and benchmark data (``manage.py seed_demo``); no models. At the top of the
    dependency order: it writes through clients, sessions and themes, and nothing imports it."""

    name = "demo"
    verbose_name = "Demo data"
