"""Prometheus metrics of one process (each worker answers /metrics for itself)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.connections = Gauge("kring_ws_connections", "Open WebSocket connections", registry=self.registry)
        self.subscriptions = Gauge(
            "kring_ws_subscriptions", "Topic subscriptions by topic kind", ["kind"], registry=self.registry
        )
        self.published = Counter("kring_events_published", "Events handed to the broker", registry=self.registry)
        self.publish_failures = Counter(
            "kring_events_publish_failures", "Broker publishes that failed and were retried", registry=self.registry
        )
        self.delivered = Counter("kring_frames_delivered", "Event frames queued to sockets", registry=self.registry)
        self.replayed = Counter(
            "kring_events_replayed", "Events read from the log to replay to resuming sockets", registry=self.registry
        )
        self.gap_fills = Counter("kring_gap_fills", "Gaps in a topic filled from the event log", registry=self.registry)
        self.slow_closed = Counter(
            "kring_slow_clients_closed", "Sockets closed because their send queue overflowed", registry=self.registry
        )
        self.tasks = Gauge("kring_asyncio_tasks", "Asyncio tasks alive in the process", registry=self.registry)
        self.topics = Gauge("kring_hub_topics", "Topics the hub is subscribed to", registry=self.registry)
        self.broker_reconnects = Gauge(
            "kring_broker_reconnects", "Times the broker subscription was re-established", registry=self.registry
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
