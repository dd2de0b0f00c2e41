"""Realtime delivery: the WebSocket endpoint, the per-process hub and the brokers.

The wire protocol is documented in docs/protocol.md. `broker` moves bytes between processes and
knows nothing of Kring; `hub` turns them into ordered, gap-free, authorised deliveries.
"""
