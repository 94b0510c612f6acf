from django.urls import reverse

from attendance.models import Mark, Register


def test_smoke(client, group, social_worker, enrol, today):
    kids = enrol(group, 3)
    client.force_login(social_worker)
    url = reverse("attendance:register", args=[group.pk, today])
    response = client.get(url)
    assert response.status_code == 200, response.content
    data = {"activities": ["homework"], "was": ""}
    for kid in kids:
        data[f"c{kid.pk}-status"] = "present"
        data[f"c{kid.pk}-was"] = ""
    data[f"c{kids[0].pk}-status"] = "absent"
    data[f"c{kids[0].pk}-reason"] = "sick"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Register.objects.get().version == 1
    assert Mark.objects.count() == 3
    response = client.get(url)
    assert response.status_code == 200
    response = client.get("/")
    assert response.status_code == 200
