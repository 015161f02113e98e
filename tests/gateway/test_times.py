"""Times on pages: the services keep UTC, people read Beijing time."""

from gateway.pages.rendering import local_date, local_time, templates


def test_a_stamp_without_an_offset_is_utc_and_shown_in_beijing_time():
    assert local_time("2026-11-25T17:30:00") == "2026-11-26 01:30"
    assert local_date("2026-11-25T17:30:00.123456") == "2026-11-26"


def test_a_stamp_with_an_offset_is_converted_and_none_is_a_dash():
    assert local_time("2026-11-26T01:30:00+08:00") == "2026-11-26 01:30"
    assert local_time("2026-11-25T23:59:00-05:00") == "2026-11-26 12:59"
    assert local_time(None) == local_date("") == "—"


def test_templates_have_the_filters():
    rendered = templates.env.from_string("{{ s | local_time }} / {{ s | local_date }}").render(s="2026-01-01T00:00:00Z")
    assert rendered == "2026-01-01 08:00 / 2026-01-01"
