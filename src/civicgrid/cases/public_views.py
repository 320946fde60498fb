"""Resident-facing case pages without an account: report with a map pin, follow with the query code."""

urlpatterns: list = []
