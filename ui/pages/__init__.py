"""The main window's pages; each presents app/ data and delegates actions to app/ services."""
