"""The one error type users see: a single line saying what is wrong and where."""


class WorkbenchError(ValueError):
    """Bad input (file, row, field) or an impossible request; the message is one line.

    The command line prints the message alone (no traceback) and exits with 2.
    """
