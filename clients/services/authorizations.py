"""Writes of payers (how each counts units) and of their authorizations of a client's services.

An authorization covers its days, first to last inclusive (or to `ended_on` once ended early).
Live authorizations of one service code never overlap (a trigger backs the service's check), so
each attended day is billed against at most one of them. Nothing is deleted: a change of plans
ends an authorization, a mistake voids it. Units used are counted from attendance by scheduling,
which this app does not import.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from iop.dates import check_dates
from iop.models import User

from ..models import (
    AUTHORIZATION_MAX_DAYS,
    Authorization,
    Client,
    Payer,
    PayerUnitRule,
    ServiceCode,
)
from ..selectors import authorization_overlapping
from ..signals import authorization_changed


def _lock_client(client: Client) -> None:
    """Serialize writes of one client's authorizations, so two overlapping ones cannot both pass
    the check (the trigger would still refuse the second)."""
    Client.objects.select_for_update().filter(pk=client.pk).first()


@transaction.atomic
def authorization_create(
    *,
    client: Client,
    payer: Payer,
    number: str,
    service_code: str,
    units_authorized: int,
    first_day: date,
    last_day: date,
    actor: User,
) -> Authorization:
    check_dates(first_day=first_day, last_day=last_day)
    _lock_client(client)
    errors: dict[str, str] = {}
    # Locked so that removing the rule (payer_update) waits for this authorization and counts it.
    if not (
        PayerUnitRule.objects.select_for_update()
        .filter(payer=payer, service_code=service_code)
        .exists()
    ):
        errors["service_code"] = (
            f"{payer} has no unit rule for {service_code}; an admin adds it on the Payers page "
            "(Administration, Payers)."
        )
    if last_day < first_day:
        errors["last_day"] = "The last day cannot be before the first day."
    elif (last_day - first_day).days >= AUTHORIZATION_MAX_DAYS:
        errors["last_day"] = f"An authorization spans at most {AUTHORIZATION_MAX_DAYS} days."
    elif clash := authorization_overlapping(
        client=client, service_code=service_code, first_day=first_day, last_day=last_day
    ).first():
        errors["first_day"] = (
            f"Overlaps authorization {clash.number} ({clash.first_day:%-d %b %Y} to "
            f"{clash.covered_last_day:%-d %b %Y}): start after its last day, or end it first."
        )
    if units_authorized is not None and units_authorized < 1:
        errors["units_authorized"] = "Authorize at least one unit."
    if errors:
        raise ValidationError(errors)
    authorization = Authorization(
        client=client,
        payer=payer,
        number=number.strip(),
        service_code=service_code,
        units_authorized=units_authorized,
        first_day=first_day,
        last_day=last_day,
        recorded_by=actor,
    )
    authorization.full_clean()
    authorization.save()
    authorization_changed.send(sender=Authorization, authorization=authorization)
    return authorization


@transaction.atomic
def authorization_end(
    *, authorization: Authorization, ended_on: date, reason: str, actor: User
) -> Authorization:
    """End an authorization early: `ended_on` is the last day it covers (the day of a step-down,
    or the day before a replacing authorization starts). Its record stays as it was authorized."""
    check_dates(ended_on=ended_on)
    authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
    errors: dict[str, str] = {}
    if authorization.is_void:
        errors["ended_on"] = "This authorization was voided."
    elif authorization.ended_on is not None:
        errors["ended_on"] = "This authorization was already ended."
    elif not authorization.first_day <= ended_on < authorization.last_day:
        errors["ended_on"] = (
            f"Choose a day from {authorization.first_day:%-d %b %Y} to the day before "
            f"{authorization.last_day:%-d %b %Y}."
        )
    if not reason.strip():
        errors["reason"] = "Say why it ends early."
    if errors:
        raise ValidationError(errors)
    authorization.ended_on = ended_on
    authorization.end_reason = reason.strip()
    authorization.full_clean()
    authorization.save(update_fields=["ended_on", "end_reason"])
    authorization_changed.send(sender=Authorization, authorization=authorization)
    return authorization


@transaction.atomic
def authorization_void(*, authorization: Authorization, reason: str, actor: User) -> Authorization:
    """Void an authorization recorded by mistake: it stays in the record, counting nothing."""
    authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if authorization.is_void:
        raise ValidationError({"reason": "This authorization was already voided."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why it is void."})
    authorization.voided_at = timezone.now()
    authorization.voided_by = actor
    authorization.void_reason = reason.strip()
    authorization.full_clean()
    authorization.save(update_fields=["voided_at", "voided_by", "void_reason"])
    authorization_changed.send(sender=Authorization, authorization=authorization)
    return authorization


def _payer_check(*, payer: Payer, unit_rules: dict[str, int]) -> None:
    errors: dict[str, list[str] | str] = {}
    try:
        payer.full_clean(validate_unique=False)
    except ValidationError as invalid:
        errors.update(invalid.message_dict)
    if not payer.name:
        errors["name"] = "Give the payer a name."
    # A name that cannot be stored (a NUL, too long) is not looked up.
    elif "name" not in errors and (
        Payer.objects.filter(name__iexact=payer.name).exclude(pk=payer.pk).exists()
    ):
        errors["name"] = f"A payer named {payer.name} already exists."
    for service_code, minutes in unit_rules.items():
        if service_code not in ServiceCode.values:
            errors[service_code] = f"{service_code} is not a service code this program bills."
        elif not 1 <= minutes <= 24 * 60:
            errors[service_code] = "One unit takes more than 0 and at most 24 hours in a day."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def payer_create(*, name: str, unit_rules: dict[str, int], actor: User) -> Payer:
    """A payer and how it counts units of each service code it authorizes (`unit_rules`: attended
    minutes in a clinic day that make one unit, by code; a code left out has no rule)."""
    payer = Payer(name=name.strip())
    _payer_check(payer=payer, unit_rules=unit_rules)
    payer.full_clean()
    payer.save()
    for service_code, minutes in unit_rules.items():
        rule = PayerUnitRule(payer=payer, service_code=service_code, minutes_per_unit=minutes)
        rule.full_clean()
        rule.save()
    return payer


def _authorizations(count: int) -> str:
    return f"{count} authorization" if count == 1 else f"{count} authorizations"


@transaction.atomic
def payer_update(*, payer: Payer, name: str, unit_rules: dict[str, int], actor: User) -> Payer:
    """Rename a payer and set its unit rules to `unit_rules` (as in `payer_create`). Changing a
    rule's minutes is allowed: units used are counted from attendance, so every authorization of
    the payer and code is recounted by the new rule. Removing a rule that an authorization
    (not voided) counts by is refused: its units could no longer be counted."""
    payer = Payer.objects.select_for_update().get(pk=payer.pk)
    payer.name = name.strip()
    _payer_check(payer=payer, unit_rules=unit_rules)
    rules = {rule.service_code: rule for rule in payer.unit_rules.select_for_update()}
    removed = set(rules) - set(unit_rules)
    in_use = dict(
        Authorization.objects.live()
        .filter(payer=payer, service_code__in=removed)
        .order_by()
        .values_list("service_code")
        .annotate(count=Count("pk"))
    )
    if in_use:
        raise ValidationError(
            {
                code: f"The {code} rule counts the units of {_authorizations(count)} of "
                f"{payer.name}, so it cannot be removed (void an authorization recorded by "
                "mistake first)."
                for code, count in in_use.items()
            }
        )
    payer.full_clean()
    payer.save()
    for service_code in removed:
        rules[service_code].delete()
    for service_code, minutes in unit_rules.items():
        rule = rules.get(service_code) or PayerUnitRule(payer=payer, service_code=service_code)
        if rule.pk is None or rule.minutes_per_unit != minutes:
            rule.minutes_per_unit = minutes
            rule.full_clean()
            rule.save()
    return payer
