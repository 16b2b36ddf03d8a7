from django.urls import path

from . import enterprises, members, reveal, unions

enterprise_urls = [
    path("", enterprises.enterprise_list, name="enterprise_list"),
    path("<str:credit_code>/", enterprises.enterprise_detail, name="enterprise_detail"),
    path("<str:credit_code>/edit/", enterprises.enterprise_edit, name="enterprise_edit"),
]

union_urls = [
    path("", unions.organisation_list, name="organisation_list"),
    path("<str:key>/", unions.organisation_detail, name="organisation_detail"),
    path("<str:key>/edit/", unions.organisation_edit, name="organisation_edit"),
]

member_urls = [
    path("<slug:key>/edit/", members.member_edit, name="member_edit"),
    path("", members.member_list, name="member_list"),
    # One member's full ID number and phone, with a reason (audited); members are named by
    # their random public key.
    path("<slug:key>/reveal/", reveal.member_reveal, name="member_reveal"),
]
