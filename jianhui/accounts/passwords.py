"""Password rules, each with its own Chinese message, and the generator of initial passwords.

Django's validators are reused for the checking; only the wording is ours, so that a cadre
reads what to change ("至少 10 个字符"), not a translation of an English sentence.
"""

from __future__ import annotations

import re
import secrets

from django.contrib.auth import password_validation as django_rules
from django.core.exceptions import ValidationError

CLASSES = (
    ("大写字母", re.compile(r"[A-Z]")),
    ("小写字母", re.compile(r"[a-z]")),
    ("数字", re.compile(r"[0-9]")),
    ("符号", re.compile(r"[^A-Za-z0-9]")),
)


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return "密码太短：至少需要 %(min_length)d 个字符。"

    def get_help_text(self) -> str:
        return f"至少 {self.min_length} 个字符。"


class CharacterClassesValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        present = [name for name, pattern in CLASSES if pattern.search(password)]
        if len(present) < self.min_classes:
            missing = "、".join(name for name, _ in CLASSES if name not in present)
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类，"
                f"目前只有 {len(present)} 类；可以加上{missing}。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


class NotLikeUserValidator(django_rules.UserAttributeSimilarityValidator):
    """Not similar to the username or name (Django's measure), and never containing the
    username itself (which Django's ratio lets through in a long enough password)."""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不能包含用户名，请换一个。", code="password_contains_username")
        super().validate(password, user)

    def get_error_message(self) -> str:
        return "密码与%(verbose_name)s过于相似，请换一个。"

    def get_help_text(self) -> str:
        return "不能包含用户名，也不能与用户名或姓名相似。"


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return "这个密码过于常见，容易被猜到，请换一个。"

    def get_help_text(self) -> str:
        return "不能是常见密码。"


# No look-alikes (0/O, 1/l/I) so that a password read out or copied by hand is typed right.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"
_SYMBOLS = "-_.@#%+="


def generate_password(length: int = 16) -> str:
    """A random initial password with all four character classes (about 95 bits at 16)."""
    alphabet = _UPPER + _LOWER + _DIGITS + _SYMBOLS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in group for c in candidate)
               for group in (_UPPER, _LOWER, _DIGITS, _SYMBOLS)):
            return candidate

