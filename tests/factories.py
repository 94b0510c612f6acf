"""Fictitious people and places for tests."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from attendance.models import Mark, Register, SchoolAbsence
from children.cnp import build_cnp
from children.models import (
    CaseNote,
    Child,
    CommunityActivity,
    Consent,
    CounselingSession,
    FollowUp,
    MentorAssignment,
    MentoringSession,
    SchoolResult,
)
from families.models import Family, Guardian, ParentMeeting, SupportGiven
from programs.models import (
    Enrollment,
    FundedProject,
    Funder,
    Group,
    Program,
    Role,
    SchoolYear,
    Site,
    User,
)

PASSWORD = "parola-de-test-2026"


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Școala Gimnazială nr. {n + 100}")


class UserFactory(DjangoModelFactory):
    """A user with a role; given no ``sites``, one new site (unless they see all)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"utilizator{n}")
    first_name = factory.Faker("first_name", locale="ro_RO")
    last_name = factory.Faker("last_name", locale="ro_RO")
    role = Role.SOCIAL_WORKER
    password = Password(PASSWORD)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [] if (self.sees_all_sites or self.is_superuser) else [SiteFactory()]
        self.sites.set(extracted)


def current_start_year() -> int:
    """The year the school year containing today began (1 September)."""
    today = timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


class SchoolYearFactory(DjangoModelFactory):
    """2025-2026 unless told ``start_year``; ``current_start_year()`` gives today's."""

    class Meta:
        model = SchoolYear
        django_get_or_create = ("name",)

    class Params:
        start_year = 2025

    name = factory.LazyAttribute(lambda o: f"{o.start_year}-{o.start_year + 1}")
    starts_on = factory.LazyAttribute(lambda o: datetime.date(o.start_year, 9, 1))
    ends_on = factory.LazyAttribute(lambda o: datetime.date(o.start_year + 1, 8, 31))


class ProgramFactory(DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("name",)
        skip_postgeneration_save = True

    name = "Educație și Integrare Socială"

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create and extracted:
            self.sites.add(*extracted)


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = Group

    site = factory.SubFactory(SiteFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    name = factory.Sequence(lambda n: f"Grupa {n + 1}")
    meeting_days = factory.LazyFunction(lambda: [1, 2, 3, 4, 5])


class FamilyFactory(DjangoModelFactory):
    class Meta:
        model = Family

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"Familia Lăcătuș {n + 1}")
    locality = "București"
    county = "B"
    household_size = 5
    risk_factors = factory.LazyFunction(lambda: ["poverty", "parents_abroad"])


class GuardianFactory(DjangoModelFactory):
    class Meta:
        model = Guardian

    family = factory.SubFactory(FamilyFactory)
    given_names = "Mariana"
    family_name = "Lăcătuș"
    relationship = "mother"
    phone = "0722 000 111"


class ChildFactory(DjangoModelFactory):
    """A child without a CNP (like many); ``ChildFactory(with_cnp=True)`` gives one."""

    class Meta:
        model = Child

    class Params:
        with_cnp = factory.Trait(
            cnp=factory.LazyAttributeSequence(
                lambda o, n: build_cnp(
                    sex=o.sex, birth_date=o.birth_date, county_code="42", serial=n % 999 + 1
                )
            )
        )

    site = factory.SubFactory(SiteFactory)
    given_names = factory.Iterator(["Ștefan", "Ana-Maria", "Florin", "Denisa", "Ionuț"])
    family_name = factory.Iterator(["Lăcătuș", "Căldăraru", "Rostaș", "Stoica", "Țurcanu"])
    sex = factory.Iterator(["M", "F", "M", "F", "M"])
    birth_date = factory.Sequence(lambda n: datetime.date(2014, 1, 1) + datetime.timedelta(days=n))
    grade = 5


class ConsentFactory(DjangoModelFactory):
    """Consent to data processing from a guardian of the child's family (a child
    passed in needs a family)."""

    class Meta:
        model = Consent

    child = factory.SubFactory(
        ChildFactory, family=factory.SubFactory(FamilyFactory, site=factory.SelfAttribute("..site"))
    )
    kind = "data_processing"
    given_by = factory.SubFactory(GuardianFactory, family=factory.SelfAttribute("..child.family"))
    given_on = datetime.date(2025, 9, 15)


class EnrollmentFactory(DjangoModelFactory):
    """An open enrollment in a group of the child's site (the program runs there)."""

    class Meta:
        model = Enrollment

    child = factory.SubFactory(ChildFactory)
    site = factory.SelfAttribute("child.site")
    group = factory.SubFactory(GroupFactory, site=factory.SelfAttribute("..site"))
    program = factory.LazyAttribute(lambda o: ProgramFactory(sites=[o.site]))
    started_on = datetime.date(2025, 9, 15)


class RegisterFactory(DjangoModelFactory):
    """A register already saved once (version 1), a session held doing homework."""

    class Meta:
        model = Register

    group = factory.SubFactory(GroupFactory)
    date = factory.LazyFunction(timezone.localdate)
    activities = factory.LazyFunction(lambda: ["homework"])
    version = 1


class MarkFactory(DjangoModelFactory):
    class Meta:
        model = Mark

    register = factory.SubFactory(RegisterFactory)
    child = factory.SubFactory(ChildFactory, site=factory.SelfAttribute("..register.group.site"))
    status = "present"


class SchoolAbsenceFactory(DjangoModelFactory):
    class Meta:
        model = SchoolAbsence

    child = factory.SubFactory(ChildFactory)
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    excused_hours = 2
    unexcused_hours = 4


class CounselingSessionFactory(DjangoModelFactory):
    class Meta:
        model = CounselingSession
        skip_postgeneration_save = True

    site = factory.SubFactory(SiteFactory)
    psychologist = factory.SubFactory(
        UserFactory, role=Role.PSYCHOLOGIST, sites=factory.LazyAttribute(lambda o: [])
    )
    date = datetime.date(2026, 10, 5)
    duration_minutes = 50
    kind = "individual"
    summary = "Discuție despre școală; motivat să vină la teme."

    @factory.post_generation
    def children(self, create, extracted, **kwargs):
        if create and extracted:
            self.children.add(*extracted)


class CaseNoteFactory(DjangoModelFactory):
    class Meta:
        model = CaseNote

    child = factory.SubFactory(ChildFactory)
    site = factory.SelfAttribute("child.site")
    date = datetime.date(2026, 10, 6)
    kind = "home_visit"
    text = "Vizită la domiciliu: mama lucrează în Italia, copilul stă cu bunica."


class FollowUpFactory(DjangoModelFactory):
    class Meta:
        model = FollowUp

    child = factory.SubFactory(ChildFactory)
    site = factory.SelfAttribute("child.site")
    task = "Sunați dirigintele despre absențe"
    assignee = factory.SubFactory(UserFactory)
    due_on = datetime.date(2026, 12, 1)


class SchoolResultFactory(DjangoModelFactory):
    class Meta:
        model = SchoolResult

    child = factory.SubFactory(ChildFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    period = "module_1"
    grade = 6
    general_average = "7.85"


class MentorAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = MentorAssignment

    volunteer = factory.SubFactory(UserFactory, role=Role.VOLUNTEER)
    child = factory.SubFactory(ChildFactory)
    started_on = datetime.date(2026, 10, 1)


class MentoringSessionFactory(DjangoModelFactory):
    class Meta:
        model = MentoringSession

    volunteer = factory.SubFactory(UserFactory, role=Role.VOLUNTEER)
    child = factory.SubFactory(ChildFactory)
    date = datetime.date(2026, 10, 8)
    duration_minutes = 60
    kind = "homework"
    topic = "Fracții"


class CommunityActivityFactory(DjangoModelFactory):
    class Meta:
        model = CommunityActivity
        skip_postgeneration_save = True

    date = datetime.date(2026, 10, 10)
    kind = "trip"
    title = "Excursie la Muzeul Antipa"

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create and extracted:
            self.sites.add(*extracted)


class ParentMeetingFactory(DjangoModelFactory):
    class Meta:
        model = ParentMeeting

    site = factory.SubFactory(SiteFactory)
    date = datetime.date(2026, 10, 15)
    kind = "support_group"
    topic = "Cum îi ajutăm la teme"
    facilitator = factory.SubFactory(UserFactory)


class SupportGivenFactory(DjangoModelFactory):
    class Meta:
        model = SupportGiven

    family = factory.SubFactory(FamilyFactory)
    date = datetime.date(2026, 9, 10)
    kind = "school_supplies"
    items = "Ghiozdan, caiete"
    quantity = 1
    value_ron = "120.00"
    given_by = factory.SubFactory(UserFactory)


class FunderFactory(DjangoModelFactory):
    class Meta:
        model = Funder
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Finanțator {n + 1}")
    kind = "foundation"


class FundedProjectFactory(DjangoModelFactory):
    """A school year's grant; ``sites=[...]`` and ``programs=[...]`` set its M2Ms."""

    class Meta:
        model = FundedProject
        skip_postgeneration_save = True

    funder = factory.SubFactory(FunderFactory)
    name = factory.Sequence(lambda n: f"Proiectul „Vreau și eu la școală!” {n + 1}")
    starts_on = datetime.date(2025, 9, 1)
    ends_on = datetime.date(2026, 8, 31)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create and extracted:
            self.sites.add(*extracted)

    @factory.post_generation
    def programs(self, create, extracted, **kwargs):
        if create and extracted:
            self.programs.add(*extracted)
