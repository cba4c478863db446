def test_a_village_worker_sees_the_person_they_registered(client, village, person):
    client.force_login(village)
    response = client.get(f"/persons/{person.pk}/")
    assert response.status_code == 200
    assert "张三" in response.content.decode()
