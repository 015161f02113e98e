"""Units over HTTP: the access ladder, edits with If-Match, adjustments and as-of-date questions."""

import pytest

from tests.registry.conftest import OTHER_TOWN, TOWN, make_unit

pytestmark = pytest.mark.db


def codes_on(client, headers, day: str, **filters) -> set[str]:
    params = {"on": day, "level": "village", "limit": 500, **filters}
    return {u["unit_code"] for u in client.get("/v1/units", params=params, headers=headers).json()["items"]}


class TestCreateUnit:
    def test_anonymous_is_401(self, district):
        assert district.post("/v1/units", json={"unit_code": "110109104204", "name": "x"}).status_code == 401

    def test_viewer_is_403(self, district, as_role):
        body = {"unit_code": "110109104204", "name": "新村", "parent_code": TOWN}
        assert district.post("/v1/units", json=body, headers=as_role("viewer")).status_code == 403

    def test_officer_of_another_town_is_403(self, district, officer):
        body = {"unit_code": "110109105204", "name": "新村", "parent_code": OTHER_TOWN}
        response = district.post("/v1/units", json=body, headers=officer)
        assert response.status_code == 403 and response.json()["code"] == "town_forbidden"

    def test_code_not_under_parent_is_422_naming_the_field(self, district, officer):
        body = {"unit_code": "110109105204", "name": "新村", "parent_code": TOWN}
        response = district.post("/v1/units", json=body, headers=officer)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "unit_code"
        assert "110109104" in response.json()["errors"][0]["message"]

    def test_bad_urban_rural_code_is_422(self, district, officer):
        body = {"unit_code": "110109104204", "name": "新村", "parent_code": TOWN, "urban_rural_code": "999"}
        assert district.post("/v1/units", json=body, headers=officer).json()["errors"][0]["field"] == "urban_rural_code"

    def test_taken_code_is_409(self, district, officer):
        body = {"unit_code": "110109104201", "name": "重复", "parent_code": TOWN}
        assert district.post("/v1/units", json=body, headers=officer).status_code == 409

    def test_officer_opens_a_community_in_own_town(self, district, officer):
        made = make_unit(district, officer, "110109104204", "斋堂社区", TOWN, kind="community", urban_rural_code="121")
        assert made["level"] == "village" and made["kind"] == "community" and made["town_code"] == TOWN

    def test_idempotency_key_replays_the_first_answer(self, district, admin):
        body = {"unit_code": "110109104205", "name": "新村", "parent_code": TOWN}
        headers = {**admin, "Idempotency-Key": "unit-205"}
        first, second = (district.post("/v1/units", json=body, headers=headers) for _ in range(2))
        assert first.status_code == second.status_code == 201
        assert second.headers["idempotent-replayed"] == "true" and second.json() == first.json()


class TestReadAndEditUnit:
    def test_anonymous_is_401(self, district):
        assert district.get("/v1/units/110109104201").status_code == 401

    def test_bad_code_in_path_is_422(self, district, as_role):
        response = district.get("/v1/units/12345", headers=as_role("viewer"))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit_code"

    def test_any_role_reads_with_an_etag(self, district, as_role):
        response = district.get("/v1/units/110109104201", headers=as_role("auditor"))
        assert response.status_code == 200 and response.headers["etag"] == '"1"'
        assert response.json()["name"] == "爨底下村"

    def test_officer_cannot_change_another_towns_village(self, district, officer):
        response = district.patch("/v1/units/110109105201", json={"name_en": "Yanjiatai Village"},
                                  headers={**officer, "If-Match": '"1"'})
        assert response.status_code == 403

    def test_edit_without_if_match_is_428_and_stale_is_412(self, district, officer):
        path = "/v1/units/110109104201"
        assert district.patch(path, json={"name_en": "Cuandixia"}, headers=officer).status_code == 428
        ok = district.patch(path, json={"name_en": "Cuandixia"}, headers={**officer, "If-Match": '"1"'})
        assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
        stale = district.patch(path, json={"name_en": "Lost"}, headers={**officer, "If-Match": '"1"'})
        assert stale.status_code == 412
        assert district.get(path, headers=officer).json()["name_en"] == "Cuandixia"

    def test_name_is_not_editable_in_place(self, district, officer):
        response = district.patch("/v1/units/110109104201", json={"name": "改名"},
                                  headers={**officer, "If-Match": '"1"'})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"


class TestAdjustments:
    def merge(self, client, headers, **extra):
        body = {"kind": "merge", "effective_on": "2024-07-01", "from_codes": ["110109104202", "110109104203"],
                "to_units": [{"unit_code": "110109104210", "name": "灵马村", "name_pinyin": "Lingma"}],
                "document_ref": "京政函〔2024〕1号", **extra}
        return client.post("/v1/adjustments", json=body, headers=headers)

    def test_officer_may_not_adjust(self, district, officer):
        assert self.merge(district, officer).status_code == 403

    def test_merge_needs_two_old_units(self, district, admin):
        response = self.merge(district, admin, from_codes=["110109104202"])
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "from_codes"

    def test_merge_into_a_code_of_another_town_is_422(self, district, admin):
        response = self.merge(district, admin, to_units=[{"unit_code": "110109105210", "name": "灵马村"}])
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "to_units[0].unit_code"

    def test_merge_then_the_dates_answer_right(self, district, admin):
        assert self.merge(district, admin).status_code == 201
        before = codes_on(district, admin, "2024-06-30", town=TOWN)
        after = codes_on(district, admin, "2024-07-01", town=TOWN)
        assert before == {"110109104201", "110109104202", "110109104203"}
        assert after == {"110109104201", "110109104210"}
        became = district.get("/v1/units/110109104202/history", headers=admin).json()
        assert [u["unit_code"] for u in became["now"]] == ["110109104210"]
        assert became["versions"][0]["valid_to"] == "2024-07-01"
        assert became["versions"][0]["became"][0]["kind"] == "merge"
        came = district.get("/v1/units/110109104210/history", headers=admin).json()
        assert {u["unit_code"] for u in came["versions"][0]["came_from"]} == {"110109104202", "110109104203"}

    def test_closed_unit_is_still_read_by_date(self, district, admin):
        self.merge(district, admin)
        old = district.get("/v1/units/110109104202", params={"on": "2024-01-01"}, headers=admin).json()
        assert old["name"] == "灵水村" and old["valid_to"] == "2024-07-01"
        assert district.get("/v1/units/110109104202", params={"on": "2025-01-01"}, headers=admin).status_code == 404

    def test_split_then_merge_follows_to_what_exists_now(self, district, admin):
        split = {"kind": "split", "effective_on": "2023-01-01", "from_codes": ["110109104201"],
                 "to_units": [{"unit_code": "110109104211", "name": "爨底下东村"},
                              {"unit_code": "110109104212", "name": "爨底下西村"}]}
        assert district.post("/v1/adjustments", json=split, headers=admin).status_code == 201
        assert codes_on(district, admin, "2022-12-31", town=TOWN) == {"110109104201", "110109104202", "110109104203"}
        assert codes_on(district, admin, "2023-01-01", town=TOWN) == {"110109104211", "110109104212", "110109104202",
                                                                    "110109104203"}
        merge = {"kind": "merge", "effective_on": "2025-01-01", "from_codes": ["110109104212", "110109104202"],
                 "to_units": [{"unit_code": "110109104202", "name": "灵水村"}]}
        assert district.post("/v1/adjustments", json=merge, headers=admin).status_code == 201
        now = district.get("/v1/units/110109104201/history", headers=admin).json()["now"]
        assert [u["unit_code"] for u in now] == ["110109104202", "110109104211"]
        history = district.get("/v1/units/110109104202/history", headers=admin).json()["versions"]
        assert [v["valid_from"] for v in history] == ["2020-01-01", "2025-01-01"]

    def test_rename_keeps_the_code_and_reparent_changes_it(self, district, admin):
        rename = {"kind": "rename", "effective_on": "2024-01-01", "from_codes": ["110109104203"],
                  "to_units": [{"unit_code": "110109104203", "name": "马栏红色村"}]}
        assert district.post("/v1/adjustments", json=rename, headers=admin).status_code == 201
        assert district.get("/v1/units/110109104203", headers=admin).json()["name"] == "马栏红色村"
        assert district.get("/v1/units/110109104203", params={"on": "2023-12-31"},
                            headers=admin).json()["name"] == "马栏村"
        move = {"kind": "reparent", "effective_on": "2024-06-01", "from_codes": ["110109104203"],
                "to_units": [{"unit_code": "110109105203", "name": "马栏红色村", "parent_code": OTHER_TOWN}]}
        moved = district.post("/v1/adjustments", json=move, headers=admin)
        assert moved.status_code == 201 and moved.json()["to_units"][0]["town_code"] == OTHER_TOWN
        assert "110109105203" in codes_on(district, admin, "2024-06-01", town=OTHER_TOWN)

    def test_adjustments_are_listed_per_unit(self, district, admin):
        self.merge(district, admin)
        listed = district.get("/v1/adjustments", params={"unit_code": "110109104203"}, headers=admin).json()
        assert listed["total"] == 1 and listed["items"][0]["kind"] == "merge"


class TestSearch:
    def test_filters_by_town_name_pinyin_and_code(self, district, as_role):
        viewer = as_role("viewer")
        assert codes_on(district, viewer, "2025-01-01", town=OTHER_TOWN) == {"110109105201"}
        assert codes_on(district, viewer, "2025-01-01", q="灵水") == {"110109104202"}
        assert codes_on(district, viewer, "2025-01-01", q="cuan") == {"110109104201"}
        assert codes_on(district, viewer, "2025-01-01", code="1101091042") == {"110109104201", "110109104202",
                                                                               "110109104203"}

    def test_filters_by_class_designation_and_metric(self, district, admin):
        district.post("/v1/units/110109104201/classes", json={"scheme_key": "planning_class", "year": 2024,
                                                              "class_name": "特色保护类"}, headers=admin)
        district.post("/v1/designations", json={"unit_code": "110109104202", "kind_key": "shihua_village",
                                                "year": 2024, "status": "awarded"}, headers=admin)
        district.post("/v1/units/110109104203/statistics", json={
            "year": 2024, "values": {"collective_operating_income": "650000.00"}, "source": "年报"}, headers=admin)
        assert codes_on(district, admin, "2025-01-01", scheme="planning_class", class_name="特色保护类") == {
            "110109104201"}
        assert codes_on(district, admin, "2025-01-01", designation="shihua_village") == {"110109104202"}
        assert codes_on(district, admin, "2025-01-01", metric="collective_operating_income", metric_year=2024,
                        metric_min=500000) == {"110109104203"}

    @pytest.mark.parametrize("on", ["0", "1700000000", "2025-01-01T00:00"])
    def test_a_day_not_written_yyyy_mm_dd_is_422_naming_on(self, district, admin, on):
        for path in ("/v1/units", "/v1/units/110109104201"):
            response = district.get(path, params={"on": on}, headers=admin)
            assert response.status_code == 422 and response.json()["errors"][0]["field"] == "on", path

    @pytest.mark.parametrize("name", ["class_year", "designation_year", "metric_year"])
    def test_a_year_out_of_range_is_422_naming_it(self, district, admin, name):
        response = district.get("/v1/units", params={name: 2**40}, headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == name

    def test_metric_range_without_year_is_422(self, district, admin):
        response = district.get("/v1/units", params={"metric": "households"}, headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "metric_year"

    @pytest.mark.parametrize("sort", ["unit_code", "-unit_code", "name", "name_pinyin", "-name"])
    def test_keyset_pages_cover_everything_once_in_order(self, district, admin, sort):
        seen, cursor = [], None
        while True:
            params = {"limit": 2, "sort": sort, **({"cursor": cursor} if cursor else {})}
            body = district.get("/v1/units", params=params, headers=admin).json()
            assert body["total"] == 7
            seen += body["items"]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        key = sort.removeprefix("-")
        assert len({u["unit_code"] for u in seen}) == 7
        values = [u[key] or "" for u in seen]
        assert values == sorted(values, reverse=sort.startswith("-"))

    @pytest.mark.parametrize("sort", ["name", "-unit_code"])
    def test_one_towns_pages_follow_on_with_the_first_pages_total(self, district, admin, sort):
        seen, cursor, totals = [], None, set()
        while True:
            params = {"town": TOWN, "level": "village", "limit": 1, "sort": sort,
                      **({"cursor": cursor} if cursor else {})}
            body = district.get("/v1/units", params=params, headers=admin).json()
            seen += [u["unit_code"] for u in body["items"]]
            totals.add(body["total"])
            if (cursor := body["next_cursor"]) is None:
                break
        assert sorted(seen) == ["110109104201", "110109104202", "110109104203"] and totals == {3}

    def test_like_wildcards_in_q_and_code_match_only_themselves(self, district, admin):
        assert codes_on(district, admin, "2025-01-01", q="%") == set()
        assert codes_on(district, admin, "2025-01-01", q="_", town=TOWN) == set()
        assert codes_on(district, admin, "2025-01-01", code="1101091042_") == set()

    def test_the_hot_list_keeps_the_door_and_the_problems_of_every_route(self, district, admin, as_role):
        anonymous = district.get("/v1/units")
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "token_missing"
        assert anonymous.headers["content-type"] == "application/problem+json" and anonymous.headers["x-request-id"]
        response = district.get("/v1/units", params={"limit": 0}, headers=as_role("viewer"))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "limit"
        response = district.get("/v1/units", params={"q": "a\x00"}, headers=admin)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"
        answer = district.get("/v1/units", params={"limit": 1}, headers={**admin, "X-Request-ID": "list-probe-1"})
        assert answer.status_code == 200 and answer.headers["x-request-id"] == "list-probe-1"
        assert district.head("/v1/units", params={"limit": 1}, headers=admin).status_code == 200
        assert "/v1/units" in district.get("/openapi.json").json()["paths"]

    def test_bad_cursor_and_sort_are_422(self, district, admin):
        assert district.get("/v1/units", params={"cursor": "!!"}, headers=admin).json()["errors"][0]["field"] == "cursor"
        assert district.get("/v1/units", params={"sort": "x"}, headers=admin).json()["errors"][0]["field"] == "sort"
