"""The one exception type a user sees: a single line that names the culprit."""


class AmtError(Exception):
    """A problem with the user's input or parameters, reported as one line.

    Stages and the CLI print ``str(error)`` and exit non-zero instead of a traceback.
    The message names the file or parameter at fault and says what to do.
    """
