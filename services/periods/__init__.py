"""The academic year's calendar as the administrator keeps it: years, study periods,
holidays and the period scheme of a class (issue 16). services.calendar reads it."""
