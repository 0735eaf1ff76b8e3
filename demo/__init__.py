"""Fictional demo and benchmark data, never real people: ``manage.py seed_demo``.

``caseload`` seeds the ``demo`` therapist with the hand-written stories of ``data/stories/``
(read and checked by ``stories``); ``generator`` seeds ``bench-therapist-NN`` accounts with
generated caseloads, their notes written by ``notes`` from the phrase banks of
``data/phrases.toml``. Both are idempotent: a therapist who already has clients is left as is.
"""
