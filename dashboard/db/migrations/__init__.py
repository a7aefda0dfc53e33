"""Alembic revisions of the database schema; :mod:`dashboard.db.upgrade` runs them on start-up.

A schema change is a new revision in ``versions/`` (never an edit of an old one) together with the
matching change in :mod:`dashboard.db.tables`. Alembic can draft the revision by comparing the two
against a database at the current head::

    python -c "from alembic import command; from dashboard.db.upgrade import alembic_config; \\
        command.revision(alembic_config(url='sqlite:///data/pricescope.db'), 'what changes', \\
        autogenerate=True, rev_id='0002')"

Read what Alembic wrote (``versions/r0002_what_changes.py``) before keeping it.
"""
