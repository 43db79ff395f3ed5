"""Writes of the scheduling app, one module per area: sessions, attendance and notes, reminders,
compliance. Import from the module (`from scheduling.services.sessions import session_cancel`)."""
