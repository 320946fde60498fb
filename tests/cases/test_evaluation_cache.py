"""The evaluation's per-period cache (issue 15): repeated views of a month reuse its replay, and
any new step on a case of that month shows at once (the history is append-only, so the cases and
the number and newest id of their events name the cached answer)."""

from __future__ import annotations

from unittest import mock

from civicgrid.cases import actions, evaluation
from civicgrid.cases.evaluation import figures
from civicgrid.demo.cases import simulated_clock

from .test_evaluation import NOV, at, community_loop, four_due, patrol  # noqa: F401  (fixture)


def test_a_second_view_reuses_the_replay_and_a_new_step_is_counted_at_once(four_due, org):  # noqa: F811
    a, b, c, d = four_due
    with mock.patch.object(figures, "_replay", wraps=figures._replay) as replay:
        first = evaluation.totals(NOV)
        again = evaluation.totals(NOV)
        assert replay.call_count == 1
        assert (first.due, first.closed) == (again.due, again.closed) == (4, 3)
        # d, still being handled, is closed now (in November): the figures move without waiting.
        with simulated_clock(at(4, "10:00")) as clock:
            clock.set(at(4, "10:00"))
            d = actions.do_feedback_case(d, actor=org["people"]["community"], result="已清理")
            clock.set(at(4, "10:30"))
            actions.do_verify_case(d, actor=org["people"]["supervisor"], passed=True)
        after = evaluation.totals(NOV)
        assert replay.call_count == 2
        assert (after.due, after.closed) == (4, 4)
        # The street holding the same cases gets the same answer without a replay; another street
        # has no cases due and needs none.
        assert evaluation.totals(NOV, ("330106001",)).due == 4 and replay.call_count == 2
        assert evaluation.totals(NOV, ("330106002",)).due == 0 and replay.call_count == 2


def test_the_page_reads_the_figures_once_per_request(four_due, org, client_for):  # noqa: F811
    client = client_for(org["people"]["district"])
    with mock.patch.object(figures, "_touching", wraps=figures._touching) as touching:
        response = client.get("/cases/evaluation/?period=month&month=2026-11")
        assert response.status_code == 200
        assert touching.call_count <= 2  # the case tables once; the shift leaders' outside cases once
