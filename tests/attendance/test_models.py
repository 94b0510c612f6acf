from attendance.models import Mark, Register
from tests.assertions import refused
from tests.factories import MarkFactory, RegisterFactory


def test_one_register_per_group_and_day(group, today):
    RegisterFactory(group=group, date=today)
    with refused("register_one_per_group_and_day"):
        RegisterFactory(group=group, date=today)


def test_a_day_without_session_has_no_activities(group, today):
    with refused("register_no_activities_without_session"):
        RegisterFactory(group=group, date=today, no_session_reason="holiday")


def test_unknown_activity_is_refused(group, today):
    with refused("register_activities_valid"):
        RegisterFactory(group=group, date=today, activities=["dancing"])


def test_one_mark_per_child_and_register(group, today):
    mark = MarkFactory(register=RegisterFactory(group=group, date=today))
    with refused("mark_one_per_child_and_register"):
        Mark.objects.create(register=mark.register, child=mark.child)


def test_present_child_has_no_absence_reason(group, today):
    with refused("mark_reason_only_when_not_present"):
        MarkFactory(register=RegisterFactory(group=group, date=today), reason="sick")


def test_unknown_status_is_refused(group, today):
    with refused("mark_status_valid"):
        MarkFactory(register=RegisterFactory(group=group, date=today), status="maybe")


def test_str_of_each_model_names_it(group, today):
    register = RegisterFactory(group=group, date=today)
    assert group.name in str(register) and today.isoformat() in str(register)
    assert str(Register.objects.taken().get()) == str(register)
