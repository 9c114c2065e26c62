"""Persona-shaped synthetic form data. Nothing here is anyone's real data: names are invented, e-mail
addresses use the reserved `.test` domain, phone numbers the fictional 555-01xx range.
"""

from __future__ import annotations

import random

PHRASES = ("Buy oat milk", "Call the plumber", "Water the plants", "Book a dentist visit", "Renew the library card",
           "Pack for the weekend trip", "Send the quarterly report", "Fix the squeaky door")
SHORT = ("Milk", "Bills", "Gym", "Laundry")
NAMES = ("Ada Quill", "Bo Marsh", "Cy Fennel", "Dee Arbor")
MALFORMED = {"email": "not-an-email", "number": "12abc", "tel": "call me", "url": "htp:/broken", "date": "31/31/31",
             "text": "   ", "search": "%%%", "password": "a"}


def value_for(field: dict, rng: random.Random, *, intent: str, impatient: bool) -> str:
    """The text a persona types into `field` (a control record from the page): valid, empty or malformed."""
    kind = field.get("type") or "text"
    if intent == "submit-empty":
        return ""
    if intent == "submit-malformed":
        return MALFORMED.get(kind, "x" * 300)
    if kind == "email":
        return f"{rng.choice(NAMES).split()[0].lower()}.{rng.randrange(100, 999)}@example.test"
    if kind == "tel":
        return f"+1 555 01{rng.randrange(10, 99)}"
    if kind == "number" or kind == "range":
        return str(rng.randrange(1, 20))
    if kind == "url":
        return "https://example.test/"
    if kind == "date":
        return f"2026-0{rng.randrange(1, 9)}-1{rng.randrange(0, 9)}"
    if kind == "password":
        return f"Mimetic-{rng.randrange(1000, 9999)}!"
    label = (field.get("name") or "").lower()
    if "name" in label:
        return rng.choice(NAMES)
    return rng.choice(SHORT if impatient else PHRASES)
