"""Teacher dashboards drawn with pyqtgraph: class overview, item analysis, printable report.

pyqtgraph picks its Qt binding at import; Slate is PySide6 only, so say so before any import
of it (importing this package first is enough).
"""

import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
