"""Kazakhstan's criteria-based assessment (DOMAIN.md 8, issue 21).

formula: the percentages and the marks, exact to the last step; settings: the year's weights
and the subject's rule; schedule: the limits on when works may be set; works and points:
declaring works and entering points at every entrance; results: a page's works, points and
suggested marks for a period in a fixed number of queries.
"""
