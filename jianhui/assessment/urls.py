from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("new/", views.new, name="new"),
    path("<str:key>/", views.ranking, name="ranking"),
    path("<str:key>/step/<str:op>/", views.step, name="step"),
    path("<str:key>/edit/", views.edit, name="edit"),
    path("<str:key>/notice.docx", views.notice, name="notice"),
    path("<str:key>/objections/<int:pk>/answer/", views.answer, name="answer"),
    path("<str:key>/<str:kind>/<str:code>/", views.breakdown, name="breakdown"),
    path("<str:key>/<str:kind>/<str:code>/objection/", views.object_to, name="object"),
    path("<str:key>/<str:kind>/<str:code>/tilt/", views.tilt, name="tilt"),
    path("<str:key>/<str:kind>/<str:code>/accountability/", views.accountability,
         name="accountability"),
    path("<str:key>/<str:kind>/<str:code>/score/<str:indicator>/", views.score, name="score"),
    path("<str:key>/<str:kind>/<str:code>/evidence/<int:pk>/", views.evidence, name="evidence"),
]
