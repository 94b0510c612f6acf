"""The child's page: the whole story of one child, from every app, for the parts
each role may see. A fixed number of queries, whatever the number of records.

Each section is ``None`` when the user may not see it, so the template only
displays what it is given. Confidential counseling notes come only for
psychologists (``children.access.may_read_confidential_notes``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from attendance.roster import ABSENCE_RUN_WARNING
from attendance.summary import AttendanceSummary, child_attendance
from children.access import may_break_glass, may_read_confidential_notes
from children.models import (
    CaseNote,
    Child,
    CommunityActivity,
    ConfidentialNote,
    Consent,
    CounselingSession,
    FollowUp,
    MentoringSession,
    ResultPeriod,
    SchoolResult,
)
from families.models import Guardian, SupportGiven
from inocenti.risk import ChildRisk, assess_children
from programs.models import Enrollment


@dataclass(frozen=True)
class TimelineEntry:
    date: datetime.date
    kind: str  # a translated label: "Counseling", "Case note"...
    text: str


@dataclass
class ChildStory:
    child: Child
    guardians: list[Guardian] | None = None
    consents: list[Consent] | None = None
    enrollments: list[Enrollment] | None = None
    attendance: AttendanceSummary | None = None
    absent_lately: bool = False
    school_results: list[SchoolResult] | None = None
    counseling: list[CounselingSession] | None = None
    case_notes: list[CaseNote] | None = None
    follow_ups: list[FollowUp] | None = None
    support: list[SupportGiven] | None = None
    mentoring: list[MentoringSession] | None = None
    activities: list[CommunityActivity] | None = None
    timeline: list[TimelineEntry] = field(default_factory=list)
    may_add_case_note: bool = False
    may_add_follow_up: bool = False
    may_add_school_result: bool = False
    may_record_support: bool = False
    may_record_counseling: bool = False
    may_break_glass: bool = False
    risk: ChildRisk | None = None  # for those who follow the early warning, if enrolled


def child_story(user, child: Child, *, today: datetime.date) -> ChildStory:
    story = ChildStory(child=child)
    if user.has_perm("families.view_guardian"):
        story.guardians = (
            list(Guardian.objects.filter(family_id=child.family_id)) if child.family_id else []
        )
    if user.has_perm("children.view_consent"):
        # Whether consent is missing comes with the child (``with_consent``);
        # its history, who gave and withdrew what, for those who read families.
        story.consents = list(child.consents.select_related("given_by", "withdrawn_by"))
    if user.has_perm("programs.view_enrollment"):
        story.enrollments = list(
            child.enrollments.select_related("program", "group").order_by("-started_on")
        )
    if user.has_perm("attendance.view_mark"):
        _attendance(story, child, today)
    # Enrolled today at the site that follows the child, as on the site's list
    # (``inocenti.risk.enrolled_children``).
    if user.has_perm("inocenti.view_children_at_risk") and (
        story.enrollments is not None
        and any(
            e.site_id == child.site_id
            and e.started_on <= today
            and (e.ended_on is None or e.ended_on >= today)
            for e in story.enrollments
        )
    ):
        (story.risk,) = assess_children([child], as_of=today)
    if user.has_perm("children.view_schoolresult"):
        story.school_results = list(
            SchoolResult.objects.filter(child=child)
            .select_related("school_year")
            .order_by("school_year__starts_on", "period")
        )
        _mark_trend(story.school_results)
        may_change = user.has_perm("children.change_schoolresult")
        for result in story.school_results:
            result.editable = may_change
    if user.has_perm("children.view_counselingsession"):
        story.counseling = list(
            child.counseling_sessions.select_related("psychologist")
            .annotate(has_note=Exists(ConfidentialNote.objects.filter(session=OuterRef("pk"))))
            .order_by("-date")
        )
        story.may_break_glass = may_break_glass(user)
        notes = {}
        if may_read_confidential_notes(user):
            notes = dict(
                ConfidentialNote.objects.filter(session__children=child).values_list(
                    "session_id", "text"
                )
            )
        for session in story.counseling:
            # Loaded only for psychologists; for everyone else there is none.
            session.confidential_text = notes.get(session.pk)
    if user.has_perm("children.view_casenote"):
        story.case_notes = list(
            CaseNote.objects.about_child(child).select_related("created_by").order_by("-date")
        )
        may_change = user.has_perm("children.change_casenote")
        for note in story.case_notes:
            # Authors correct their own notes, and only notes about the child.
            note.editable = may_change and note.created_by_id == user.pk and note.child_id
    story.may_add_case_note = user.has_perm("children.add_casenote")
    story.may_add_follow_up = user.has_perm("children.add_followup")
    story.may_add_school_result = user.has_perm("children.add_schoolresult")
    story.may_record_support = bool(child.family_id and user.has_perm("families.add_supportgiven"))
    story.may_record_counseling = may_read_confidential_notes(user) and user.has_perm(
        "children.add_counselingsession"
    )
    if user.has_perm("children.view_followup"):
        story.follow_ups = list(
            FollowUp.objects.about_child(child).open().select_related("assignee")
        )
    if user.has_perm("families.view_supportgiven") and child.family_id:
        story.support = list(
            SupportGiven.objects.filter(family_id=child.family_id).order_by("-date")
        )
        may_change = user.has_perm("families.change_supportgiven")
        for support in story.support:
            # Whoever gave it corrects it; from this child's page, only the
            # family's help recorded here (coordinators have the admin).
            support.editable = (
                may_change
                and support.given_by_id == user.pk
                and support.child_id in (None, child.pk)
            )
    if user.has_perm("children.view_mentoringsession"):
        story.mentoring = list(
            child.mentoring_sessions.select_related("volunteer").order_by("-date")
        )
    if user.has_perm("children.view_communityactivity"):
        story.activities = list(child.community_activities.order_by("-date"))
    story.timeline = _timeline(story)
    return story


def _mark_trend(results: list[SchoolResult]) -> None:
    """Each average's direction against the previous one: "up", "down", "same"
    or "" (no average to compare). Qualifiers and Baccalaureate exams apart."""
    previous = None
    for result in results:
        result.trend = ""
        if result.general_average is None or result.period in ResultPeriod.baccalaureate():
            continue
        if previous is not None:
            difference = result.general_average - previous
            result.trend = "up" if difference > 0 else "down" if difference < 0 else "same"
        previous = result.general_average


def _attendance(story: ChildStory, child: Child, today: datetime.date) -> None:
    story.attendance = child_attendance(child, today=today).summary
    story.absent_lately = story.attendance.consecutive_absences >= ABSENCE_RUN_WARNING


def _timeline(story: ChildStory) -> list[TimelineEntry]:
    """The dated events of the sections shown, newest first: consents,
    enrollments, counseling, case notes, support, mentoring and activities."""
    entries: list[TimelineEntry] = []
    for consent in story.consents or ():
        kind = consent.get_kind_display()
        entries.append(TimelineEntry(consent.given_on, str(_("Consent given")), kind))
        if consent.withdrawn_on:
            entries.append(TimelineEntry(consent.withdrawn_on, str(_("Consent withdrawn")), kind))
    for enrollment in story.enrollments or ():
        entries.append(
            TimelineEntry(enrollment.started_on, str(_("Enrolled")), str(enrollment.program))
        )
        if enrollment.ended_on:
            entries.append(
                TimelineEntry(
                    enrollment.ended_on,
                    str(_("Enrollment ended")),
                    enrollment.get_status_display(),
                )
            )
    for session in story.counseling or ():
        entries.append(
            TimelineEntry(session.date, str(_("Counseling")), session.get_kind_display())
        )
    for note in story.case_notes or ():
        entries.append(TimelineEntry(note.date, str(_("Case note")), note.get_kind_display()))
    for support in story.support or ():
        entries.append(TimelineEntry(support.date, str(_("Support")), support.get_kind_display()))
    for session in story.mentoring or ():
        entries.append(TimelineEntry(session.date, str(_("Mentoring")), session.get_kind_display()))
    for activity in story.activities or ():
        entries.append(TimelineEntry(activity.date, str(_("Activity")), activity.title))
    return sorted(entries, key=lambda entry: entry.date, reverse=True)
