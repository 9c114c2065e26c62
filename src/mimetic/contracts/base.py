"""Base classes for contracts.

Records are what mimetic writes (camelCase on the wire, unknown fields ignored on read);
manifests are what people author (camelCase, unknown fields rejected).
"""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


# Every model's validator and serializer are built when the model is first used, not at import: a
# command builds the few contracts it touches instead of all ~90 (issue 18: start-up of the contract path).
DEFER = {"defer_build": True}


class Record(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", **DEFER)

    # Set on models that carry a top-level `schema` id; used by the schema registry.
    SCHEMA_ID: ClassVar[str | None] = None
    # Results and evidence keep `null` so their shape is stable (an unknown cost is null, not absent);
    # the run bundle omits unset optional parts so a 1,000-lane run.json stays small.
    OMIT_NONE: ClassVar[bool] = False

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=self.OMIT_NONE)


class Manifest(Record):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", **DEFER)


class SnakeRecord(Record):
    """Records whose wire names are snake_case (the feedback contract keeps upstream's names)."""

    # alias_generator=None: without it the camelCase generator is inherited from Record.
    model_config = ConfigDict(alias_generator=None, populate_by_name=True, extra="ignore", **DEFER)
