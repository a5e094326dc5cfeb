"""The school's people: staff with their roles, pupils with their cards, enrolment and
departure, parents and legal representatives, consent, the class teacher's monthly check,
and importing a class list.

Every change goes through here and into the audit trail with old and new values; callers
authorise (services.policy) and commit.
"""
