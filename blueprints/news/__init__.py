"""News, announcements and the calendar: "Школа" and "Учительская" (issue 20)."""
