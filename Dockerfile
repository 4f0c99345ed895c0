# syntax=docker/dockerfile:1
# One image for every process (docs/deploy.md): the default command serves the web app (the Procfile's
# `web`); run the worker with `python manage.py qcluster` and the release step with
# `python manage.py migrate --noinput`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=8000

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY . .
RUN pip install .

# Static files are collected (hashed and compressed for whitenoise) into /app/staticfiles at build time.
# Settings refuse to load without secrets when DEBUG is off, so this step gets throwaway values that
# exist only for this command and never reach the image's environment.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-only-not-a-secret-0000000000000000000000000000 \
    FIELD_ENCRYPTION_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    SHOPIFY_API_KEY=collectstatic-only \
    SHOPIFY_API_SECRET=collectstatic-only \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --noinput

USER app
EXPOSE 8000

# /healthz answers 200 when the database is reachable and the scheduler keeps up. The Host header is
# APP_URL's host, which the app always allows. Worker containers have no web server: disable it there.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.parse, urllib.request; host = urllib.parse.urlsplit(os.environ.get('APP_URL', '')).hostname or 'localhost'; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'Host': host}), timeout=8)"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "integration_app.wsgi"]
