# The images used by docker-compose.yml. Dependencies come from the lock files (every package pinned with
# its hashes, `make lock`), then the project itself with --no-deps.
# - `production`, the last stage and so the default target (`docker build .`): runtime dependencies only
#   (requirements/runtime.txt). web, worker, beat and migrate run it.
# - `sandbox`: the same image plus the `sandbox` extra (requirements/sandbox.txt: Werkzeug, Jinja2), for
#   the TikTok emulator under compose's `dev` profile only.
FROM python:3.11-slim AS app
# /app on the path: the celery and gunicorn entry points import the project from the source tree (with its
# templates, static files and compiled translations), not from a copy in site-packages. sandbox/ is not
# a package of the distribution either: `python -m sandbox` imports it from /app.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends gettext && rm -rf /var/lib/apt/lists/*
# The lock files before the code, so a code change does not re-install the dependencies.
COPY requirements/ requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY . .
RUN pip install --no-cache-dir --no-deps -e . \
    && DEBUG=1 python manage.py compilemessages --ignore=var -v 0
RUN useradd --create-home app && mkdir -p /data && chown app /data
USER app
EXPOSE 8000
CMD ["gunicorn", "tiktok_admin.wsgi:application", "--bind", "0.0.0.0:8000"]

FROM app AS sandbox
USER root
# sandbox.txt repeats runtime.txt's pins (same versions), so this only adds the sandbox extra.
RUN pip install --no-cache-dir --require-hashes -r requirements/sandbox.txt
USER app
EXPOSE 8765
CMD ["python", "-m", "sandbox", "serve", "--host", "0.0.0.0", "--port", "8765", "--data", "/data/var/sandbox.sqlite3"]

# Last, so it is the default target: nothing beyond the runtime dependencies.
FROM app AS production
