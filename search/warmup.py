"""Loading a therapist's index once they have signed in (both factors: the password alone starts
nothing), in a background thread of that process (index.prepare_in_background), so their first
search is warm and nobody's request pays for it (docs/search.md). One thread per therapist at a
time in a process, none when their index is already loaded there."""

from django.conf import settings
from django.dispatch import receiver

from accounts.signals import second_factor_passed

from .index import prepare_in_background, registry


@receiver(second_factor_passed, dispatch_uid="search.warm_up")
def signed_in(sender, user, **kwargs) -> None:
    if not getattr(settings, "SEARCH_WARM_UP", True) or registry.loaded(user.pk):
        return
    prepare_in_background(user.pk)
