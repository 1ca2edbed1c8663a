"""Models from the JSON columns the report reads in bulk (``govern.store.bulk``)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class Parser(Generic[M]):
    """Models of one frozen kind from many JSON columns, sharing what equal rows can share.

    A column is text on SQLite and already decoded by PostgreSQL's driver. pydantic parses
    JSON text in one step, about twice as fast as ``json.loads`` and then validating the
    dictionary.

    pydantic gives each model its own set of the fields the document set (about 730 bytes
    for a community or an activity report, half the model's size); the rows of one table
    set the same few combinations of fields, and a frozen model never changes its set
    (``model_copy`` copies it), so every model with the same fields is given one set.
    """

    def __init__(self, model: type[M]) -> None:
        if not model.model_config.get("frozen"):
            raise TypeError(f"{model.__name__} is not frozen: its fields set may change")
        # The model's own validator, called directly: ``model_validate_json`` only adds
        # argument checks to it (a microsecond per row, 100,000 rows at the xl size).
        self.from_text = model.__pydantic_validator__.validate_json
        self.from_value = model.__pydantic_validator__.validate_python
        self.sets: list[set[str]] = []

    def __call__(self, data: Any) -> M:
        """The model of one JSON column."""
        m: M = (self.from_text if isinstance(data, str | bytes) else self.from_value)(data)
        fields = m.__pydantic_fields_set__
        for known in self.sets:
            if known == fields:
                object.__setattr__(m, "__pydantic_fields_set__", known)
                return m
        if len(self.sets) < 8:  # a few combinations are shared; any others stay as they are
            self.sets.append(fields)
        return m
