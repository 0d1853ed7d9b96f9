"""API: an agenda item's label in a language lives in one place, the item (its rename).

Renamed in Russian through the API, the label reads the same through the agenda in Russian,
the observers' page in Russian and the Markdown exports in Russian; the process texts refuse
item labels and name the rename route instead.
"""

from __future__ import annotations

from typing import Any

V1 = "/api/v1"
LABEL_RU = "Гуманитарный доступ"


def test_an_item_renamed_in_russian_reads_the_same_everywhere(api: Any) -> None:
    """Uses the embedding model: clusters two statements into agenda items."""
    created = api.client.post(
        f"{V1}/processes",
        json={"name": "Syria", "formats": ["Astana group", "Small Group"], "min_votes": 1},
        headers=api.auth(api.key),
    )
    assert created.status_code == 201, created.text
    process = created.json()
    pid, key = process["id"], process["observer_key"]
    a = int(process["formats"][0]["conversation_id"])
    api.seed(a, "Humanitarian aid must reach every region without obstruction.")
    api.seed(a, "All sanctions on the civilian economy should be lifted.")
    base = f"{V1}/processes/{pid}"
    assert api.client.post(f"{base}/items/refresh", headers=api.auth(api.key)).status_code == 200
    api.catch_up()
    agenda = api.client.get(f"{base}/agenda", headers=api.auth(api.key)).json()
    item = agenda["items"][0]
    assert item["item"] > 0
    english = item["label"]

    renamed = api.client.put(
        f"{base}/items/{item['item']}",
        json={"label": LABEL_RU, "language": "ru"},
        headers=api.auth(api.key),
    )
    assert renamed.status_code == 204, renamed.text
    refused = api.client.put(  # the other way it could be stored is gone
        f"{base}/texts",
        json={"kind": "item", "ref_id": item["item"], "language": "ru", "text": "Другое"},
        headers=api.auth(api.key),
    )
    assert refused.status_code == 422
    assert "PUT /api/v1/processes/{process_id}/items/{item_id}" in refused.text
    assert api.client.get(f"{base}/texts", headers=api.auth(api.key)).json() == []

    for recomputed in (False, True):  # read at once, and after the worker's recomputation
        if recomputed:
            api.catch_up()
        ru = api.client.get(f"{base}/agenda?lang=ru", headers=api.auth(api.key)).json()
        (shown,) = [i for i in ru["items"] if i["item"] == item["item"]]
        assert (shown["label"], shown["original_label"]) == (LABEL_RU, english)
        assert shown["labels"]["ru"] == LABEL_RU
        observed = api.client.get(f"/o/{key}?lang=ru")
        assert observed.status_code == 200 and LABEL_RU in observed.text
        for md in (
            api.client.get(f"{base}/agenda.md?lang=ru", headers=api.auth(api.key)),
            api.client.get(f"/o/{key}/agenda.md?lang=ru"),
        ):
            assert md.status_code == 200 and LABEL_RU in md.text
    en = api.client.get(f"{base}/agenda?lang=en", headers=api.auth(api.key)).json()
    (shown,) = [i for i in en["items"] if i["item"] == item["item"]]
    assert shown["label"] == english and LABEL_RU not in api.client.get(f"/o/{key}?lang=en").text
