"""Rules that span objects. Services take plain values and objects, never the request."""
