from tikrar import segment
from tikrar.segment import paragraph_spans


def test_every_non_empty_line_is_a_paragraph_with_exact_span():
    text = "عنوان الخبر\nالفقرة الأولى.\n\n\nالفقرة الثانية.\r\nالثالثة\u2029الرابعة"
    paragraphs = segment("d", text)
    assert [p.text for p in paragraphs] == ["عنوان الخبر", "الفقرة الأولى.", "الفقرة الثانية.", "الثالثة", "الرابعة"]
    assert [p.index for p in paragraphs] == [0, 1, 2, 3, 4]
    for p in paragraphs:
        assert text[p.start : p.end] == p.text
        assert p.doc_id == "d"


def test_spans_exclude_surrounding_spaces_and_invisible_characters():
    text = "\u200f  \u00a0نص محاط\u200e \t\n"
    (start, end), = paragraph_spans(text)
    assert text[start:end] == "نص محاط"
    assert (start, end) == (4, 11)


def test_lines_of_only_white_space_or_invisible_marks_are_not_paragraphs():
    assert paragraph_spans(" \n\u200b\u200f\n\u00a0\t\n") == []
    assert paragraph_spans("") == []


def test_inner_spacing_is_kept_verbatim():
    text = "كلمة  \u200cكلمة"
    assert segment("d", text)[0].text == text
