"""The base of errors whose message is written for the person at the keyboard.

The command line prints such an error as one line and exits 1; the app shows it in a dialog.
Anything else that escapes is a bug and keeps its traceback.
"""


class SlateError(Exception):
    pass
