"""Exports are disclosures. Every CSV file or printable page that carries client data goes out
through this module: the 42 CFR 2.32 notice comes first, and the export is written to the audit log
as one entry (`ChartRead`, action "exported") naming every client in it.

It checks nothing itself: the view has already checked the role (`admin_required`, ...) and opened
the clients through their access helpers or a selector scoped to the user. File names must not
name a person (they end up in download folders and browser histories): use dates and ids.
"""

import csv
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import ChartRead
from .services import chart_reads_record

# 42 CFR 2.32(a)(1) as revised in 2024: the notice every disclosure of the record carries.
REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, criminal, "
    "administrative, or legislative proceedings by any Federal, State, or local authority, "
    "against the patient, unless authorized by the consent of the patient, except as provided "
    "at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. "
    "In addition, the federal rules prohibit you from making any other use or disclosure of "
    "this record unless at least one of the following applies: (i) further use or disclosure is "
    "expressly permitted by the written consent of the individual whose information is being "
    "disclosed in this record or as otherwise permitted by 42 CFR part 2; (ii) you are a "
    "covered entity or business associate and have received the record for treatment, payment, "
    "or health care operations, or (iii) you have received the record from a covered entity or "
    "business associate as permitted by 45 CFR part 164, subparts A and E. A general "
    "authorization for the release of medical or other information is NOT sufficient to meet "
    "the required elements of written consent to further use or redisclose the record (see 42 "
    "CFR 2.31)."
)


def csv_export(
    *,
    request: HttpRequest,
    filename: str,
    what: str,
    client_ids: Iterable[int],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> HttpResponse:
    """A CSV download: the notice, a blank row, the header, the rows; recorded as one export of
    `what` naming `client_ids`."""
    chart_reads_record(
        request=request, client_ids=list(client_ids), what=what, action=ChartRead.Action.EXPORT
    )
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow([REDISCLOSURE_NOTICE])
    writer.writerow([])
    writer.writerow(header)
    writer.writerows(rows)
    return response


def printable_page(
    *,
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    what: str,
    client_ids: Iterable[int],
) -> HttpResponse:
    """A page made to be printed: rendered with `redisclosure_notice` in its context (show it with
    `{% include "_redisclosure_notice.html" %}`), recorded as one export naming `client_ids`."""
    chart_reads_record(
        request=request, client_ids=list(client_ids), what=what, action=ChartRead.Action.EXPORT
    )
    return render(request, template, {**context, "redisclosure_notice": REDISCLOSURE_NOTICE})
