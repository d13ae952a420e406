"""The web dashboard: server-rendered pages under ``/app`` (FastAPI + Jinja2, a little JS).

``install_dashboard(app)`` mounts the pages and the static files on the hub's app.
"""

from ipaas.web.mount import install_dashboard

__all__ = ["install_dashboard"]
