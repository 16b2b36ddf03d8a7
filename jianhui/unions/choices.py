"""The union organisation kinds Jianhui knows (DOMAIN.md §1)."""

from __future__ import annotations

from django.db import models


class OrganisationKind(models.TextChoices):
    STANDALONE = "standalone", "基层工会委员会"
    JOINT = "joint", "联合基层工会"
    FEDERATION = "federation", "工会联合会"


# Joint unions and federations are both "联合建会" coverage.
JOINT_KINDS = (OrganisationKind.JOINT, OrganisationKind.FEDERATION)


class Gender(models.TextChoices):
    MALE = "男", "男"
    FEMALE = "女", "女"
