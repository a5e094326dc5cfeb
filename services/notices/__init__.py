"""Notices to parents from the journal (issue 20): produced when the journal changes
(produce), read in the app (inbox), delivered by push and e-mail (deliver), wanted or not
per school and per parent (prefs)."""
