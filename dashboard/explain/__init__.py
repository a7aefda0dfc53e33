"""Explaining one item: its comparables in feature space, and why its fair price is what it is."""
