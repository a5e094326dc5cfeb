"""The one error of the corrections workflow: a refusal with its reason, in the user's
language, and the HTTP status a view answers with."""
from __future__ import annotations


class CorrectionError(Exception):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
