"""Errors that carry a message meant for the person who supplied the input."""


class InputError(ValueError):
    """Input from outside (a file, a table, a request) is unusable.

    The message is one clear sentence that says what is wrong and, where it helps, what to do.
    Raising it must leave nothing half-written.
    """
