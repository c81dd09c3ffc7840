"""Teacher grading: grade records, rubrics, the grading queue, regrading (issue 6)."""
