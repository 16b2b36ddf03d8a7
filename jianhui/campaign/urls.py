from django.urls import path

from .views import analysis, board, fieldwork, founding, pages, people, trainings

app_name = "campaign"

urlpatterns = [
    path("", pages.campaign_list, name="list"),
    # The enterprise page's panel (jianhui/templates/enterprises/detail.html loads it).
    path("enterprise/<str:credit_code>/", fieldwork.enterprise_panel, name="enterprise_panel"),
    path("<slug:key>/", pages.campaign_detail, name="detail"),
    path("<slug:key>/copy/", pages.campaign_copy, name="copy"),
    path("<slug:key>/analysis/", analysis.analysis, name="analysis"),
    path("<slug:key>/areas/<str:code>/", board.board, name="board"),
    path("<slug:key>/areas/<str:code>/people/", people.area_people, name="people"),
    path("<slug:key>/areas/<str:code>/unions/", founding.area_unions, name="new_unions"),
    path("<slug:key>/unions/<str:org>/steps/", founding.record_step, name="record_step"),
    path("<slug:key>/unions/<str:org>/steps/<str:step>/evidence/", founding.evidence,
         name="step_evidence"),
    path("<slug:key>/cases/<str:credit_code>/", fieldwork.case_detail, name="case"),
    path("<slug:key>/cases/<str:credit_code>/move/", board.move, name="move"),
    path("<slug:key>/cases/<str:credit_code>/survey/", fieldwork.survey_form, name="survey"),
    path("<slug:key>/cases/<str:credit_code>/outreach/", fieldwork.outreach_form,
         name="outreach"),
    path("<slug:key>/tasks/", fieldwork.tasks, name="tasks"),
    path("<slug:key>/tasks/<int:pk>/done/", fieldwork.task_done, name="task_done"),
    path("<slug:key>/outreach/", fieldwork.outreach_list, name="outreach_list"),
    path("<slug:key>/surveys/", fieldwork.survey_list, name="survey_list"),
    path("<slug:key>/trainings/", trainings.training_list, name="trainings"),
    path("<slug:key>/trainings/new/", trainings.training_new, name="training_new"),
    path("<slug:key>/trainings/<int:pk>/", trainings.training_detail, name="training"),
]
