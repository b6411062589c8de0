"""Title and author as the page states them."""
from __future__ import annotations

from hypothesis import given, strategies as st
from lxml import html as lxml_html

from pipeline.pagemeta import clean_title, page_metadata, structured_author, structured_data


def tree(body: str, head: str = ""):
    return lxml_html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


def test_h1_inside_the_title_is_the_headline():
    assert clean_title("Best free courses | Alison", ["Best free courses"]) == "Best free courses"
    assert clean_title("News - Digital cameras in 2024", ["Digital cameras in 2024"]) == "Digital cameras in 2024"


def test_site_name_after_a_separator_goes():
    assert clean_title("Laptop vs desktop power use | EcoFlow ZA", []) == "Laptop vs desktop power use"
    assert clean_title("Hire movers - HireAHelper", ["Cart"]) == "Hire movers"


def test_title_without_a_site_part_stays():
    assert clean_title("What is cloud computing?", ["Menu"]) == "What is cloud computing?"
    # The last part is too long to be a site name.
    title = "Plans - What the new council wants to build on the old harbour site"
    assert clean_title(title, []) == title


def test_h1_that_is_only_part_of_a_word_does_not_count():
    assert clean_title("Forecasting storms", ["Forecast"]) == "Forecasting storms"


def test_author_from_json_ld():
    t = tree("<p>x</p>", '<script type="application/ld+json">{"@type": "Article", '
                         '"author": [{"@type": "Person", "name": "InsaneSnow45"}, {"name": "B"}]}</script>')
    assert structured_author(structured_data(t)) == "InsaneSnow45"
    assert page_metadata(t, None) == {"author": "InsaneSnow45"}


def test_broken_or_missing_json_ld_is_ignored():
    t = tree("<h1>Headline</h1>", '<script type="application/ld+json">{"author": </script>')
    assert structured_author(structured_data(t)) is None
    assert page_metadata(t, "Headline | Site") == {"title": "Headline"}
    assert page_metadata(None, "x") == {}


@given(st.text(max_size=80), st.lists(st.text(max_size=30), max_size=3))
def test_clean_title_never_invents_text(title, h1s):
    out = clean_title(title, h1s)
    assert out is None or out == title or out in h1s or " ".join(title.split()).startswith(out)
