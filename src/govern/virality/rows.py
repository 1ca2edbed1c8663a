"""Models from the JSON columns the report reads in bulk (``govern.store.bulk``)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """A model from a JSON column: text on SQLite, already decoded by PostgreSQL's driver.

    pydantic parses JSON text in one step, about twice as fast as ``json.loads`` and then
    validating the dictionary.
    """
    if isinstance(data, str | bytes):
        return model.model_validate_json(data)
    return model.model_validate(data)


class Parser(Generic[M]):
    """:func:`parse` for many rows of one frozen model, sharing what equal rows can share.

    pydantic gives each model its own set of the fields the document set (about 730 bytes
    for a community or an activity report, half the model's size); the rows of one table
    set the same few combinations of fields, and a frozen model never changes its set
    (``model_copy`` copies it), so every model with the same fields is given one set.
    """

    def __init__(self, model: type[M]) -> None:
        if not model.model_config.get("frozen"):
            raise TypeError(f"{model.__name__} is not frozen: its fields set may change")
        self.model = model
        self.sets: list[set[str]] = []

    def __call__(self, data: Any) -> M:
        """The model of one JSON column."""
        m = parse(self.model, data)
        fields = m.__pydantic_fields_set__
        for known in self.sets:
            if known == fields:
                object.__setattr__(m, "__pydantic_fields_set__", known)
                return m
        if len(self.sets) < 8:  # a few combinations are shared; any others stay as they are
            self.sets.append(fields)
        return m
