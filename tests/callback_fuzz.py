"""Hostile callback requests for every callback an app declares, from its ``/_dash-dependencies``.

A deterministic generator (the same requests on every run, so a failure can be replayed): for each
callback, server, clientside or pattern-matching, Dash's own included, it makes the request a
browser would send with every value empty, then one request per (input or state, hostile value),
one per hostile value put everywhere at once, and envelopes a careless or malicious client could
send: missing, extra and renamed inputs, wrong ids, wrong ``changedPropIds``, wrong outputs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

WILDCARDS = ('["ALL"]', '["ALLSMALLER"]', '["MATCH"]')


def _deep(depth: int, leaf: Any, as_dict: bool) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value} if as_dict else [value]
    return value


HOSTILE_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    2**70,
    1e308,
    -1e-308,
    "",
    "x" * 200_000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "#score=abc&seg.brand=&sel=lasso:1",
    [],
    [1, "a", None, {"b": []}],
    ["winter"] * 5_000,
    {},
    {"$where": "1", "__class__": [], "job_id": ["x"], "startRow": "a", "sortModel": "x"},
    _deep(40, "x", as_dict=False),
    _deep(40, 1, as_dict=True),
)


@dataclass(frozen=True)
class FuzzRequest:
    callback: str  # the callback's output string, as in the dependencies
    what: str  # a short description, to name a failing request
    body: Any


def _component(raw: str) -> Any:
    return json.loads(raw) if raw.startswith("{") else raw


def _wildcard(raw: str) -> str | None:
    return next((w for w in WILDCARDS if w in raw), None)


def _concrete(raw: str) -> Any:
    """A concrete id for a (maybe pattern-matching) id: wildcards take the value "fuzz"."""
    component = _component(raw)
    if isinstance(component, dict):
        return {k: "fuzz" if isinstance(v, list) else v for k, v in component.items()}
    return component


def _key(component: Any) -> str:
    if isinstance(component, dict):
        return json.dumps(component, sort_keys=True, separators=(",", ":"))
    return str(component)


def _entry(item: dict[str, Any], value: Any) -> Any:
    one = {"id": _concrete(item["id"]), "property": item["property"], "value": value}
    kind = _wildcard(item["id"])
    return [one] if kind in ('["ALL"]', '["ALLSMALLER"]') else one


def _prop_id(item: dict[str, Any]) -> str:
    return f"{_key(_concrete(item['id']))}.{item['property']}"


def _outputs(spec: dict[str, Any]) -> Any:
    outputs: list[Any] = []
    for part in spec["output"].strip(".").split("..."):
        component, prop = part.rsplit(".", 1)
        one = {"id": _concrete(component), "property": prop.split("@")[0]}
        outputs.append([one] if _wildcard(component) in ('["ALL"]', '["ALLSMALLER"]') else one)
    return outputs if len(outputs) > 1 else outputs[0]


def baseline(spec: dict[str, Any], values: dict[int, Any] | None = None) -> dict[str, Any]:
    """The request a browser sends for ``spec``, every value None except ``values`` (by slot)."""
    chosen = values or {}
    slots = [*spec["inputs"], *spec["state"]]
    entries = [_entry(item, chosen.get(i)) for i, item in enumerate(slots)]
    trigger = next(iter(chosen), 0)
    changed = _prop_id(slots[trigger]) if trigger < len(spec["inputs"]) else None
    first = _prop_id(spec["inputs"][0]) if spec["inputs"] else None
    return {
        "output": spec["output"],
        "outputs": _outputs(spec),
        "inputs": entries[: len(spec["inputs"])],
        "state": entries[len(spec["inputs"]) :],
        "changedPropIds": [p for p in (changed or first,) if p],
    }


def requests_for(spec: dict[str, Any]) -> Iterator[FuzzRequest]:
    output = spec["output"]
    slots = [*spec["inputs"], *spec["state"]]
    yield FuzzRequest(output, "every value empty", baseline(spec))
    for index, item in enumerate(slots):
        for value in HOSTILE_VALUES:
            label = f"{_prop_id(item)} = {json.dumps(value)[:60]}"
            yield FuzzRequest(output, label, baseline(spec, {index: value}))
    for value in HOSTILE_VALUES:
        everywhere = dict.fromkeys(range(len(slots)), value)
        yield FuzzRequest(output, f"all = {json.dumps(value)[:60]}", baseline(spec, everywhere))
    yield from _envelopes(spec)


def _envelopes(spec: dict[str, Any]) -> Iterator[FuzzRequest]:
    output = spec["output"]
    body = baseline(spec, dict.fromkeys(range(len(spec["inputs"])), 1))

    def changed(what: str, edit: Any) -> FuzzRequest:
        mutated = copy.deepcopy(body)
        edit(mutated)
        return FuzzRequest(output, what, mutated)

    def first_input(field: str, value: Any) -> Any:
        def edit(b: dict[str, Any]) -> None:
            first = b["inputs"][0]
            (first[0] if isinstance(first, list) else first)[field] = value

        return edit

    extra = {"id": "no-such-component", "property": "value", "value": 1}
    yield changed("an extra input", lambda b: b["inputs"].append(extra))
    yield changed("an extra state", lambda b: b["state"].append(extra))
    yield changed("changed prop unknown", lambda b: b.update(changedPropIds=["nope.value"]))
    yield changed("changed props empty", lambda b: b.update(changedPropIds=[]))
    yield changed("changed props not text", lambda b: b.update(changedPropIds=[5, {}]))
    yield changed("outputs empty", lambda b: b.update(outputs=[]))
    yield changed("outputs doubled", lambda b: b.update(outputs=[b["outputs"], b["outputs"]]))
    yield changed("output unknown", lambda b: b.update(output=output + ".."))
    if spec["inputs"]:
        yield changed("an input missing", lambda b: b["inputs"].pop())
        yield changed("input prop renamed", first_input("property", "__class__"))
        yield changed("input prop not text", first_input("property", ["value"]))
        yield changed("input id unknown", first_input("id", "no-such-component"))
        yield changed("input id a stray dict", first_input("id", {"type": "no-such"}))
        yield changed("input id a list", first_input("id", ["a", "b"]))
        yield changed("input id a number", first_input("id", 7))
        yield changed("input not wrapped right", lambda b: b["inputs"].__setitem__(0, [[extra]]))
    if spec["state"]:
        yield changed("a state missing", lambda b: b["state"].pop())
