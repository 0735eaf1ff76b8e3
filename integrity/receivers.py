"""Signal receivers: the integrity ledger follows deletions and key rotation, and records are
checked against it when first read."""

from django.db.models.signals import post_delete

from encryption.signals import record_opened, rewrite_starting, rows_opened, values_rewritten

from . import check, ledger
from .locks import take_append_lock
from .specs import sealed_models, spec_of


def _deleted(sender, instance, using, **kwargs) -> None:
    spec = spec_of(sender)
    ledger.record_deleted(sender, instance.pk, getattr(instance, spec.parent), using=using)


def _opened(sender, instance, **kwargs) -> None:
    check.check_instance(instance)


def _rows(sender, pks, **kwargs) -> None:
    check.check_rows(sender, pks)


def _rewrite_starting(sender, using, **kwargs) -> None:
    take_append_lock(using)  # before the rows, as every record write does


def _rewritten(sender, pks, using, **kwargs) -> None:
    ledger.record_rows(sender, pks, using=using)


def connect() -> None:
    for model, _spec in sealed_models():
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"integrity-{model._meta.label}")
    record_opened.connect(_opened, dispatch_uid="integrity-opened")
    rows_opened.connect(_rows, dispatch_uid="integrity-rows")
    values_rewritten.connect(_rewritten, dispatch_uid="integrity-rewritten")
    rewrite_starting.connect(_rewrite_starting, dispatch_uid="integrity-rewrite-starting")
