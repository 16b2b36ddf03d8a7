from django.urls import path

from .pages import bell, bulletins, escalations, inspections, meetings, reports

app_name = "supervision"

urlpatterns = [
    path("", reports.current, name="current"),
    path("bell/", bell.bell, name="bell"),
    path("<str:key>/", reports.overview, name="overview"),
    path("<str:key>/reports/<str:code>/<str:day>/", reports.daily_report, name="report"),
    path("<str:key>/bulletins/", bulletins.bulletin_list, name="bulletins"),
    path("<str:key>/bulletins/<int:no>/", bulletins.bulletin_page, name="bulletin"),
    path("<str:key>/bulletins/<int:no>/docx/", bulletins.bulletin_docx, name="bulletin_docx"),
    path("<str:key>/inspections/", inspections.inspection_list, name="inspections"),
    path("<str:key>/inspections/<str:code>/<str:day>/", inspections.inspection_detail,
         name="inspection"),
    path("<str:key>/inspections/<str:code>/<str:day>/photos/<int:photo>/",
         inspections.inspection_photo, name="inspection_photo"),
    path("<str:key>/meetings/", meetings.meeting_list, name="meetings"),
    path("<str:key>/meetings/material/", meetings.meeting_material, name="meeting_material"),
    path("<str:key>/meetings/<str:day>/", meetings.meeting_detail, name="meeting"),
    path("<str:key>/escalations/", escalations.escalation_list, name="escalations"),
    path("<str:key>/escalations/<int:pk>/", escalations.escalation_detail, name="escalation"),
    path("<str:key>/escalations/<int:pk>/notice/<int:step>/", escalations.notice_docx,
         name="notice_docx"),
]
