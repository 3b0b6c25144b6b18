# The image behind web, worker and beat in docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    METACHAT_VAR_DIR=/app/var STATIC_ROOT=/app/static BIND=0.0.0.0 PORT=8000

WORKDIR /app
RUN useradd --create-home --uid 1000 metachat
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R metachat /app/var

USER metachat
EXPOSE 8000
CMD ["sh", "-c", "gunicorn metachat.wsgi -c python:metachat.gunicorn_conf --bind ${BIND}:${PORT} --workers ${WEB_CONCURRENCY:-3} --threads 4 --access-logfile -"]
