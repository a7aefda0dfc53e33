"""Callback requests built the way dash-renderer builds them, from the app's ``/_dash-dependencies``.

Shared by the callback tests (Flask test client) and the Explorer benchmark (real HTTP): a test
names the callback by an output (and, where outputs repeat, the input that fires it) and gives the
values a browser would send, keyed ``"<component id>.<property>"``. Pattern-matching ``ALL``
inputs and outputs expand to the concrete ids given in ``wildcards``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

ALL_MARK = '["ALL"]'


def id_key(component: Any) -> str:
    """A component id as Dash spells it in dependencies and ``changedPropIds``."""
    if isinstance(component, dict):
        return json.dumps(component, sort_keys=True, separators=(",", ":"))
    return str(component)


def find_callback(
    dependencies: Sequence[dict[str, Any]], *, output: str, trigger: str | None = None
) -> dict[str, Any]:
    """The callback whose output string contains ``output`` and, when ``trigger`` (an id key)
    is given, that fires on it (directly, or through an ALL input of the same type)."""

    candidates = [d for d in dependencies if output in d["output"]]
    if trigger is None:
        return candidates[0]
    exact = [d for d in candidates if any(i["id"] == trigger for i in d["inputs"])]
    if exact or not trigger.startswith("{"):
        return exact[0]
    kind = json.loads(trigger)["type"]
    return next(
        d
        for d in candidates
        if any(ALL_MARK in i["id"] and json.loads(i["id"])["type"] == kind for i in d["inputs"])
    )


def callback_payload(
    spec: dict[str, Any],
    values: Mapping[str, Any],
    changed: Sequence[str],
    wildcards: Mapping[str, Sequence[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The JSON body of ``POST /_dash-update-component`` for one callback."""
    concrete = wildcards or {}

    def one_id(raw: str) -> Any:
        return json.loads(raw) if raw.startswith("{") else raw

    def entry(item: dict[str, Any]) -> Any:
        prop = item["property"]
        if ALL_MARK in item["id"]:
            return [
                {"id": c, "property": prop, "value": values.get(f"{id_key(c)}.{prop}")}
                for c in concrete.get(item["id"], ())
            ]
        return {
            "id": one_id(item["id"]),
            "property": prop,
            "value": values.get(f"{item['id']}.{prop}"),
        }

    outputs: list[Any] = []
    for part in spec["output"].strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        prop = prop.split("@")[0]  # allow_duplicate outputs carry a hash suffix
        if ALL_MARK in component:
            outputs.append([{"id": c, "property": prop} for c in concrete.get(component, ())])
        else:
            outputs.append({"id": one_id(component), "property": prop})
    return {
        "output": spec["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [entry(i) for i in spec["inputs"]],
        "state": [entry(s) for s in spec["state"]],
        "changedPropIds": list(changed),
    }
