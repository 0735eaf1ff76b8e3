from django.conf import settings
from django.db import models
from django.urls import reverse


class Account(models.Model):
    """What the sign-in layer keeps about a user beyond Django's User.

    Created on first need (`Account.for_user`), so users made by `createsuperuser` or older
    releases have one as soon as they sign in.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="account"
    )
    # A practice administrator manages accounts and never sees clinical records.
    is_practice_admin = models.BooleanField(default=False)
    # Sessions remember the epoch they began in; raising it ends every session of the user
    # (signing out ends the other sessions too; a password change does the same).
    session_epoch = models.PositiveIntegerField(default=0)
    # Qualifications and registration as the user signs documents ("MSc, UKCP registered
    # psychotherapist"): printed under their name on the case summaries they prepare.
    credentials = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"account of {self.user}"

    @classmethod
    def for_user(cls, user) -> "Account":
        account, _ = cls.objects.get_or_create(user=user)
        return account

    def home_url(self) -> str:
        """Where a sign-in lands: the practice pages for an administrator, else the dashboard."""
        return reverse("account_list" if self.is_practice_admin else "dashboard")


def end_all_sessions(user) -> None:
    """Every session of `user` ends at its next request (sign out everywhere)."""
    Account.for_user(user)
    Account.objects.filter(user=user).update(session_epoch=models.F("session_epoch") + 1)
