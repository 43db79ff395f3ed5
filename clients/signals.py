"""Signals the client record sends so that higher apps can react without `clients` importing them
(imports run scheduling -> groups -> clients -> iop).

client_discharged: sent by `clients.services.discharge.client_discharge` inside its transaction,
    with `client` (the Client), `discharge_date` (a date) and `discharged_by` (the User who recorded
    it). Receivers in `groups` and `scheduling` end the client's enrollments and cancel their
    future sessions through their own services; a receiver that raises rolls the whole discharge
    back.
"""

from django.dispatch import Signal

client_discharged = Signal()

# client_weeks_changed: sent by the services of `clients` and `groups` when a fact a client's weekly
#     hours depend on changes (admission, discharge, track, level of care, enrolment, withdrawal),
#     with `client_ids` (a list of ids), `first_day` and `last_day` (dates; None: up to today).
#     Scheduling recomputes those client-weeks after commit.
client_weeks_changed = Signal()

# authorization_changed: sent by `clients.services.authorizations` inside its transaction when an
#     authorization is created, ended early or voided, with `authorization` (the Authorization, as
#     saved). Scheduling resolves a voided one's open utilization review at once and recomputes
#     the client's findings of attendance no authorization covers after commit.
authorization_changed = Signal()
