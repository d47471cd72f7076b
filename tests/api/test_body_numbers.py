"""A JSON true or false is not a number (the fuzz test found POST /api/leak-surveys taking
``"lat": true`` as 1.0: pydantic's lax mode reads booleans as numbers). Every field of every
request body refuses ``true`` unless the field itself is a boolean."""

from __future__ import annotations

import importlib
import pkgutil
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

import api.routes
from api import schemas
from api.app import create_app
from api.settings import Settings

ROUTERS = list(pkgutil.iter_modules(api.routes.__path__, "api.routes."))


def _body_models() -> dict[str, type[BaseModel]]:
    """The models the service reads request bodies with (named by the OpenAPI document)."""
    spec = create_app(Settings(seed_demo_users=True)).openapi()
    names = set()
    for path in spec["paths"].values():
        for operation in path.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media.get("schema", {}).get("$ref", "")
                names.add(ref.rsplit("/", 1)[-1])
    models: dict[str, type[BaseModel]] = {}
    for module in [schemas, *(importlib.import_module(m.name) for m in ROUTERS)]:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__name__ in names:
                models[value.__name__] = value
    return models


def _takes_bool(annotation: Any) -> bool:
    if annotation is bool:
        return True
    return any(_takes_bool(a) for a in typing.get_args(annotation))


def test_no_body_field_takes_a_boolean_for_a_number() -> None:
    models = _body_models()
    assert len(models) > 10
    accepted = []
    for name, model in sorted(models.items()):
        for field, info in model.model_fields.items():
            if _takes_bool(info.annotation):
                continue
            try:
                model.model_validate({field: True})
            except ValidationError as exc:
                if any(e["loc"][:1] == (field,) for e in exc.errors()):
                    continue
            accepted.append(f"{name}.{field}")
    assert accepted == [], "\n".join(accepted)
