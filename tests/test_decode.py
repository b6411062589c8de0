"""decode.py: byte-order marks, UTF-8, declared and guessed legacy encodings, binary refused."""
from __future__ import annotations

import codecs

import pytest

from pipeline.decode import DecodeError, declared_charset, decode, looks_binary, replaced

FRENCH = (
    "Le conseil municipal a voté mercredi soir la création d'une piste cyclable "
    "séparée sur l'avenue du Général-Leclerc. Les commerçants, inquiets pour le "
    "stationnement, ont obtenu douze aires de livraison. « Ce n'est qu'un début », "
    "a déclaré l'élue chargée des mobilités, qui espère voir les travaux achevés "
    "avant l'été. Les riverains pourront consulter les plans à la mairie dès lundi."
)
RUSSIAN = (
    "Городской совет в среду одобрил строительство новой велосипедной дорожки "
    "вдоль набережной. Работы начнутся летом и продлятся около девяти месяцев. "
    "Жители района смогут ознакомиться с проектом в библиотеке до конца марта, "
    "а владельцы магазинов попросили сохранить места для разгрузки товаров."
)
JAPANESE = (
    "市議会は水曜日、川沿いの道路に自転車専用レーンを整備する計画を承認した。"
    "工事は七月に始まり、およそ九か月かかる見込みだ。商店主らは駐車場が減ることに"
    "不安を示しており、市は荷さばき用のスペースを十二か所設けると約束した。"
    "住民説明会は来月、市民会館で開かれる予定である。"
)


@pytest.mark.parametrize("bom, codec", [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
])
def test_byte_order_marks(bom, codec):
    text, encoding = decode(bom + FRENCH.encode(codec))
    assert text.lstrip("\ufeff") == FRENCH
    assert not text.startswith("\ufeff"), "the byte-order mark is not part of the text"
    assert encoding


def test_broken_text_after_bom_is_refused():
    with pytest.raises(DecodeError, match="byte-order mark"):
        decode(codecs.BOM_UTF8 + b"caf\xe9 au lait")


def test_plain_utf8():
    assert decode(FRENCH.encode("utf-8")) == (FRENCH, "utf-8")


def test_ascii_is_utf8():
    assert decode(b"Plain old ASCII news text.\n") == ("Plain old ASCII news text.\n", "utf-8")


def test_utf8_wins_over_a_wrong_declaration():
    # Pages often declare latin-1 and are really UTF-8; strict UTF-8 is checked first.
    text, encoding = decode(FRENCH.encode("utf-8"), declared="cp1252")
    assert (text, encoding) == (FRENCH, "utf-8")


def test_declared_charset_is_used_when_utf8_fails():
    data = FRENCH.encode("cp1252")
    text, encoding = decode(data, declared="cp1252")
    assert text == FRENCH
    assert encoding == "cp1252"


def test_unknown_declared_charset_falls_back_to_guessing():
    text, _ = decode(FRENCH.encode("cp1252"), declared="no-such-charset")
    assert "Général-Leclerc" in text


@pytest.mark.parametrize("text, codec", [
    (FRENCH, "cp1252"),
    (RUSSIAN, "koi8-r"),
    (RUSSIAN, "cp1251"),
    (JAPANESE, "shift_jis"),
])
def test_legacy_encodings_are_guessed(text, codec):
    decoded, encoding = decode(text.encode(codec))
    assert decoded == text, f"guessed {encoding} for {codec}"


def test_curly_quotes_in_cp1252():
    # Bytes 0x93/0x94/0x96 are quotes and a dash in cp1252, C1 controls in latin-1.
    text = "\u201cWe saved the top of the hill\u201d \u2013 she said, and it\u2019s true. " * 6
    decoded, encoding = decode(text.encode("cp1252"), declared="windows-1252")
    assert decoded == text


@pytest.mark.parametrize("data", [
    bytes(range(256)) * 4,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(40)) * 5,
    b"%PDF-1.4\n" + b"\x00\x01\x02\x03binary stream\x00" * 50,
])
def test_binary_is_refused(data):
    assert looks_binary(data)
    with pytest.raises(DecodeError, match="binary"):
        decode(data)


def test_text_with_tabs_and_form_feeds_is_not_binary():
    data = ("Column\tValue\n" * 20 + "\f\n" + FRENCH).encode()
    assert not looks_binary(data)
    assert decode(data)[0].endswith(FRENCH)


def test_empty_bytes_decode_to_empty_text():
    assert not looks_binary(b"")
    assert decode(b"")[0] == ""


@pytest.mark.parametrize("html, expected", [
    (b'<html><head><meta charset="windows-1252"></head>', "cp1252"),
    (b"<meta charset=KOI8-R>", "koi8_r"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', "shift_jis"),
    (b"<meta charset='utf-8'>", "utf-8"),
    (b"<meta charset=\"x-made-up\">", None),
    (b"<html><head><title>No charset</title></head>", None),
])
def test_declared_charset_from_meta(html, expected):
    assert declared_charset(html) == (codecs.lookup(expected).name if expected else None)


def test_declared_charset_header_wins_over_meta():
    html = b'<meta charset="utf-8">'
    assert declared_charset(html, "text/html; charset=ISO-8859-1") == codecs.lookup("latin-1").name
    assert declared_charset(html, "text/html") == "utf-8"


def test_meta_charset_is_only_looked_for_near_the_start():
    html = b"<html><head>" + b" " * 5000 + b'<meta charset="koi8-r">'
    assert declared_charset(html) is None


ENGLISH = (
    "The Old Mill Bridge, the only road crossing of the river Wendle between Castlebrook and "
    "Hareford, will close to traffic for eight months from next Monday while engineers replace "
    "its corroded steel bearings. \u201cWe know this will be difficult for people who cross every "
    "day,\u201d said the council\u2019s head of highways. The repairs will cost \u00a31.2 million. "
    "A shuttle bus will run every twenty minutes between the two towns on weekdays, paid for by "
    "the council and free to use for the duration of the works. Businesses in the high street "
    "fear a drop in trade, and the chamber of commerce has asked for free parking in the town "
    "centre while the bridge is closed. "
) * 3


def test_legacy_text_with_few_non_ascii_characters_is_not_read_as_broken_utf8():
    # English text in cp1252 has only a handful of high bytes (quotes, a pound
    # sign): too few to look like a legacy encoding by count alone.
    text, encoding = decode(ENGLISH.encode("cp1252"))
    assert text == ENGLISH, encoding


@pytest.mark.parametrize("text", ["Caf\u00e9 du port reopens on Friday.", "The council\u2019s plan \u2013 approved."])
def test_short_legacy_text_loses_no_characters(text):
    decoded, encoding = decode(text.encode("cp1252"))
    assert "\ufffd" not in decoded and decoded == text, encoding


def test_utf8_with_a_broken_byte_stays_utf8():
    data = ENGLISH.encode("utf-8")
    data = data[:300] + b"\xe2\x80" + data[300:]  # a truncated character spliced in
    decoded, encoding = decode(data)
    assert encoding == "utf-8"
    assert "\u201cWe know" in decoded and "\ufffd" in decoded


def test_central_european_text_is_still_read_as_cp1250():
    polish = ("Rada miasta zatwierdziła w środę budowę ścieżki rowerowej wzdłuż ulicy Głównej. "
              "Prace rozpoczną się w lipcu i potrwają około dziewięciu miesięcy, a mieszkańcy "
              "mogą zapoznać się z projektem w bibliotece do końca marca. ") * 2
    decoded, encoding = decode(polish.encode("cp1250"))
    assert decoded == polish, encoding


def test_pound_sign_in_short_legacy_text():
    assert decode("M\u00fcller said the \u00a3 fell.".encode("cp1252"))[0] == "M\u00fcller said the \u00a3 fell."


# -- a few stray bytes in a small UTF-8 page: repaired, not read as another charset --

STRAYS = "Le café du port rouvre vendredi. ".encode() + b"It\x92s open again. " * 5


def test_small_utf8_page_with_stray_bytes_stays_utf8():
    text, encoding = decode(STRAYS)
    assert encoding == "utf-8" and text.startswith("Le café du port")
    assert replaced(text, STRAYS) == 5


def test_declared_utf8_page_with_a_few_stray_bytes_stays_utf8():
    data = b"<html><head><meta charset='utf-8'></head><body><p>It\x92s open, the mayor said.</p></body></html>"
    text, encoding = decode(data, declared_charset(data))
    assert encoding == "utf-8" and "It\ufffds open" in text


@pytest.mark.parametrize("text, codec", [
    ("Дёшево и сердито, сказал мэр.", "cp1251"),
    ("Городской совет одобрил новую дорожку.", "koi8_r"),
    ("Rada miasta zatwierdziła w środę budowę.", "cp1250"),
])
def test_short_legacy_text_with_an_accidental_utf8_pair_is_still_legacy(text, codec):
    decoded, encoding = decode(text.encode(codec))
    assert "\ufffd" not in decoded


def test_one_nul_byte_does_not_make_a_page_binary():
    page = b"<html><body><p>The quay\x00 reopened on Friday.</p>" + b"<p>The ferry runs again.</p>" * 40 + b"</body></html>"
    assert not looks_binary(page)
    assert decode(page)[1] == "utf-8"


def test_many_nul_bytes_are_binary():
    assert looks_binary(b"text\x00\x00\x00 more\x00\x00" * 100)
