"""Journal notices to parents, their settings, push subscriptions and "seen" (issue 20)."""
