"""The WSGI entry point for gunicorn: ``gunicorn skill.wsgi:app`` (``backcoach serve``)."""

from .app import create_app

app = create_app()
