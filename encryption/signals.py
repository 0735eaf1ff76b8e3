"""Signals for the layers above: encryption knows nothing of them (see integrity.receivers).

- ``record_opened(sender=model, instance=...)``: the first stored value of a loaded instance is
  about to be decrypted. A receiver may raise an ``EncryptionError`` to refuse the record.
- ``values_rewritten(sender=model, pks=[...], using=alias)``: stored values were rewritten
  outside ``Model.save`` (key rotation), inside the caller's transaction.
- ``rewrite_starting(sender=model, using=alias)``: a batch of stored values is about to be
  rewritten (key rotation), inside its transaction: a receiver takes the locks that writers
  take before writing, so that the two always lock in the same order.
- ``rows_opened(sender=model, pks=[...])``: values of these rows are about to be decrypted
  without model instances (``bulk.decrypt_values``). A receiver may raise to refuse them.
"""

from django.dispatch import Signal

record_opened = Signal()
values_rewritten = Signal()
rows_opened = Signal()
rewrite_starting = Signal()
