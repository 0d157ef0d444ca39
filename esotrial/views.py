from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from . import protocol
from .celery import app as celery_app


def home(request):
    return redirect("crf:patient_list")


@login_not_required
@never_cache
def health(request):
    """Liveness for a load balancer: the database answers and the Celery broker accepts a connection."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy", reported by name
        status["database"] = f"error: {type(exc).__name__}"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        status["broker"] = "ok"
    except Exception as exc:  # noqa: BLE001
        status["broker"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def protocol_parameters(request):
    """Every protocol parameter with its value and whether it is published or a default."""
    rows = [
        {"name": protocol.LABELS.get(name) or name.replace("_", " ").capitalize(), "parameter": parameter}
        for name, parameter in protocol.PARAMETERS.items()
    ]
    return render(request, "protocol.html", {"rows": rows, "protocol": protocol})
