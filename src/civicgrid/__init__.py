"""CivicGrid 社区网格综合服务平台."""

__version__ = "0.1.0"
