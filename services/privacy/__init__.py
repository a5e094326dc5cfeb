"""The family's own data (152-ФЗ, law 94-V; DOMAIN.md 9): everything the school holds about a
pupil as one archive (holdings, archive), and the family's requests to correct it (requests).
"""
