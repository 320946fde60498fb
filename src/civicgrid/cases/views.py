"""Staff pages of the case loop (report, intake, queues, the case page, the map)."""

urlpatterns: list = []
