"""The published instruments the clinic gives, as data (see `clients.measures` for the shape).
Migrations load them; a published version is never edited here: a change is a new entry with the
next version number, and a migration that loads it. All three are free to use.

Sources:
- PHQ-9: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity
  measure. J Gen Intern Med 2001;16(9):606-613. Nine items scored 0-3, total 0-27; severity 0-4
  minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe. Item 9 asks about
  thoughts of self-harm: any answer above 0 needs a clinician's follow-up the same day. Remission
  is a total below 5.
- GAD-7: Spitzer RL, Kroenke K, Williams JBW, Lowe B. A brief measure for assessing generalized
  anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092-1097. Seven items scored 0-3,
  total 0-21; 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe. Remission below 5.
- BAM: Cacciola JS, Alterman AI, DePhilippis D, et al. Development and initial evaluation of the
  Brief Addiction Monitor (BAM). J Subst Abuse Treat 2013;44(3):256-263; VA VISN 4 MIRECC / CESATE
  BAM manual and scoring guide (categorical version). Seventeen items about the past 30 days (item
  7 in seven parts, 7A-7G, not scored); answers in days are converted as published (0 days = 0,
  1-3 = 1, 4-8 = 2, 9-15 = 3, 16-30 = 4), item 14 is No = 0 / Yes = 4. Use = items 4+5+6 (0-12,
  any use is clinically significant), Risk = 1+2+3+8+11+15 (0-24, 12 or more elevated), Protective
  = 9+10+12+13+14+16 (0-24, 12 or below low). Item 17 (satisfaction with progress) is not part of
  any scale.
"""

from typing import Any

OFTEN_2_WEEKS = [
    [0, "Not at all"],
    [1, "Several days"],
    [2, "More than half the days"],
    [3, "Nearly every day"],
]
DAYS_30 = [[0, "0 days"], [1, "1-3 days"], [2, "4-8 days"], [3, "9-15 days"], [4, "16-30 days"]]
HOW_MUCH = [
    [0, "Not at all"],
    [1, "Slightly"],
    [2, "Moderately"],
    [3, "Considerably"],
    [4, "Extremely"],
]
HEALTH = [[0, "Excellent"], [1, "Very good"], [2, "Good"], [3, "Fair"], [4, "Poor"]]


def _items(texts: list[str], choices: list[list[Any]]) -> list[dict[str, Any]]:
    return [
        {"key": str(number), "text": text, "choices": choices}
        for number, text in enumerate(texts, start=1)
    ]


PHQ_9 = {
    "instructions": (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    ),
    "items": _items(
        [
            "Little interest or pleasure in doing things",
            "Feeling down, depressed, or hopeless",
            "Trouble falling or staying asleep, or sleeping too much",
            "Feeling tired or having little energy",
            "Poor appetite or overeating",
            "Feeling bad about yourself, or that you are a failure or have let yourself or your "
            "family down",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "Moving or speaking so slowly that other people could have noticed. Or the opposite: "
            "being so fidgety or restless that you have been moving around a lot more than usual",
            "Thoughts that you would be better off dead, or of hurting yourself in some way",
        ],
        OFTEN_2_WEEKS,
    ),
    "scales": [
        {
            "key": "total",
            "label": "Depression",
            "items": [str(n) for n in range(1, 10)],
            "higher_is_worse": True,
            "bands": [
                [0, 4, "Minimal"],
                [5, 9, "Mild"],
                [10, 14, "Moderate"],
                [15, 19, "Moderately severe"],
                [20, 27, "Severe"],
            ],
            "remission_below": 5,
        }
    ],
    "safety": [
        {
            "item": "9",
            "above": 0,
            "kind": "self_harm_risk",
            "reason": "Thoughts of self-harm (PHQ-9 item 9)",
        }
    ],
}

GAD_7 = {
    "instructions": (
        "Over the last 2 weeks, how often have you been bothered by the following problems?"
    ),
    "items": _items(
        [
            "Feeling nervous, anxious, or on edge",
            "Not being able to stop or control worrying",
            "Worrying too much about different things",
            "Trouble relaxing",
            "Being so restless that it is hard to sit still",
            "Becoming easily annoyed or irritable",
            "Feeling afraid, as if something awful might happen",
        ],
        OFTEN_2_WEEKS,
    ),
    "scales": [
        {
            "key": "total",
            "label": "Anxiety",
            "items": [str(n) for n in range(1, 8)],
            "higher_is_worse": True,
            "bands": [[0, 4, "Minimal"], [5, 9, "Mild"], [10, 14, "Moderate"], [15, 21, "Severe"]],
            "remission_below": 5,
        }
    ],
    "safety": [],
}

_DAYS = "In the past 30 days, how many days"
BAM = {
    "instructions": "These questions are about the past 30 days.",
    "items": [
        {
            "key": "1",
            "text": "In the past 30 days, would you say your physical health has been:",
            "choices": HEALTH,
        },
        {
            "key": "2",
            "text": "In the past 30 days, how many nights did you have trouble falling asleep or "
            "staying asleep?",
            "choices": DAYS_30,
        },
        {
            "key": "3",
            "text": f"{_DAYS} have you felt depressed, anxious, angry or very upset throughout "
            "most of the day?",
            "choices": DAYS_30,
        },
        {"key": "4", "text": f"{_DAYS} did you drink ANY alcohol?", "choices": DAYS_30},
        {
            "key": "5",
            "text": f"{_DAYS} did you have at least 5 drinks (if you are a man) or at least 4 "
            "drinks (if you are a woman)? One drink is a can of beer (12 oz), a glass of wine "
            "(5 oz) or a mixed drink.",
            "choices": DAYS_30,
        },
        {
            "key": "6",
            "text": f"{_DAYS} did you use any illegal or street drugs, or abuse any prescription "
            "medications?",
            "choices": DAYS_30,
        },
        *(
            {"key": f"7{letter}", "text": f"{_DAYS} did you use {drug}?", "choices": DAYS_30}
            for letter, drug in (
                ("a", "marijuana (cannabis, pot, weed)"),
                ("b", "sedatives or tranquilizers (benzos, Valium, Xanax, Ativan, sleeping pills)"),
                ("c", "cocaine or crack"),
                ("d", "other stimulants (amphetamine, methamphetamine, Ritalin, ecstasy)"),
                ("e", "opiates (heroin, morphine, fentanyl, Oxycontin, Percocet)"),
                ("f", "inhalants (glues, adhesives, nail polish remover, paint thinner)"),
                ("g", "other drugs or medications (hallucinogens, barbiturates, over-the-counter)"),
            )
        ),
        {
            "key": "8",
            "text": "In the past 30 days, how much were you bothered by cravings or urges to drink "
            "alcohol or use drugs?",
            "choices": HOW_MUCH,
        },
        {
            "key": "9",
            "text": "How confident are you in your ability to be completely abstinent (clean) from "
            "alcohol and drugs in the next 30 days?",
            "choices": HOW_MUCH,
        },
        {
            "key": "10",
            "text": f"{_DAYS} did you attend self-help meetings like AA or NA to support your "
            "recovery?",
            "choices": DAYS_30,
        },
        {
            "key": "11",
            "text": f"{_DAYS} were you in any situations or with any people that might put you at "
            "an increased risk for using alcohol or drugs (around risky people, places or things)?",
            "choices": DAYS_30,
        },
        {
            "key": "12",
            "text": "Does your religion or spirituality help support your recovery?",
            "choices": HOW_MUCH,
        },
        {
            "key": "13",
            "text": f"{_DAYS} did you spend much of the time at work, school, or doing volunteer "
            "work?",
            "choices": DAYS_30,
        },
        {
            "key": "14",
            "text": "Do you have enough income (from legal sources) to pay for necessities such as "
            "housing, transportation, food and clothing for yourself and your dependents?",
            "choices": [[0, "No"], [4, "Yes"]],
        },
        {
            "key": "15",
            "text": "In the past 30 days, how much have you been bothered by arguments or problems "
            "getting along with any family members or friends?",
            "choices": HOW_MUCH,
        },
        {
            "key": "16",
            "text": f"{_DAYS} were you in contact or spent time with any family members or friends "
            "who are supportive of your recovery?",
            "choices": DAYS_30,
        },
        {
            "key": "17",
            "text": "How satisfied are you with your progress toward achieving your recovery goals?",
            "choices": HOW_MUCH,
        },
    ],
    "scales": [
        {
            "key": "use",
            "label": "Use",
            "items": ["4", "5", "6"],
            "higher_is_worse": True,
            "bands": [[0, 0, "No use"], [1, 12, "Use"]],
            "remission_below": 1,
        },
        {
            "key": "risk",
            "label": "Risk factors",
            "items": ["1", "2", "3", "8", "11", "15"],
            "higher_is_worse": True,
            "bands": [[0, 11, "Lower risk"], [12, 24, "Elevated risk"]],
        },
        {
            "key": "protective",
            "label": "Protective factors",
            "items": ["9", "10", "12", "13", "14", "16"],
            "higher_is_worse": False,
            "bands": [[0, 12, "Low protection"], [13, 24, "Protected"]],
        },
    ],
    "safety": [],
}

SOURCES = {
    "phq-9": "Kroenke, Spitzer, Williams. J Gen Intern Med 2001;16:606-613 (PHQ-9, free to use).",
    "gad-7": "Spitzer, Kroenke, Williams, Lowe. Arch Intern Med 2006;166:1092-1097 (free to use).",
    "bam": "Cacciola et al. J Subst Abuse Treat 2013;44:256-263; VA MIRECC BAM scoring guide.",
}

# (code, abbreviation, name, version, definition)
PUBLISHED: list[tuple[str, str, str, int, dict[str, Any]]] = [
    ("phq-9", "PHQ-9", "Patient Health Questionnaire (depression)", 1, PHQ_9),
    ("gad-7", "GAD-7", "Generalized Anxiety Disorder scale (anxiety)", 1, GAD_7),
    ("bam", "BAM", "Brief Addiction Monitor (substance use)", 1, BAM),
]

# Every track's default schedule: (instrument code, every_days).
SCHEDULES = [("bam", 7), ("phq-9", 14), ("gad-7", 14)]


def instruments_install(
    instrument_model: Any, version_model: Any, track_model: Any, schedule_model: Any
) -> None:
    """Load the published versions and each track's default schedule; safe to run again. Takes
    the models so a migration can pass its historical ones."""
    for code, abbreviation, name, version, definition in PUBLISHED:
        instrument, _ = instrument_model.objects.get_or_create(
            code=code, defaults={"abbreviation": abbreviation, "name": name}
        )
        version_model.objects.get_or_create(
            instrument=instrument,
            version=version,
            defaults={"definition": definition, "source": SOURCES[code]},
        )
    for track in track_model.objects.all():
        for code, every_days in SCHEDULES:
            schedule_model.objects.get_or_create(
                track=track,
                instrument=instrument_model.objects.get(code=code),
                defaults={"every_days": every_days},
            )
