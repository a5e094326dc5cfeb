"""Messages between families and staff, and among staff (issue 20)."""
