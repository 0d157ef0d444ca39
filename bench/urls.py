from django.http import HttpResponse
from django.urls import path

from esotrial.urls import urlpatterns as ecrf


def bare(request):
    """The floor: a signed-in request through every middleware, no query of its own, no template."""
    return HttpResponse("ok")


urlpatterns = [path("bench/bare/", bare), *ecrf]
