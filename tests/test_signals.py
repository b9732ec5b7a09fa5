"""The concealment signals, each on a hand-built case with its evidence worked out by hand."""

import datetime as dt

import pytest

from equitygraph.graph.model import Entity, EntityKind, EventType, Holding, Link, LinkKind, RiskEvent, Share
from equitygraph.graph.model import contact_id
from equitygraph.graph.stores.sqlite import SQLiteStore
from equitygraph.queries.control.report import control_report


@pytest.fixture(scope="module")
def pyramid():
    """P -60 %-> H (offshore holding vehicle) -55 %-> M (investment shell, nothing paid in) -55 %-> Y.

    Cash flow of P in Y: 0.6 x 0.55 x 0.55 = 18.15 %; control rights (weakest link) 55 %: a wedge of
    36.85 points. S, a direct holder of Y, also holds stakes in ten other companies. T gave up 10 % of
    Y on 2024-01-10, 51 days before a complaint; P shares a phone with Z, who is on no register here.
    """
    store = SQLiteStore(":memory:")
    phone = "13800000000"
    with store.writer() as w:
        w.add_many([
            Entity("P", EntityKind.PERSON, "潘先生"), Entity("Q", EntityKind.PERSON, "秦女士"),
            Entity("R", EntityKind.PERSON, "任先生"), Entity("S", EntityKind.PERSON, "孙代持"),
            Entity("T", EntityKind.PERSON, "唐先生"), Entity("Z", EntityKind.PERSON, "赵幕后"),
            Entity("H", EntityKind.COMPANY, "Ocean Capital Holdings Ltd", jurisdiction="VG"),
            Entity("M", EntityKind.COMPANY, "明远投资有限公司", paid_in_capital=0.0, registered_capital=1e8),
            Entity("Y", EntityKind.COMPANY, "远景贸易有限公司"),
            Entity(contact_id(phone), EntityKind.CONTACT, phone),
            Holding("P", "H", Share.exact(0.6)), Holding("Q", "H", Share.exact(0.4)),
            Holding("H", "M", Share.exact(0.55)), Holding("R", "M", Share.exact(0.45)),
            Holding("M", "Y", Share.exact(0.55)), Holding("S", "Y", Share.exact(0.45)),
            Holding("T", "Y", Share.exact(0.1), since=dt.date(2020, 1, 1), until=dt.date(2024, 1, 10)),
            RiskEvent("Y", EventType.COMPLAINT, dt.date(2024, 3, 1), 3, "投诉"),
            Link("P", contact_id(phone), LinkKind.HAS_CONTACT), Link("Z", contact_id(phone), LinkKind.HAS_CONTACT),
        ])
        for i in range(10):
            w.add(Entity(f"X{i}", EntityKind.COMPANY, f"无关公司{i}"))
            w.add(Holding("S", f"X{i}", Share.exact(0.01)))
    yield control_report(store, "Y")
    store.close()


def signals(report, kind):
    return [s for s in report.signals if s.kind == kind]


def test_the_pyramid_is_controlled_from_three_levels_up(pyramid):
    assert pyramid.actual_controllers == ("P",)
    assert [(h.controlled, h.controller) for h in pyramid.hops] == [("Y", "M"), ("M", "H"), ("H", "P")]
    [signal] = signals(pyramid, "pyramid")
    assert signal.evidence == ("control passes through 2 intermediate companies: "
                               "远景贸易有限公司 <- 明远投资有限公司 <- Ocean Capital Holdings Ltd <- 潘先生")
    assert signal.entities == ("Y", "M", "H")


def test_control_far_from_cash_flow_is_a_wedge(pyramid):
    assert pyramid.cash_flow == pytest.approx((0.1815, 0.1815))
    assert pyramid.control_rights == pytest.approx((0.55, 0.55))
    [signal] = signals(pyramid, "wedge")
    assert signal.evidence == ("the controller's control rights (55.0 %) exceed its cash-flow rights (18.2 %) "
                               "by 36.9 points")


def test_shell_like_layers_on_the_control_path(pyramid):
    [signal] = signals(pyramid, "shell_layers")
    assert signal.evidence == ("2 shell-like layers on the control path: 明远投资有限公司 (no paid-in capital; a pure "
                               "holding or investment vehicle), Ocean Capital Holdings Ltd (registered in VG; a pure "
                               "holding or investment vehicle)")


def test_a_holder_of_many_unrelated_stakes_looks_like_a_nominee(pyramid):
    [signal] = signals(pyramid, "nominee_holder")
    assert signal.evidence == "孙代持 (S) holds stakes in 11 companies, as professional nominees do"


def test_a_stake_given_up_shortly_before_a_complaint(pyramid):
    [signal] = signals(pyramid, "change_before_event")
    assert signal.evidence == ("唐先生 (T) gave up a 10 % stake in 远景贸易有限公司 on 2024-01-10, 51 days before a "
                               "complaint (2024-03-01)")


def test_the_controller_shares_a_phone_with_someone_off_the_record(pyramid):
    [signal] = signals(pyramid, "shared_contact")
    assert signal.evidence == "潘先生 (P) shares a phone or e-mail with 赵幕后 (Z), who is not on record here"
    assert signal.entities == ("P", "Z")


def test_a_layer_at_a_crowded_address_counts_every_party_its_addresses_host(any_store):
    """P -60 %-> N -55 %-> M -55 %-> Y. M (nothing paid in) has two addresses: one it shares with 22
    companies, one with one more: 24 parties in all with M, more than 20, so M is a shell-like layer.
    N (nothing paid in either) shares one address with 19 others: 20 parties, not more than 20, so N
    shows one feature only and is not one."""
    from equitygraph.queries.company import company_report

    busy, quiet, other = "addr:busy", "addr:quiet", "addr:other"
    with any_store.writer() as w:
        w.add_many([Entity("P", EntityKind.PERSON, "潘先生"), Entity("R", EntityKind.PERSON, "任先生"),
                    Entity("N", EntityKind.COMPANY, "北方贸易有限公司", paid_in_capital=0.0),
                    Entity("M", EntityKind.COMPANY, "明达贸易有限公司", paid_in_capital=0.0),
                    Entity("Y", EntityKind.COMPANY, "远景贸易有限公司"),
                    *(Entity(a, EntityKind.ADDRESS, a) for a in (busy, quiet, other)),
                    Holding("P", "N", Share.exact(0.6)), Holding("R", "N", Share.exact(0.4)),
                    Holding("N", "M", Share.exact(0.55)), Holding("R", "M", Share.exact(0.45)),
                    Holding("M", "Y", Share.exact(0.55)), Holding("R", "Y", Share.exact(0.45)),
                    Link("M", busy, LinkKind.LOCATED_AT), Link("M", quiet, LinkKind.LOCATED_AT),
                    Link("N", other, LinkKind.LOCATED_AT)])
        for i in range(22):
            w.add_many([Entity(f"B{i}", EntityKind.COMPANY, f"邻居{i}"), Link(f"B{i}", busy, LinkKind.LOCATED_AT)])
        w.add_many([Entity("B99", EntityKind.COMPANY, "隔壁"), Link("B99", quiet, LinkKind.LOCATED_AT)])
        for i in range(19):
            w.add_many([Entity(f"O{i}", EntityKind.COMPANY, f"他处{i}"), Link(f"O{i}", other, LinkKind.LOCATED_AT)])
    for report in (control_report(any_store, "Y"), company_report(any_store, "Y").control):
        assert report.actual_controllers == ("P",)
        [signal] = signals(report, "shell_layers")
        assert signal.evidence == ("1 shell-like layer on the control path: 明达贸易有限公司 (no paid-in capital; "
                                   "its address hosts 24 parties)")
