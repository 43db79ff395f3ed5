"""Signals the group catalogue sends so that `scheduling` can react without `groups` importing it
(imports run scheduling -> groups -> clients -> iop).

group_pattern_changed: sent by `groups.services.group_create` and `group_update` inside their
    transaction, with `group` (the Group). The receiver in `scheduling` materializes the group's
    sessions again; a receiver that raises rolls the change back.
"""

from django.dispatch import Signal

group_pattern_changed = Signal()
