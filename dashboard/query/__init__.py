"""The query layer: questions asked of a loaded run, answered with small, plain results."""
