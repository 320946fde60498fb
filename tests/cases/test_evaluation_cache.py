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


def test_a_repeated_evaluation_is_answered_whole_until_anything_it_reads_changes(four_due, org):  # noqa: F811
    """The page's cache (``evaluation.cache``): the same period, jurisdiction and language give the
    stored evaluation without reading the history again; a new step, a new case, a changed weight
    or a renamed unit each give a fresh one."""
    from civicgrid.cases.evaluation import posts
    from civicgrid.cases.models import ScoreRule

    a, b, c, d = four_due
    with mock.patch.object(posts, "base", wraps=posts.base) as read:
        first = evaluation.evaluate(NOV)
        assert evaluation.evaluate(NOV).as_dict() == first.as_dict() and read.call_count == 1
        assert (first.totals.due, first.totals.closed) == (4, 3)
        # Another jurisdiction is its own entry.
        evaluation.evaluate(NOV, ("330106001",))
        assert read.call_count == 2
        # A weight changed by hand (the page and API change it through an action): new scores.
        rule = ScoreRule.objects.filter(post=ScoreRule.Post.UNIT).order_by("id").first()
        rule.weight, other = rule.weight + 10, ScoreRule.objects.filter(post=ScoreRule.Post.UNIT).order_by("id").last()
        other.weight -= 10
        rule.save(), other.save()
        evaluation.evaluate(NOV)
        assert read.call_count == 3
        # A renamed unit shows under its new name.
        unit = org["units"]["community"]
        unit.name = "新名称"
        unit.save()
        assert "新名称" in [r.name for r in evaluation.evaluate(NOV).units] and read.call_count == 4
        # A new step on a case of the month: counted at once.
        with simulated_clock(at(4, "10:00")) as clock:
            clock.set(at(4, "10:00"))
            d = actions.do_feedback_case(d, actor=org["people"]["community"], result="已清理")
            clock.set(at(4, "10:30"))
            actions.do_verify_case(d, actor=org["people"]["supervisor"], passed=True)
        after = evaluation.evaluate(NOV)
        assert (after.totals.due, after.totals.closed) == (4, 4) and read.call_count == 5
        assert evaluation.evaluate(NOV).as_dict() == after.as_dict() and read.call_count == 5


def test_figures_a_few_minutes_old_are_given_saying_so_and_the_job_brings_them_up_to_date(
        four_due, org, client_for, settings):  # noqa: F811
    """With CIVICGRID_EVALUATION_FRESH_SECONDS (300 s outside tests) a step on a case does not make
    the next viewer wait for the computation: the stored figures come back marked as not current,
    the page says so with their time and a link to recompute, and the two-minute job recomputes the
    pages viewed in the last hour."""
    from civicgrid.cases import jobs
    from civicgrid.cases.evaluation import posts

    settings.CIVICGRID_EVALUATION_FRESH_SECONDS = 300
    a, b, c, d = four_due
    client = client_for(org["people"]["district"])
    url = "/cases/evaluation/?period=month&month=2026-11"
    with mock.patch.object(posts, "base", wraps=posts.base) as read:
        page = client.get(url)
        assert page.status_code == 200 and 'id="computed"' in page.content.decode()
        assert 'id="recompute"' not in page.content.decode() and read.call_count == 1
        first = evaluation.evaluate(NOV, ("330106",))  # the district administrator's jurisdiction
        assert first.current and read.call_count == 1
        with simulated_clock(at(4, "10:00")) as clock:
            d = actions.do_feedback_case(d, actor=org["people"]["community"], result="已清理")
            clock.set(at(4, "10:30"))
            actions.do_verify_case(d, actor=org["people"]["supervisor"], passed=True)
        stale = evaluation.evaluate(NOV, ("330106",))
        assert not stale.current and stale.totals.closed == 3 and read.call_count == 1
        page = client.get(url).content.decode()
        assert 'id="recompute"' in page and "refresh=1" in page and read.call_count == 1
        # The job recomputes the page viewed (once per jurisdiction and language viewed).
        assert jobs.refresh_evaluations.call_local() >= 1
        calls = read.call_count
        fresh = evaluation.evaluate(NOV, ("330106",))
        assert fresh.current and fresh.totals.closed == 4 and read.call_count == calls
        # Asking to recompute computes at once.
        assert client.get(url + "&refresh=1").status_code == 200 and read.call_count == calls + 1
