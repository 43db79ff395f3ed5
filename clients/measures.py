"""Reading an instrument version's `definition` and scoring answers with it: pure functions, no
database. A definition is data (loaded by migrations, one per published form):

    {
      "instructions": "Over the last 2 weeks, how often have you been bothered by...",
      "items": [{"key": "1", "text": "...", "choices": [[0, "Not at all"], [1, "Several days"]]}],
      "scales": [{"key": "total", "label": "Total", "items": ["1", "2"], "higher_is_worse": true,
                  "bands": [[0, 4, "Minimal"], [5, 9, "Mild"]], "remission_below": 5}],
      "safety": [{"item": "9", "above": 0, "kind": "self_harm_risk",
                  "reason": "Thoughts of self-harm (PHQ-9 item 9)"}]
    }

A scale's score is the sum of its items' answer values; its bands cover every score from 0 to
its maximum without gaps; `remission_below` (optional) is the score under which the scale counts
as in remission; a safety rule fires when the answer to its item is above `above`, and opens a
clinical alert of its `kind` (a `ClinicalAlert.Kind`).
"""

from dataclasses import dataclass
from typing import Any

Definition = dict[str, Any]
Answers = dict[str, int]


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Scale:
    key: str
    label: str
    items: tuple[str, ...]
    maximum: int
    bands: tuple[Band, ...]
    higher_is_worse: bool
    remission_below: int | None

    def band(self, score: int) -> Band:
        return next(band for band in self.bands if band.low <= score <= band.high)


def items(definition: Definition) -> list[dict[str, Any]]:
    return list(definition["items"])


def choice_values(item: dict[str, Any]) -> set[int]:
    return {value for value, _label in item["choices"]}


def scales(definition: Definition) -> list[Scale]:
    maxima = {item["key"]: max(choice_values(item)) for item in definition["items"]}
    return [
        Scale(
            key=scale["key"],
            label=scale["label"],
            items=tuple(scale["items"]),
            maximum=sum(maxima[key] for key in scale["items"]),
            bands=tuple(Band(low, high, label) for low, high, label in scale["bands"]),
            higher_is_worse=scale["higher_is_worse"],
            remission_below=scale.get("remission_below"),
        )
        for scale in definition["scales"]
    ]


def answer_errors(definition: Definition, answers: dict[str, Any], *, complete: bool) -> list[str]:
    """Why these answers cannot be kept: an unknown item, a value that is not one of the item's
    choices, or (when `complete`) an item left unanswered."""
    by_key = {item["key"]: item for item in definition["items"]}
    errors = [f"There is no question {key}." for key in answers if key not in by_key]
    for key, value in answers.items():
        item = by_key.get(key)
        if item is not None and (
            type(value) is not int or value not in choice_values(item)  # bool is not an answer
        ):
            errors.append(f"Question {key}: {value!r} is not one of its answers.")
    if complete:
        missing = [key for key in by_key if key not in answers]
        if missing:
            errors.append(f"Answer every question (still open: {', '.join(missing)}).")
    return errors


def score(definition: Definition, answers: Answers) -> dict[str, int]:
    """Each scale's score: the sum of its items' answers (all answered, `answer_errors` first)."""
    return {scale.key: sum(answers[key] for key in scale.items) for scale in scales(definition)}


@dataclass(frozen=True)
class SafetyFinding:
    kind: str
    reason: str
    item: str
    answer: str  # the answer's label, as the form showed it


def safety_findings(definition: Definition, answers: Answers) -> list[SafetyFinding]:
    """The safety rules these answers set off."""
    labels = {item["key"]: dict(item["choices"]) for item in definition["items"]}
    return [
        SafetyFinding(
            kind=rule["kind"],
            reason=rule["reason"],
            item=rule["item"],
            answer=labels[rule["item"]][answers[rule["item"]]],
        )
        for rule in definition.get("safety", [])
        if answers.get(rule["item"], 0) > rule["above"]
    ]


def definition_errors(definition: Definition) -> list[str]:
    """What makes a definition unusable; a migration adding a version is tested against it."""
    errors: list[str] = []
    keys = [item["key"] for item in definition.get("items", [])]
    if not keys or len(set(keys)) != len(keys):
        errors.append("Items must be present with distinct keys.")
    for item in definition.get("items", []):
        values = [value for value, _label in item.get("choices", [])]
        if not item.get("text") or not values or len(set(values)) != len(values):
            errors.append(f"Item {item.get('key')} needs a text and distinct answer values.")
    errors += [
        f"Scale {scale['key']} names an unknown item."
        for scale in definition.get("scales", [])
        if not set(scale["items"]) <= set(keys)
    ]
    if errors:
        return errors
    for scale in scales(definition):
        covered = 0
        for band in scale.bands:
            if band.low != covered or band.high < band.low:
                errors.append(f"Scale {scale.key}: bands must follow each other from 0.")
                break
            covered = band.high + 1
        else:
            if covered != scale.maximum + 1:
                errors.append(f"Scale {scale.key}: bands must end at its maximum {scale.maximum}.")
    errors += [
        f"Safety rule on item {rule.get('item')} needs a known item and an alert kind."
        for rule in definition.get("safety", [])
        if rule.get("item") not in keys or not rule.get("kind")
    ]
    return errors
