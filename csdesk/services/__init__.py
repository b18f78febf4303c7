"""Services: plain Python over a session the caller passes in; they return plain data."""
