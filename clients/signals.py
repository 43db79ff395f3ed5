"""Signals the client record sends so that higher apps can react without `clients` importing them
(imports run scheduling -> groups -> clients -> iop).

client_discharged: sent by `clients.services.client_discharge` inside its transaction, with
    `client` (the Client), `discharge_date` (a date) and `discharged_by` (the User who recorded
    it). Receivers in `groups` and `scheduling` end the client's enrollments and cancel their
    future sessions through their own services; a receiver that raises rolls the whole discharge
    back.
"""

from django.dispatch import Signal

client_discharged = Signal()
