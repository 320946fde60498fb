from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "civicgrid.counter"
    label = "counter"
    verbose_name = "一门式政务服务"
