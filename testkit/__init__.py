"""Builders shared by the tests and the benchmarks: synthetic scored runs, callback requests the way
the browser sends them, and the app's services on an in-memory database.

Neither ``tests/`` nor ``bench/`` imports the other; both import this. Nothing in the app does.
"""
