"""A place's point never exists without its precision and the source it is from, on every write path: the model,
the database, the admin form and the fixture import (issue 15)."""

import json
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from events.fixture_checks import BrokenFixture
from events.management.commands.load_archive import fixture_files
from events.models import Place
from tests import factories
from tests.test_admin import admin_url, assert_saved, errors_on, page_data

pytestmark = pytest.mark.django_db

KERMAN_POINT = {"latitude": Decimal("30.283210"), "longitude": Decimal("57.078790")}


@pytest.fixture
def gazetteer():
    return factories.SourceFactory(slug=factories.GAZETTEER_SOURCE, title="GeoNames")


@pytest.fixture
def kerman(gazetteer):
    iran = factories.CountryFactory(name="Iran", slug="iran")
    return factories.PlaceFactory(
        name="Kerman",
        slug="kerman",
        parent=iran,
        **KERMAN_POINT,
        geo_precision="city",
        coordinates_source=gazetteer,
        gazetteer_id="geonames:128234",
    )


def rejected_by_database(place):
    try:
        with transaction.atomic():
            place.save()
    except IntegrityError as error:
        return str(error)
    return None


@pytest.mark.parametrize(
    ("fields", "field_in_error"),
    [
        ({**KERMAN_POINT, "geo_precision": "city"}, "coordinates_source"),
        ({**KERMAN_POINT, "with_source": True}, "geo_precision"),
        ({"geo_precision": "city", "with_source": True}, "geo_precision"),
        ({"with_source": True}, "coordinates_source"),
        ({"gazetteer_id": "geonames:128234"}, "gazetteer_id"),
    ],
    ids=["point-without-source", "point-without-precision", "precision-without-point", "source-without-point", "id"],
)
def test_a_point_its_precision_and_its_source_come_together_or_not_at_all(gazetteer, fields, field_in_error):
    fields = dict(fields)
    if fields.pop("with_source", False):
        fields["coordinates_source"] = gazetteer
    place = factories.PlaceFactory.build(coordinates_source=fields.pop("coordinates_source", None), **fields)
    with pytest.raises(ValidationError) as raised:
        place.full_clean()
    assert field_in_error in raised.value.message_dict
    assert rejected_by_database(place) is not None


def test_a_gazetteer_identifier_names_the_gazetteer_and_the_entry(gazetteer):
    place = factories.PlaceFactory.build(
        **KERMAN_POINT, geo_precision="city", coordinates_source=gazetteer, gazetteer_id="128234"
    )
    with pytest.raises(ValidationError, match='e.g. "geonames:128234"'):
        place.full_clean()
    place.gazetteer_id = "geonames:128234"
    place.full_clean()


def test_a_place_the_gazetteer_lacks_takes_its_parents_point_precision_and_source(kerman):
    street = factories.PlaceFactory.build(
        name="Shohada Street", kind="street", parent=kerman, coordinates_from_parent=True
    )
    street.full_clean()
    assert (street.latitude, street.longitude, street.geo_precision) == (
        KERMAN_POINT["latitude"],
        KERMAN_POINT["longitude"],
        "city",
    )
    assert (street.coordinates_source, street.gazetteer_id) == (kerman.coordinates_source, "geonames:128234")
    street.save()
    assert street.point_origin() == kerman


def test_only_a_place_in_a_place_with_a_point_can_take_its_parents(gazetteer):
    lone = factories.PlaceFactory.build(coordinates_from_parent=True)
    with pytest.raises(ValidationError, match="no point to take"):
        lone.full_clean()
    lone.latitude, lone.longitude, lone.geo_precision, lone.coordinates_source = 1, 2, "city", gazetteer
    assert "place_point_from_parent_has_a_parent" in rejected_by_database(lone)


# --- the admin form --------------------------------------------------------------------------------------------


def test_the_admin_refuses_a_point_without_its_source_and_saves_it_with_one(staff_client, gazetteer):
    data = page_data(staff_client.get(admin_url(Place, "add")))
    data.update(name="Shiraz", slug="shiraz", kind="city", latitude="29.61031", longitude="52.53113", sources=[])
    data["geo_precision"] = "city"
    response = staff_client.post(admin_url(Place, "add"), data)
    assert response.status_code == 200
    assert "Cite the gazetteer or source the point is taken from." in response.content.decode()
    assert not Place.objects.filter(slug="shiraz").exists()

    data.update(coordinates_source=str(gazetteer.pk), gazetteer_id="geonames:115019")
    assert_saved(staff_client.post(admin_url(Place, "add"), data))
    shiraz = Place.objects.get(slug="shiraz")
    assert (shiraz.latitude, shiraz.coordinates_source, shiraz.gazetteer_id) == (
        Decimal("29.610310"),
        gazetteer,
        "geonames:115019",
    )


def test_the_admin_copies_the_parents_point_when_the_box_is_ticked(staff_client, kerman):
    data = page_data(staff_client.get(admin_url(Place, "add")))
    data.update(name="Shohada Street", slug="shohada-street", kind="street", parent=str(kerman.pk), sources=[])
    data["coordinates_from_parent"] = "on"
    assert_saved(staff_client.post(admin_url(Place, "add"), data))
    street = Place.objects.get(slug="shohada-street")
    assert (street.latitude, street.geo_precision, street.coordinates_source_id) == (
        KERMAN_POINT["latitude"],
        "city",
        kerman.coordinates_source_id,
    )


def test_the_admin_groups_the_location_fields_with_their_help(staff_client):
    content = staff_client.get(admin_url(Place, "add")).content.decode()
    location = content[content.index("<h2") : content.index('id="id_description"')]
    assert "Location" in location
    for field in ("latitude", "longitude", "geo_precision", "coordinates_source", "gazetteer_id"):
        assert f'name="{field}"' in location, field
    assert "A point is never guessed" in location
    assert "geonames:128234" in location  # the identifier's help text shows its form


def test_the_admin_refuses_to_tick_the_box_for_a_place_in_no_place_with_a_point(staff_client):
    data = page_data(staff_client.get(admin_url(Place, "add")))
    data.update(name="Gaza", slug="gaza", kind="other", coordinates_from_parent="on", sources=[])
    response = staff_client.post(admin_url(Place, "add"), data)
    assert "The parent has no point to take" in str(errors_on(response))


# --- the fixture import ----------------------------------------------------------------------------------------


def test_the_fixture_import_refuses_a_point_without_a_source_in_plain_words(tmp_path, settings):
    for path in fixture_files():
        shutil.copy(path, tmp_path)
    places = json.loads((tmp_path / "03_places.json").read_text(encoding="utf-8"))
    shiraz = next(record for record in places if record["fields"]["slug"] == "shiraz")
    shiraz["fields"].update(coordinates_source=None, gazetteer_id="")
    (tmp_path / "03_places.json").write_text(json.dumps(places), encoding="utf-8")
    settings.FIXTURE_DIRS = [tmp_path]
    with pytest.raises(BrokenFixture) as raised:
        call_command("load_archive", stdout=StringIO())
    assert str(raised.value).startswith("Nothing loaded. ")
    assert str(raised.value).endswith(
        "03_places.json: events.place 'shiraz': coordinates_source: Cite the gazetteer or source the point is "
        "taken from."
    )
    assert not Place.objects.exists()
