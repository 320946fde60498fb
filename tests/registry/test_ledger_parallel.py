"""A large resident ledger is prepared by forked worker processes; the outcome is the serial one."""

import csv
import io
import multiprocessing
import threading

import pytest

from civicgrid.core import crypto
from civicgrid.core.scoping import SYSTEM
from civicgrid.demo.ledgers import people_ledger
from civicgrid.registry import actions, ledger
from civicgrid.registry.people import ID_CONTEXT, PHONE_CONTEXT

ADDRESSES = ["文三街6号枫丹新村1幢", "文三街6号枫丹新村2幢"]
OUTSIDE = "学院路9号求是村3幢"

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork()")


def _comparable(values: dict) -> dict:
    """The accepted row with its ciphertexts decrypted (each encryption has its own nonce)."""
    out = dict(values)
    out["id_enc"] = crypto.decrypt_optional(out["id_enc"], context=ID_CONTEXT)
    out["phone_enc"] = crypto.decrypt_optional(out.get("phone_enc", ""), context=PHONE_CONTEXT)
    return out


def test_forked_preparation_gives_the_serial_outcome(people, monkeypatch):
    for i, address in enumerate(ADDRESSES):
        actions.do_create_building(actor=SYSTEM, address=address, lon=120.005 + i * 0.004, lat=30.205)
    actions.do_create_building(actor=SYSTEM, address=OUTSIDE, lon=120.065, lat=30.205)
    sample = people_ledger(ADDRESSES, 12_000, bad_share=0.02, seed=11, outside=[OUTSIDE])
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(sample.header)
    writer.writerows(sample.rows)
    data = buf.getvalue().encode("utf-8-sig")
    actor = people["street"]

    monkeypatch.setattr(ledger, "PARALLEL_MIN_ROWS", 10**9)
    serial = ledger.check_ledger(data, "台账.csv", "people", actor)

    pools = []
    real_context = multiprocessing.get_context

    def spy(method=None):
        pools.append(method)
        return real_context(method)

    monkeypatch.setattr(ledger, "PARALLEL_MIN_ROWS", 1000)
    monkeypatch.setattr(ledger, "WORKERS", 2)
    # pytest-django runs tests without a database last, after the browser tests, whose live
    # server thread (idle) would otherwise make the import choose the serial path
    monkeypatch.setattr(ledger.threading, "active_count", lambda: 1)
    threads_before = set(threading.enumerate())
    monkeypatch.setattr(ledger.multiprocessing, "get_context", spy)
    forked = ledger.check_ledger(data, "台账.csv", "people", actor)

    assert pools == ["fork"]
    assert forked.total == serial.total == 12_000
    assert forked.rejected_json() == serial.rejected_json()
    assert {r["row"] for r in forked.rejected_json()} == set(sample.bad)
    assert len(forked.accepted) == len(serial.accepted) == sample.good_count
    for a, b in zip(forked.accepted, serial.accepted, strict=True):
        assert a["id_enc"] != b["id_enc"]  # encrypted again, with a fresh nonce
        assert _comparable(a) == _comparable(b)
    assert ledger._pending == [] and set(threading.enumerate()) == threads_before  # the pool is gone


def test_stopping_early_stops_the_workers(monkeypatch):
    rows = [(i + 2, {"name": "张伟", "id_type": "", "id_number": "", "building": "x"}) for i in range(30_000)]
    monkeypatch.setattr(ledger, "PARALLEL_MIN_ROWS", 1000)
    monkeypatch.setattr(ledger, "WORKERS", 2)
    # pytest-django runs tests without a database last, after the browser tests, whose live
    # server thread (idle) would otherwise make the import choose the serial path
    monkeypatch.setattr(ledger.threading, "active_count", lambda: 1)
    threads_before = set(threading.enumerate())
    prepared = ledger._prepared_people(rows)
    values, errors, tags = next(prepared)
    assert values["name_pinyin"] == "zhangwei" and "id_number" in errors and tags == []
    prepared.close()
    assert ledger._pending == [] and set(threading.enumerate()) == threads_before
