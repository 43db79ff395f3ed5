"""How groups read in the audit trail (`iop.audit`), registered in `ready()`."""

from iop.audit import CLIENT, audit_reads_register, audit_register

from . import models


def register() -> None:
    audit_register(models.Room, record=lambda row: f"the room “{row}”", client=lambda row: None)
    audit_register(models.Group, record=lambda row: f"the group “{row}”", client=lambda row: None)
    audit_register(
        models.Enrollment,
        record=lambda row: f"the enrollment of {CLIENT} in the group “{row.group}”",
        client=lambda row: row.client_id,
        events={"voided_at": "voided"},
    )
    audit_reads_register({"group enrollment": f"the record of {CLIENT} to enroll them in a group"})
