"""Review decisions: what analysts decided about flagged items, by whom, when and why.

- :mod:`dashboard.reviews.actions`: the vocabulary (decisions, reason codes), import-free.
- :mod:`dashboard.reviews.model`: validated inputs and stored values.
- :mod:`dashboard.reviews.store`: saving with optimistic concurrency, the audit history.
- :mod:`dashboard.reviews.marks`: persistent / new flags across consecutive runs.
- :mod:`dashboard.reviews.summary`: what the Decisions page and its export show.
"""
