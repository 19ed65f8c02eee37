from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Kerman incident archive — editors"
admin.site.site_title = "Incident archive admin"
admin.site.index_title = "Records"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("events.urls")),
]
