"""The enterprise register's enumerations (their Chinese labels are what cadres read)."""

from __future__ import annotations

from django.db import models


class Scale(models.TextChoices):
    LARGE = "large", "大型"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"
    MICRO = "micro", "微型"


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", "在营"
    SUSPENDED = "suspended", "停业/歇业"
    DEREGISTERED = "deregistered", "注销"
    REVOKED = "revoked", "吊销"
