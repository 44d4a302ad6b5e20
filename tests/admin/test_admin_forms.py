"""The settings-field helpers the admin's settings forms share (web/admin/forms.py)."""

from __future__ import annotations

import pytest
from bottle import FormsDict

from otpbroker.web.admin import forms


def test_a_label_comes_from_the_page_else_from_the_key():
    assert forms.label("api.http_port", {"api.http_port": "HTTP port"}) == "HTTP port"
    assert forms.label("sms.max_attempts", {}) == "Max attempts"


@pytest.mark.parametrize(
    ("doc", "current", "kind"),
    [
        ({"kind": "int"}, "7", "int"),
        ({}, True, "bool"),
        ({}, 3, "int"),
        ({}, "text", "str"),
        ({"kind": "list"}, None, "list"),
        ({}, ["62"], "str"),
    ],
)
def test_the_kind_is_the_schemas_else_the_current_values(doc, current, kind):
    assert forms.kind_of(doc, current) == kind


def test_the_hint_says_the_doc_the_default_and_the_bounds():
    doc = {"doc": "Seconds to wait.", "default": 30, "minimum": 1, "maximum": 600}
    assert forms.hint(doc) == "Seconds to wait. Default: 30. Allowed: 1 to 600."
    assert forms.hint({"default": True}) == "Default: on."
    assert forms.hint({"default": ""}) == "Default: empty."
    assert forms.hint({"default": "web"}) == "Default: \u201cweb\u201d."
    assert forms.hint({"default": []}) == "Default: empty."
    assert forms.hint({"default": ["62", "65"]}) == "Default: 62, 65."


def test_a_list_is_typed_as_items_between_commas_or_spaces():
    assert forms.parse_value("list", {}, [" 62899, 6281 ,,65  1"]) == ["62899", "6281", "65", "1"]
    assert forms.parse_value("list", {}, ["  "]) == []
    view = forms.field_view("limits.denied_prefixes", "Denied", "list", "", ["62899", "6281"], {})
    assert view["value"] == "62899, 6281" and view["kind"] == "list"


def test_a_ticked_checkbox_is_true_after_its_hidden_false():
    assert forms.parse_value("bool", {}, ["false", "true"]) is True
    assert forms.parse_value("bool", {}, ["false"]) is False


def test_a_number_is_whole_or_refused_with_the_text():
    assert forms.parse_value("int", {}, [" 42 "]) == 42
    with pytest.raises(ValueError, match="must be a whole number, got 'x'"):
        forms.parse_value("int", {}, ["x"])
    with pytest.raises(ValueError, match=r"got '1{37}\.\.\.'"):
        forms.parse_value("int", {}, ["1" * 50])


def test_text_is_the_last_value_sent_and_a_choice_keeps_its_type():
    assert forms.parse_value("str", {}, ["a", "b"]) == "b"
    assert forms.parse_value("str", {"choices": [1, 2]}, ["2"]) == 2


def test_texts_are_decoded_as_utf8_or_refused():
    form = FormsDict()
    form.append("name", "caf\u00c3\u00a9")  # the UTF-8 bytes of "café" as bottle holds them
    assert forms.texts(form, "name") == ["caf\u00e9"]
    form.append("bad", "\u00ff")
    with pytest.raises(UnicodeError):
        forms.texts(form, "bad")


def test_same_tells_a_flag_from_a_number():
    assert forms.same(1, 1)
    assert not forms.same(True, 1)


def test_a_refusal_of_the_store_goes_next_to_its_field_or_on_top():
    class Refused(ValueError):
        def __init__(self, key: str, rule: str) -> None:
            super().__init__(f"{key}: {rule}")
            self.key, self.rule = key, rule

    errors: dict[str, str] = {}
    forms.store_refusal(Refused("api.http_port", "at most 65535"), ["api.http_port"], errors)
    forms.store_refusal(Refused("other.key", "no"), ["api.http_port"], errors)
    assert errors == {"api.http_port": "at most 65535", "_form": "other.key: no"}


def test_the_summary_names_the_refused_fields_on_top():
    errors = {"api.http_port": "too big", "api.sms_path": "taken"}
    forms.summarise(errors, lambda key: forms.label(key, {"api.http_port": "HTTP port"}))
    assert errors["_form"] == "Nothing was saved. Please correct: HTTP port, Sms path."
    kept = {"_form": "already said", "x": "bad"}
    forms.summarise(kept, str)
    assert kept["_form"] == "already said"
