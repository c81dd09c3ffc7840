"""The teacher's gradebook: a table model over app.analytics.gradebook, its filter and page."""
