# syntax=docker/dockerfile:1
# Kring's production image. Build: `docker build -t kring .`; run: see deploy/compose.yml.
#
# The app finds its templates, static files and translations at server/../web, so the sources
# stay together in /app (on PYTHONPATH) instead of being installed into site-packages; the
# venv in /opt/venv holds only the locked runtime dependencies.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

RUN python -m venv /opt/venv

# Dependencies first, so a source change does not reinstall them.
WORKDIR /app
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.lock

COPY pyproject.toml alembic.ini babel.cfg ./
COPY config/ config/
COPY models/ models/
COPY services/ services/
COPY realtime/ realtime/
COPY server/ server/
COPY web/ web/

# The .mo catalogs are build output (.dockerignore keeps local ones out); byte-compile the
# sources here because the runtime user cannot write __pycache__ under /app.
RUN /opt/venv/bin/pybabel compile -d web/translations \
    && test -f web/translations/nl/LC_MESSAGES/messages.mo \
    && /opt/venv/bin/python -m compileall -q config models services realtime server

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KRING_VAR_DIR=/app/var \
    KRING_MEDIA_DIR=/app/var/media

# pg_dump and pg_restore for `python -m server backup`/`restore` on PostgreSQL. pg_dump refuses a
# server newer than itself: the base image's Debian must ship at least the server's major version.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 10001 kring \
    && useradd --uid 10001 --gid kring --no-create-home --home-dir /app --shell /usr/sbin/nologin kring

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY --from=builder /app /app

# Only var/ is writable: SQLite (when used), the development secret and uploaded media.
# media/ exists in the image so a fresh named volume mounted there inherits kring's ownership.
RUN mkdir -p /app/var/media && chown -R kring:kring /app/var

USER kring

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["python", "-m", "server"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
