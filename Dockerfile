# The image used by docker-compose.yml for web, worker, beat and the sandbox.
FROM python:3.11-slim
# /app on the path: the celery and gunicorn entry points import the project from the source tree (with its
# templates, static files and compiled translations), not from a copy in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . \
    && DEBUG=1 python manage.py compilemessages --ignore=var -v 0
RUN useradd --create-home app && mkdir -p /data && chown app /data
USER app
EXPOSE 8000
CMD ["gunicorn", "tiktok_admin.wsgi:application", "--bind", "0.0.0.0:8000"]
