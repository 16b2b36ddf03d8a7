"""/users/: county administrators manage accounts and roles inside their own subtree."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from jianhui.accounts import services
from jianhui.accounts.models import Assignment, Profile
from jianhui.accounts.rights import Right, has_right, right_required
from jianhui.web.pages import paginate

from .forms import AssignmentAddForm, NameForm, UserAddForm

OPS = {
    "disable": ("停用账号", "停用后该用户不能再登录，已登录的会话立即失效；数据和审计记录保留，可随时重新启用。"),
    "enable": ("启用账号", "启用后该用户可以重新登录。"),
    "unlock": ("解除锁定", "清除该用户名的登录失败记录，该用户可以立即重新登录。请先确认是本人忘记密码，而不是有人在尝试猜测密码。"),
    "reset-password": ("重置密码", "将生成新的初始密码（只显示一次），原密码立即失效，该用户下次登录时须修改密码。"),
}


manager_required = right_required(Right.MANAGE_USERS, "只有县总工会管理员可以管理用户。")


def _target(request, username: str):
    user = services.visible_users(request.user).filter(username=username).first()
    if user is None:
        raise Http404("未找到该用户，或不在您管理的辖区范围内。")
    return user


def _with_roles(qs):
    return qs.prefetch_related(Prefetch(
        "assignments", queryset=Assignment.objects.select_related("jurisdiction", "organisation")
        .order_by("jurisdiction__path")))


@manager_required
def user_list(request):
    qs = services.visible_users(request.user)
    if q := request.GET.get("q", "").strip():
        qs = qs.filter(Q(username__icontains=q) | Q(first_name__icontains=q))
    if (status := request.GET.get("status")) in {"active", "disabled"}:
        qs = qs.filter(is_active=status == "active")
    page = paginate(request, _with_roles(qs).order_by("username"))
    return render(request, "accounts/users/list.html", {"page": page})


@manager_required
@never_cache
def user_add(request):
    form = UserAddForm(request.POST or None, admin=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if get_user_model().objects.filter(username=d["username"].strip()).exists():
            form.add_error("username", f"用户名“{d['username']}”已被使用。如需为该用户增加角色，请在用户列表中打开其页面。")
        else:
            try:
                added = services.add_user(
                    d["username"], role=d["role"], jurisdiction=d["jurisdiction"],
                    organisation=d["organisation"], name=d["name"], by=request.user)
            except services.UserAdminError as exc:
                form.add_error(None, str(exc))
            else:
                return render(request, "accounts/users/password.html", {
                    "target": added.user, "password": added.password, "created": True})
    return render(request, "accounts/users/add.html", {"form": form})


@manager_required
def user_detail(request, username: str):
    target = _target(request, username)
    action = request.POST.get("action") if request.method == "POST" else None
    role_form = AssignmentAddForm(request.POST if action == "add_role" else None,
                                  admin=request.user)
    name_form = NameForm(request.POST if action == "rename" else None,
                         initial={"name": target.first_name})
    try:
        if action == "add_role" and role_form.is_valid():
            d = role_form.cleaned_data
            services.add_user(target.username, role=d["role"], jurisdiction=d["jurisdiction"],
                              organisation=d["organisation"], by=request.user)
            messages.success(request, "角色已添加。")
            return redirect("user_detail", username=target.username)
        if action == "rename" and name_form.is_valid():
            services.set_name(target, name_form.cleaned_data["name"], by=request.user)
            messages.success(request, "姓名已修改。")
            return redirect("user_detail", username=target.username)
    except services.UserAdminError as exc:
        (role_form if action == "add_role" else name_form).add_error(None, str(exc))
    assignments = (target.assignments.select_related("jurisdiction", "organisation")
                   .order_by("jurisdiction__path"))
    return render(request, "accounts/users/detail.html", {
        "target": target, "role_form": role_form, "name_form": name_form,
        "assignments": [(a, has_right(request.user, Right.MANAGE_USERS, a.jurisdiction))
                        for a in assignments],
        "manageable": services.can_manage(request.user, target),
        "is_self": target.pk == request.user.pk,
        "must_change": Profile.objects.filter(user=target, must_change_password=True).exists(),
        "has_totp": TOTPDevice.objects.filter(user=target, confirmed=True).exists(),
        "locked_out": services.is_locked_out(target),
    })


@manager_required
@never_cache
@require_http_methods(["GET", "POST"])
def user_confirm(request, username: str, op: str):
    target = _target(request, username)
    if op not in OPS:
        raise Http404("未知操作。")
    title, explanation = OPS[op]
    if request.method == "POST":
        try:
            if op == "reset-password":
                password = services.reset_password(target, by=request.user)
                return render(request, "accounts/users/password.html", {
                    "target": target, "password": password, "created": False})
            if op == "unlock":
                services.unlock(target, by=request.user)
            else:
                services.set_active(target, op == "enable", by=request.user)
        except services.UserAdminError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已{title[:2]}{target.first_name or target.username}的账号。"
                             if op != "unlock" else "已解除锁定。")
        return redirect("user_detail", username=target.username)
    return render(request, "accounts/users/confirm.html", {
        "target": target, "title": title, "explanation": explanation,
        "danger": op != "enable"})


@manager_required
@require_http_methods(["GET", "POST"])
def role_remove(request, username: str, code: str):
    target = _target(request, username)
    assignment = (target.assignments.select_related("jurisdiction", "organisation")
                  .filter(jurisdiction__code=code).first())
    if assignment is None:
        raise Http404("该用户在此辖区没有角色。")
    if request.method == "POST":
        try:
            services.remove_assignment(assignment, by=request.user)
        except services.UserAdminError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"已移除{assignment.jurisdiction.name}的{assignment.get_role_display()}角色。")
        return redirect("user_detail", username=target.username)
    return render(request, "accounts/users/confirm.html", {
        "target": target, "title": "移除角色", "danger": True,
        "explanation": (f"移除{target.first_name or target.username}在{assignment.jurisdiction.name}的"
                        f"“{assignment.get_role_display()}”角色后，该用户将不能再查看或维护该辖区的数据。"),
    })
