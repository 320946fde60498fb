"""Evaluation pages (综合评价): units, areas and posts over a period; the public scoreboard."""

urlpatterns: list = []
