"""The OpenAPI schema (issue 13, finding 11): one name per schema, and every route documents the
error answers it can give."""

from __future__ import annotations

import collections
import enum
import typing

from pydantic import BaseModel, WithJsonSchema

from civicgrid.api.main import api


def _ref(operation: dict, code: int = 200) -> str:
    schema = operation["responses"][code]["content"]["application/json"]["schema"]
    return (schema.get("items") or schema)["$ref"].rsplit("/", 1)[1]


def test_history_routes_point_at_their_own_event_schemas():
    paths = api.get_openapi_schema()["paths"]
    assert _ref(paths["/api/cases/{pk}/events"]["get"]) == "CaseEventOut"
    assert _ref(paths["/api/circle/providers/{pk}/events"]["get"]) == "ProviderEventOut"
    assert _ref(paths["/api/registry/people/{pk}/history"]["get"]) == "PersonEventOut"


def test_no_two_models_share_a_schema_name():
    names: dict[str, set[str]] = collections.defaultdict(set)

    def walk_field(field, depth=0):
        if any(isinstance(m, WithJsonSchema) for m in field.metadata):
            return  # written in place (core.schema.choices): no shared component
        walk(field.annotation, depth)

    def walk(annotation, depth=0):
        if depth > 8 or annotation is None:
            return
        if typing.get_origin(annotation) is typing.Annotated:
            return  # written in place (core.schema.choices): no shared component
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum | BaseModel):
            names[annotation.__name__].add(f"{annotation.__module__}.{annotation.__qualname__}")
            if issubclass(annotation, BaseModel):
                for field in annotation.model_fields.values():
                    walk_field(field, depth + 1)
            return
        for arg in typing.get_args(annotation):
            walk(arg, depth + 1)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in [*operation.response_models.values(), *operation.models]:
                    if isinstance(model, type) and issubclass(model, BaseModel):
                        for field in model.model_fields.values():
                            walk_field(field)
    shared = {name: classes for name, classes in names.items() if len(classes) > 1}
    assert shared == {}


def test_every_route_documents_its_error_answers():
    schema = api.get_openapi_schema()
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {400, 403, 404, 422} <= codes, (method, path)
            if method in ("post", "put", "patch", "delete"):
                assert {409, 413} <= codes, (method, path)
            if operation.get("security"):
                assert 401 in codes, (method, path)
    assert 429 in schema["paths"]["/api/public/cases"]["post"]["responses"]
