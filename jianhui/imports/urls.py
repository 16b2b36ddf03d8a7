from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>/", views.template, name="template"),
    path("jobs/<uuid:job_id>/", views.job_page, name="job"),
    path("jobs/<uuid:job_id>/progress/", views.progress, name="progress"),
    path("jobs/<uuid:job_id>/confirm/", views.confirm, name="confirm"),
    path("jobs/<uuid:job_id>/workbook/", views.workbook, name="workbook"),
]
