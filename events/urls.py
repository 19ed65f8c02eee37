from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("incidents/", views.IncidentListView.as_view(), name="incident-list"),
    path("incidents/<slug:slug>/", views.IncidentDetailView.as_view(), name="incident-detail"),
    path("people/", views.PersonListView.as_view(), name="person-list"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization-detail"),
    path("reactions/", views.ReactionListView.as_view(), name="reaction-list"),
    path("reactions/<slug:slug>/", views.ReactionDetailView.as_view(), name="reaction-detail"),
    path("places/", views.PlaceListView.as_view(), name="place-list"),
    path("places/<slug:slug>/", views.PlaceDetailView.as_view(), name="place-detail"),
]
