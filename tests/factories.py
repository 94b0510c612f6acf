"""Fictitious people and places for tests."""

import factory
from factory.django import DjangoModelFactory, Password

from programs.models import Role, Site, User

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
