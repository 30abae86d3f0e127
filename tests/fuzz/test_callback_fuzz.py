"""`POST /_dash-update-component`, the one entry point that takes a body: the page callback with any URL,
every registered callback with values of any JSON type, and bodies that are not callbacks at all.

What the browser's dashboard sends (string URLs, string select values, lists of strings) must always be
answered (200, or 204 for "no change"); anything else may be refused with a clear 400, never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from tests.fuzz.properties import FUZZ, check
from tests.fuzz.strategies import json_values, query_strings, values

CALLBACK = "/_dash-update-component"
PAGE_OUTPUT = "..page.children...page-meta.data.."


@pytest.fixture(scope="module")
def callbacks(client: FlaskClient) -> dict[str, dict[str, Any]]:
    """The callbacks the app registered, by their first input id, as /_dash-dependencies lists them."""
    deps: list[dict[str, Any]] = client.get("/_dash-dependencies").get_json()
    return {dep["inputs"][0]["id"]: {key: dep[key] for key in ("output", "inputs", "state")} for dep in deps}


def body(dep: dict[str, Any], inputs: list[Any], state: list[Any]) -> dict[str, Any]:
    """The request dash-renderer makes for `dep` with these input and state values."""
    output = dep["output"]
    if output.startswith(".."):
        outputs: Any = [
            {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
            for part in output.strip(".").split("...")
        ]
    else:
        outputs = {"id": output.split(".")[0], "property": output.split("@")[0].split(".")[1]}
    return {
        "output": output,
        "outputs": outputs,
        "inputs": [{**spec, "value": value} for spec, value in zip(dep["inputs"], inputs, strict=True)],
        "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"],
        "state": [{**spec, "value": value} for spec, value in zip(dep["state"], state, strict=True)],
    }


def post(client: FlaskClient, payload: Any, entry_point: str) -> Any:
    response = check(client.post(CALLBACK, json=payload), entry_point)
    assert response.status_code in (200, 204, 400), response.status_code
    event(f"status {response.status_code}")  # shown by --hypothesis-show-statistics
    return response


pathnames = st.one_of(
    st.sampled_from(["/", "/section/aid", "/section/models", "/section/", "/section/nope", "/present", ""]),
    st.text(max_size=60).map(lambda text: "/section/" + text),
    st.text(max_size=60),
)


@settings(FUZZ, max_examples=40)
@given(pathname=pathnames, query=query_strings(), question=st.booleans())
@example(pathname="/section/aid", query="years=" + "9" * 9000, question=True)
@example(pathname="/" + "a" * 100_000, query="", question=False)
def test_page_callback_draws_any_url(
    client: FlaskClient, callbacks: dict[str, dict[str, Any]], pathname: str, query: str, question: bool
) -> None:
    """Whatever the URL, the page is drawn: the page asked for, or "not found", with notices for bad filters."""
    search = ("?" if question else "") + query
    response = post(client, body(callbacks["url"], [pathname, search], []), "POST callback: page (any URL)")
    assert response.status_code == 200
    result = response.get_json()["response"]
    assert result["page-meta"]["data"]["lang"] in ("zh-CN", "en")
    assert result["page"]["children"], "the page is never empty"


@settings(FUZZ, max_examples=60)
@given(
    which=st.sampled_from(["url", "filter-years", "filter-section", "filter-programme", "filters-toggle"]),
    data=st.data(),
)
def test_control_callbacks_with_string_values(
    client: FlaskClient, callbacks: dict[str, dict[str, Any]], which: str, data: st.DataObject
) -> None:
    """Values of the types the controls hold, with any content: answered, never refused."""
    dep = callbacks[which]
    text = st.one_of(values, st.none())
    strings = st.lists(values, max_size=6)
    options = st.lists(st.fixed_dictionaries({"label": values, "value": values}), max_size=6)
    if which == "url":
        inputs, state = [data.draw(text), data.draw(text)], []
    elif which == "filter-years":
        inputs, state = [data.draw(text)], [data.draw(text)]
    elif which == "filters-toggle":  # clientside: the server has no function to run
        inputs, state = [data.draw(st.integers())], [data.draw(st.booleans())]
    else:
        inputs, state = [data.draw(strings)], [data.draw(options), data.draw(text)]
    response = post(client, body(dep, inputs, state), f"POST callback: {which} (string values)")
    if which == "filters-toggle":
        assert response.status_code == 400
    else:
        assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
        # An update writes a canonical query string ('' or '?…'); an empty answer changes nothing.
        update = (response.get_json(silent=True) or {}).get("response") or {}
        if which != "url" and update:
            search = update["url"]["search"]
            assert search == "" or search.startswith("?"), search


@settings(FUZZ, max_examples=60)
@given(
    which=st.sampled_from(["url", "filter-years", "filter-section", "filter-programme", "page-meta"]),
    data=st.data(),
)
def test_callbacks_with_values_of_any_type(
    client: FlaskClient, callbacks: dict[str, dict[str, Any]], which: str, data: st.DataObject
) -> None:
    """Numbers, objects, nested lists where strings belong: answered or refused with a 400, never a 500."""
    dep = callbacks[which]
    inputs = [data.draw(json_values) for _ in dep["inputs"]]
    state = [data.draw(json_values) for _ in dep["state"]]
    post(client, body(dep, inputs, state), f"POST callback: {which} (any JSON values)")


ENVELOPE_KEYS = ("output", "outputs", "inputs", "changedPropIds", "state")


@settings(FUZZ, max_examples=80)
@given(
    which=st.sampled_from(["url", "filter-years", "filter-programme"]),
    drop=st.sets(st.sampled_from(ENVELOPE_KEYS)),
    replace=st.dictionaries(st.sampled_from(ENVELOPE_KEYS), json_values, max_size=2),
)
@example(which="url", drop=set(), replace={"output": "nope.children"})
@example(which="url", drop=set(), replace={"inputs": [{"id": "url", "property": "pathname", "value": "/"}] * 5000})
def test_malformed_callback_envelopes(
    client: FlaskClient,
    callbacks: dict[str, dict[str, Any]],
    which: str,
    drop: set[str],
    replace: dict[str, Any],
) -> None:
    """A real callback with keys missing or replaced by anything: a 400 with a message when it cannot run."""
    dep = callbacks[which]
    payload = body(dep, ["/", ""] if which == "url" else [["x"]] * len(dep["inputs"]), [""] * len(dep["state"]))
    payload = {key: value for key, value in payload.items() if key not in drop} | replace
    response = post(client, payload, "POST callback: malformed envelope")
    if response.status_code == 400:
        assert response.get_json()["error"] == "bad-callback-request"


@settings(FUZZ, max_examples=60)
@given(
    payload=st.one_of(
        json_values.map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=200),
        st.sampled_from([b"", b"{", b"null", b"[]", b'{"output": null}', b"\xff\xfe", b"{" * 5000, b"[" * 100_000]),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""]),
)
def test_bodies_that_are_not_callbacks(client: FlaskClient, payload: bytes, content_type: str) -> None:
    """Not JSON, JSON of the wrong shape, or too deeply nested to parse: a 4xx, never a 500."""
    response = check(
        client.post(CALLBACK, data=payload, content_type=content_type or None), "POST callback: not a callback"
    )
    assert response.status_code in (400, 415), response.status_code
