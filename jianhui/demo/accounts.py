"""The demo's accounts: admin (county), one officer per area, and one of each other role, so
that every role can be tried out."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from jianhui.accounts.models import Assignment, Role
from jianhui.regions.models import Jurisdiction

DEMO_USERS = [
    # username, display name, jurisdiction name, role
    ("admin", "县总工会管理员", "中江县", Role.COUNTY_ADMIN),
    ("gaoxin", "高新区工会干部", "高新区", Role.AREA_OFFICER),
    ("kaizhou", "凯州新城工会干部", "凯州新城", Role.AREA_OFFICER),
    ("jiqing", "辑庆镇工会干部", "辑庆镇", Role.AREA_OFFICER),
    ("xinglong", "兴隆镇工会干部", "兴隆镇", Role.AREA_OFFICER),
    ("leader", "县总工会领导", "中江县", Role.COUNTY_LEADER),
    ("zhuanban", "高新区工作专班成员", "高新区", Role.TASK_FORCE),
    ("chair", "企业工会主席", "高新区", Role.UNION_CHAIR),  # of the area's first own union
    ("shenji", "审计员", "中江县", Role.AUDITOR),
]


def demo_password() -> str:
    """JIANHUI_DEMO_PASSWORD if set, else one generated once and kept in the data dir."""
    given = os.environ.get("JIANHUI_DEMO_PASSWORD", "").strip()
    if given:
        return given
    path = Path(settings.DATA_DIR) / "demo_password"
    if not path.exists():
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("Jh-" + secrets.token_urlsafe(9))
    return path.read_text().strip()


@transaction.atomic
def ensure_demo_accounts(password: str) -> list[tuple[str, str, str]]:
    """Create the accounts that are missing; set the password only where it differs."""
    User = get_user_model()
    out = []
    encoded = ""
    for username, display, area_name, role in DEMO_USERS:
        area = Jurisdiction.objects.filter(name=area_name).order_by("depth").first()
        if area is None:
            continue
        user, created = User.objects.get_or_create(username=username,
                                                   defaults={"first_name": display})
        if created or not user.check_password(password):
            # One hash for the shared demo password: each argon2 hash costs about a second.
            encoded = encoded or make_password(password)
            user.password = encoded
            user.save(update_fields=["password"])
        if username == "admin" and not (user.is_superuser and user.is_staff):
            user.is_superuser = user.is_staff = True
            user.save(update_fields=["is_superuser", "is_staff"])
        organisation = None
        if role == Role.UNION_CHAIR:
            from jianhui.unions.models import OrganisationKind, UnionOrganisation

            organisation = (UnionOrganisation.objects
                            .filter(jurisdiction=area, kind=OrganisationKind.STANDALONE)
                            .order_by("key").first())
            if organisation is None:
                continue
        Assignment.objects.get_or_create(user=user, jurisdiction=area,
                                         defaults={"role": role, "organisation": organisation})
        out.append((username, display, area_name))
    return out
