"""Entry point of the frozen (PyInstaller) Slate: the same `slate` command as the console script."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
