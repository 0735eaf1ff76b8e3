"""What a model with integrity records uses: every write through the ORM appends to the
ledger in the same transaction (see ledger.py).

    class Client(SealedRecord, models.Model):
        integrity_parent = "therapist_id"
        objects = SealedQuerySet.as_manager()

``Model.save`` is covered by ``SealedRecord``; ``update``, ``bulk_create`` and ``bulk_update`` by
``SealedQuerySet``; deletions (also cascades) by the ``post_delete`` receiver. Anything else
(raw SQL, another program) is what the ledger exists to catch. A ``SealedQuerySet`` also checks
the instances it loads against the ledger, all at once.
"""

from django.db import models, router, transaction
from django.db.models.query import ModelIterable

from . import check, ledger
from .locks import take_append_lock


class SealedRecord:
    integrity_parent: str = ""
    integrity_state: str = ""

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            take_append_lock(using)
            super().save(*args, **kwargs)
            ledger.record_rows(type(self), [self.pk], using=using)

    save.alters_data = True


def _joined(instances, selected) -> list:
    """The related instances a select_related query loaded along with ``instances`` (a nested
    dict of field names, or True for Django's "every non-null foreign key")."""
    if not selected:
        return []
    found = []
    for instance in instances:
        cache = instance._state.fields_cache
        names = selected.items() if isinstance(selected, dict) else ((n, True) for n in cache)
        for name, deeper in names:
            related = cache.get(name)
            if isinstance(related, models.Model):
                found.append(related)
                found += _joined([related], deeper if isinstance(deeper, dict) else None)
    return found


class SealedQuerySet(models.QuerySet):
    def _fetch_all(self):
        # The rows of a list are checked against the ledger together, in two queries, rather
        # than one instance at a time when each is first read (encryption.signals).
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._iterable_class is ModelIterable and self._result_cache:
            # With the rows the query joined in (select_related: each note's client), which
            # would otherwise be checked one at a time when first decrypted.
            loaded = [*self._result_cache, *_joined(self._result_cache, self.query.select_related)]
            check.check_loaded(loaded, as_loaded=True)

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            take_append_lock(self.db)
            pks = list(self.values_list("pk", flat=True))
            written = super().update(**kwargs)
            if written:
                ledger.record_rows(self.model, pks, using=self.db)
        return written

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db):
            take_append_lock(self.db)
            created = super().bulk_create(objs, *args, **kwargs)
            ledger.record_rows(self.model, [obj.pk for obj in created], using=self.db)
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db):
            take_append_lock(self.db)
            written = super().bulk_update(objs, fields, *args, **kwargs)
            ledger.record_rows(self.model, [obj.pk for obj in objs], using=self.db)
        return written

    bulk_update.alters_data = True
