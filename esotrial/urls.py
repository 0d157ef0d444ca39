from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import language
from accounts import views as accounts_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("protocol/", views.protocol_parameters, name="protocol"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", accounts_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/language/", language.set_language, name="set_language"),
    path("accounts/keep-alive/", accounts_views.keep_alive, name="keep_alive"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("patients/", include("crf.urls")),
    path("randomization/", include("randomization.urls")),
    path("safety/", include("safety.urls")),
    path("visits/", include("visits.urls")),
    path("admin/", admin.site.urls),
]
