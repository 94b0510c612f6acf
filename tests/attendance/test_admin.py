from django.urls import reverse

from attendance.models import Register
from tests.assertions import queries_to_get
from tests.factories import MarkFactory, RegisterFactory


def test_coordinator_reads_a_register_in_the_admin_but_cannot_change_it(
    client, group, coordinator, today
):
    register = RegisterFactory(group=group, date=today)
    MarkFactory(register=register, status="absent")
    client.force_login(coordinator)
    url = reverse("admin:attendance_register_change", args=[register.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("attendance:register", args=[group.pk, today]) in page.content.decode()
    assert client.post(url, {"note": "schimbat"}).status_code == 403
    assert client.get(reverse("admin:attendance_register_add")).status_code == 403
    delete = reverse("admin:attendance_register_delete", args=[register.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Register.objects.filter(pk=register.pk, note="").exists()


def test_a_register_being_saved_is_not_listed(client, group, coordinator, today):
    RegisterFactory(group=group, date=today, version=0)
    client.force_login(coordinator)
    response = client.get(reverse("admin:attendance_register_changelist"))
    assert response.context["cl"].result_count == 0


def test_register_admin_page_queries_do_not_grow_with_marks(client, group, coordinator, today):
    register = RegisterFactory(group=group, date=today)
    for _ in range(5):
        MarkFactory(register=register)
    client.force_login(coordinator)
    url = reverse("admin:attendance_register_change", args=[register.pk])
    with_5 = queries_to_get(client, url)
    for _ in range(55):
        MarkFactory(register=register)
    assert queries_to_get(client, url) == with_5


def test_coordinator_sees_the_corrections_of_a_register_in_the_admin(
    client, group, coordinator, today
):
    from attendance.models import RegisterChange

    register = RegisterFactory(group=group, date=today)
    mark = MarkFactory(register=register, status="absent")
    RegisterChange.objects.create(
        register=register,
        child=mark.child,
        field="status",
        old_value="present",
        new_value="absent",
        changed_by=coordinator,
    )
    client.force_login(coordinator)
    page = client.get(reverse("admin:attendance_register_change", args=[register.pk]))
    assert "present" in page.content.decode() and str(coordinator) in page.content.decode()
