"""The privacy officer's journey: the audit log narrowed to one client, read in words, then that
client's access report and accounting of disclosures, ready to print. Screenshots go to
var/screenshots/."""

from datetime import date, datetime, time

import pytest
import time_machine
from auditlog.context import set_actor
from playwright.sync_api import expect

from clients.services.consents import disclosure_record
from iop.clock import local_datetime
from iop.models import ChartRead
from scheduling.services.notes import note_sign
from tests.factories import (
    PASSWORD,
    ClientFactory,
    ConsentFactory,
    GroupFactory,
    ProgressNoteFactory,
    SessionFactory,
)
from tests.helpers import log_in, screenshot

pytestmark = pytest.mark.browser

GROUP_EVENING = local_datetime(date(2026, 11, 23), time(18))


@pytest.fixture
def alices_history(client, clinician, alice, bob):
    """A signed group note for Alice's session of Mon Nov 23, a disclosure under her consent, and
    her clinician reading her chart."""
    # As the clinician's requests would (the middleware sets who and where for auditlog).
    with set_actor(clinician, remote_addr="10.20.30.40"):
        with time_machine.travel(GROUP_EVENING, tick=False):
            session = SessionFactory(
                group=GroupFactory(), clinician=clinician, starts_at=GROUP_EVENING
            )
            note = ProgressNoteFactory(session=session, client=alice, author=clinician)
        with time_machine.travel(datetime(2026, 11, 24, 15), tick=False):
            note_sign(note=note, actor=clinician)
            consent = ConsentFactory(client=alice, signed_on=date(2026, 11, 20))
            disclosure_record(consent=consent, information="summary", actor=clinician)
    client.force_login(clinician)
    client.get(f"/clients/{alice.pk}/", REMOTE_ADDR="10.20.30.40")
    return note


def test_an_admin_reads_one_clients_audit_trail_in_words_and_prints_her_reports(
    page, clinician, admin, alice, bob, alices_history
):
    log_in(page, admin.username, PASSWORD)
    page.get_by_role("button", name="Administration").click()
    page.get_by_role("link", name="Audit log", exact=True).click()
    page.get_by_label("Client").fill(alice.mrn)
    page.get_by_role("button", name="Filter").click()
    alice_label = f"Alice Anders ({alice.mrn})"
    signed = page.get_by_role("row").filter(
        has_text=f"signed the progress note of {alice_label} for the group session of Mon Nov 23"
    )
    expect(signed).to_have_count(1)
    expect(signed).to_contain_text(str(clinician))
    expect(signed).to_contain_text("10.20.30.40")
    expect(page.get_by_text(f"Reports on {alice_label}, to print or download")).to_be_visible()
    expect(page.get_by_text(f"registered {alice_label}")).to_be_visible()
    expect(page.get_by_text("Bob Brown")).to_have_count(0)
    screenshot(page, "audit-log-one-client-changes")

    page.get_by_role("link", name="Reads and exports").click()
    page.get_by_label("Client").fill(alice.mrn)
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text(f"read the chart of {alice_label}")).to_be_visible()
    screenshot(page, "audit-log-one-client-reads")

    page.get_by_role("link", name="Access report").click()
    expect(page.get_by_role("heading", name="Access report: Alice Anders")).to_be_visible()
    expect(page.get_by_text("42 CFR 2.32").first).to_be_visible()
    expect(page.get_by_text(f"read the chart of {alice_label}")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "audit-access-report")
    page.emulate_media(media="print")
    screenshot(page, "audit-access-report-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Accounting of disclosures").click()
    expect(page.get_by_role("heading", name="Accounting of disclosures: Alice")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Riverside Probation Office")).to_have_count(1)
    screenshot(page, "audit-disclosure-accounting")

    exports = ChartRead.objects.filter(user=admin, action="export")
    assert sorted(read.what for read in exports) == ["access report", "accounting of disclosures"]


def test_a_read_of_a_whole_roster_lists_every_client_when_its_line_is_opened(
    page, clinician, admin
):
    roster = [ClientFactory(primary_clinician=clinician) for _ in range(5)]
    ChartRead.objects.create(
        user=clinician, client_ids=[c.pk for c in roster], path="/", what="weekly hours report"
    )
    log_in(page, admin.username, PASSWORD)
    page.goto("/clinic/audit/?kind=reads")
    last = f"{roster[4].legal_first_name} {roster[4].legal_last_name} ({roster[4].mrn})"
    expect(page.get_by_text("and 2 more")).to_be_visible()
    expect(page.get_by_text(last)).to_have_count(0)

    page.get_by_text("All 5 clients").click()

    expect(page.get_by_text(last)).to_be_visible()
    screenshot(page, "audit-log-read-of-a-roster")
