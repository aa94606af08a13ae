# Production image: gunicorn (web), Celery worker and beat all run from it; see docker-compose.yml.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders PDFs through pango/harfbuzz; Chinese text needs a CJK font.
# Unpinned on purpose: bookworm's point releases bring security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Only the app's own: honcho
# (requirements-embedded.txt) and the test tools are for a checkout, not for the image.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are baked into the image and served by whitenoise. The key only lets settings load.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret ZOUFANG_DATA_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLWtleS0zMmI= ZOUFANG_HMAC_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && groupadd --gid 10001 zoufang \
    && useradd --create-home --uid 10001 --gid 10001 zoufang \
    && mkdir -p /app/data/media \
    && chown -R zoufang:zoufang /app/data

# data/ holds the media volume (uploads, generated PDFs and spreadsheets) and the file cache;
# the rest of /app stays owned by root, read-only to the app.
USER 10001:10001
EXPOSE 8000

# WEB_CONCURRENCY sets gunicorn's worker count. Inside a container gunicorn listens on every
# interface (HOST, read by config/gunicorn.py): only that is reachable through a published port.
ENV WEB_CONCURRENCY=3 \
    HOST=0.0.0.0
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application", "--access-logfile", "-"]
