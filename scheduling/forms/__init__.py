"""Forms of the scheduling app, one module per area, like `scheduling.services`."""
