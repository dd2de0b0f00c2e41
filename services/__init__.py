"""Kring's domain operations: the one place that changes state.

HTTP routes, WebSocket handlers and command-line tools all call these functions. Services
never import Starlette, Redis or Jinja2; they raise the errors in `services.errors`, which the
server maps to statuses once. They change state inside a unit of work and never commit
themselves (`services.transactions`).
"""
