"""Phrase rules, one family at a time, and the structure around headings.

Every case runs through :func:`tikrar.dedup`, so the labels asserted are the
labels a user gets. The Arabic lines are written for these tests: furniture
lines that must be caught, and near misses (content that merely starts or
ends like furniture) that must stay content.
"""

from __future__ import annotations

import json

import pytest

from tikrar import dedup
from tikrar.boilerplate import EDGE_PARAGRAPHS, Rule, default_rules, find_boilerplate, load_rules, rule_view, source_key
from tikrar.cli import main
from tikrar.dedup import DedupConfig
from tikrar.errors import ConfigError, InputError

# Content paragraphs: long (more than 20 words, so never part of a headline
# list) and unlike each other.
BODY = [
    "أعلنت وزارة النقل اليوم عن بدء أعمال توسعة الطريق الدائري الشمالي في العاصمة، على أن تنتهي المرحلة الأولى "
    "منه خلال ثمانية عشر شهرا بتكلفة تتجاوز ملياري ريال وفق ما ذكره المتحدث الرسمي للوزارة",
    "وأوضح المتحدث أن المشروع يشمل إنشاء ستة جسور جديدة وتحويل ثلاثة تقاطعات إلى أنفاق، مشيرا إلى أن الدراسات "
    "المرورية أظهرت أن زمن الرحلة سينخفض بنحو الثلث بعد اكتمال الأعمال في نهاية المشروع",
    "ودعت الوزارة قائدي المركبات إلى الالتزام بالتحويلات المؤقتة التي ستوضع في مواقع العمل، مؤكدة أن فرق السلامة "
    "ستعمل على مدار الساعة لتقليل الازدحام في أوقات الذروة الصباحية والمسائية طوال مدة التنفيذ",
    "وفي سياق متصل، كشفت هيئة الإحصاء أن عدد المركبات المسجلة في المدينة ارتفع بنسبة سبعة في المئة خلال العام "
    "الماضي، وهو ما يفسر الضغط المتزايد على شبكة الطرق القائمة حاليا في معظم الأحياء الجديدة",
    "من جهة أخرى، أكد خبراء في التخطيط العمراني أن الحلول الدائمة تتطلب توسيع شبكة النقل العام بالحافلات والقطارات، "
    "لأن زيادة عدد المسارات وحدها لا تلبث أن تمتلئ بالسيارات خلال سنوات قليلة من افتتاحها",
]


def labels(paragraphs, **options):
    """(label, reason) of every paragraph of one article made of ``paragraphs``."""
    report = dedup([("doc", "\n".join(paragraphs))], **options)
    return [(r.label, r.reason) for r in report]


def verdict_of(line, **options):
    """(label, reason) of ``line`` placed between two content paragraphs."""
    return labels([BODY[0], line, BODY[1]], **options)[1]


def test_a_wire_credit_or_dateline_in_front_of_a_story_is_cut_off_and_the_story_stays_content():
    story = "أعلنت وزارة التعليم عن فتح باب القبول في الجامعات الحكومية للطلاب والطالبات ابتداء من يوم الأحد المقبل"
    for prefix, rule in [
        ("واس- الرياض:", "agency_credit_prefix"),
        ("الرياض - واس", "agency_credit_prefix"),
        ("الرياض (واس) -", "agency_credit_prefix"),
        ("الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس", "dateline_prefix"),
    ]:
        report = dedup([("doc", "\n".join([BODY[0], prefix + " " + story, BODY[1]]))])
        assert [(r.label, r.text) for r in report] == [
            ("unique", BODY[0]), ("boilerplate", prefix), ("unique", story), ("unique", BODY[1])]
        # The piece cut off is also a whole line of furniture by the rule
        # without "_prefix", which then names it.
        assert report[1].reason in (rule, rule[: -len("_prefix")])


# -- one test per family: hits, then near misses ------------------------------

FAMILIES = {
    "wire": [
        ("// انتهى //", "wire_end"),
        ("//انتهى//", "wire_end"),
        ("// يتبع //", "wire_continued"),
        ("// يتبع // 11:02 ت م", "wire_continued"),
        ("14:05 ت م", "wire_time"),
        ("(يتبع)", "wire_word"),
    ],
    "dateline": [
        ("الرياض 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م واس", "dateline"),
        ("مكة المكرمة 25 شوال 1436هـ الموافق 10 اغسطس 2015م واس", "dateline"),
        ("جدة ٢٥ شوال ١٤٣٦ هـ الموافق ١٠ أغسطس ٢٠١٥ م", "dateline"),
    ],
    "credits": [
        ("عين اليوم – متابعات", "site_credit"),
        ("سارة القحطاني - عين اليوم", "site_credit"),
        ("عين اليوم - مكة المكرمة / المدينة المنورة", "site_credit"),
        ("عين اليوم – لاريونيون (فرنسا)", "site_credit"),
        ("عين اليوم – لندن 6 أغسطس", "site_credit"),
        ("فرانس24/ أ ف ب", "agency_credit"),
        ("فرانس 24/ أ ف ب", "agency_credit"),
        ("الرياض - واس", "agency_credit"),
        ("واس- الرياض:", "agency_credit"),
        ("(رويترز)", "agency_credit"),
        ("(أ. ف. ب)", "agency_credit"),
        ("(تصوير: خالد الحربي)", "photo_credit"),
    ],
    "contact": [
        ("للتواصل مع الكاتب ارسل رسالة SMS", "contact_writer"),
        ("kateb.example@gmail.comللتواصل مع الكاتب ارسل رسالة SMS تبدأ بالرمز (41) ثم مسافة ثم نص الرسالة إلى 88591 - Stc", "contact_writer"),
        ("لمراسلة الكاتب: kateb@example.net", "contact_writer"),
        ("للتواصل ارسل SMS إلى 88548 الاتصالات", "contact_sms"),
        ("88591 - Stc", "contact_sms_part"),
        ("635031 - Mobily", "contact_sms_part"),
        ("تبدأ بالرمز (41) ثم مسافة ثم نص الرسالة إلى", "contact_sms_part"),
        ("ثم الرسالة", "contact_sms_part"),
        ("kateb.example@gmail.com", "contact_email"),
        ("تويتر: @kateb_example", "contact_handle"),
        ("فاكس: 6923348", "contact_fax"),
    ],
    "navigation": [
        ("Next Previous", "next_previous"),
        ("Next Previous عين اليوم – جدة", "next_previous"),
        ("...المزيد", "more_link"),
        ("للمزيد: وزير الخارجية يلتقي نظيره الفرنسي في باريس", "more_colon"),
        ("اقرأ أيضاً: انطلاق مهرجان الصيف في الطائف", "read_also"),
        ("إقرأ أيضا: انطلاق مهرجان الصيف في الطائف", "read_also"),
        ("اقرا ايضا انطلاق مهرجان الصيف في الطائف", "read_also"),
        ("لقراءة الحوار كاملا انقر هنا", "click_here"),
        ("رابط الخبر بصحيفة الوئام: انطلاق مهرجان الصيف في الطائف", "news_link"),
        ("• انطلاق مهرجان الصيف في الطائف بمشاركة فرق شعبية من مختلف المناطق", "bullet_teaser"),
        ("تعليقات (0)", "comment_count"),
    ],
    "tags_sources": [
        ("كلمات دلالية: اقتصاد، نفط، أسعار", "tags_line"),
        ("الوسوم: اقتصاد، نفط", "tags_line"),
        ("المصدر: وكالة الأنباء المحلية", "source_line"),
        ("*نقلاً عن صحيفة الحياة", "quoted_from"),
        ("* نقلا عن صحيفة الحياة", "quoted_from"),
        ("#موسم_الرياض #فعاليات_الصيف", "hashtag_line"),
    ],
    "syndication": [
        ("* خدمة «نيويورك تايمز»", "syndication"),
        ("* خدمة: {واشنطن بوست}", "syndication"),
        ("* بالاتفاق مع «بلومبيرغ»", "syndication"),
        ("خاص بـ«الشرق الأوسط»", "syndication"),
    ],
    "disclaimer": [
        ("جميع المقالات المنشورة تمثل رأي كتابها فقط", "opinion_disclaimer"),
        ("المقالات المنشورة تعبر عن رأي كاتبها ولا تعبر بالضرورة عن رأي الصحيفة", "opinion_disclaimer"),
        ("يمكنكم استلام إشعارات بأهم الأخبار بالضغط على الرابط في تطبيق بي بي سي عربي", "app_prompt"),
        ("يمكنكم تسلم إشعارات بأهم الأخبار بالضغط على الرابط في تطبيق بي بي سي عربي", "app_prompt"),
        ("حمل تطبيق الصحيفة على هاتفك", "app_download"),
        ("تابعونا على تويتر", "follow_us"),
    ],
    "separator": [
        ("***", "separator"),
        ("* * *", "separator"),
        ("------------------", "separator"),
        ("———————", "separator"),
        ("ـــــــــــ", "separator"),
        (". . . .", "separator"),
    ],
}

NEAR_MISSES = {
    "wire": [
        # A content paragraph that ends with the marker is content.
        BODY[2] + " // انتهى //",
        "وقال المدير إن المشروع انتهى في موعده المحدد دون أي تأخير يذكر في أعمال البناء",
    ],
    "dateline": [
        "وفي 26 شوال 1436 هـ الموافق 11 أغسطس 2015 م افتتح الأمير المعرض بحضور عدد كبير من المسؤولين والزوار",
    ],
    "credits": [
        # Credit-like openings that prefix rules must not cut.
        "ونقلت واس عن مصدر مسؤول قوله إن الاجتماع سيعقد غدا في مقر الوزارة بحضور جميع الأعضاء",
        "عين اليوم التي تراقب المدينة ليلا ونهارا لم تعد تكفي لحماية الأحياء من اللصوص كما قال المسؤولون",
        "وقالت وكالة رويترز إن أسعار النفط ارتفعت في التعاملات المبكرة بعد بيانات المخزونات الأمريكية",
    ],
    "contact": [
        "وأتاحت الشركة للعملاء التواصل مع خدمة العملاء عبر الرسائل النصية على مدار الساعة طوال أيام الأسبوع",
        "ارتفع سهم شركة زين للاتصالات بنسبة 3 في المئة في تعاملات اليوم",
        "أعلنت STC عن باقات جديدة للعملاء",
        "أرسل SMS إلى الرقم 5050 للتبرع",
        "وأكد الكاتب في رسالته إلى الوزير أهمية التواصل مع المواطنين",
    ],
    "navigation": [
        "وتسعى الوزارة إلى جذب المزيد من الاستثمارات الأجنبية خلال السنوات المقبلة عبر حوافز ضريبية جديدة",
        "وقال الكاتب إن على القراء أن يقرأوا أيضاً ما بين السطور في بيانات الحكومة الأخيرة",
        "• البطالة طويلة الأمد لا تزال في تراجع.",
    ],
    "tags_sources": [
        "المصدر نفسه قال إن المفاوضات ستستمر حتى الأسبوع المقبل بمشاركة جميع الأطراف المعنية بالأزمة",
        "نقلاً عن مصادر مطلعة، أفادت الصحيفة بأن الحكومة تدرس فرض ضريبة جديدة على السلع الكمالية خلال العام المقبل",
        "وتبرز سمات القيادة الناجحة في قدرة المدير على الإصغاء لفريقه",
    ],
    "syndication": [
        "وقالت صحيفة «نيويورك تايمز» إن الإدارة الأمريكية تدرس خيارات جديدة للتعامل مع الأزمة",
        "وقدمت الشركة خدمة جديدة للعملاء في المناطق النائية",
        "بالتعاون مع «أرامكو» أطلقت الوزارة برنامجا تدريبيا جديدا",
    ],
    "disclaimer": [
        "وأكد الكاتب أن المقالات المنشورة في الصحف المحلية تناولت القضية من زوايا مختلفة خلال الأسبوع الماضي",
        "وأطلقت الوزارة تطبيقا جديدا يتيح للمواطنين متابعة طلباتهم إلكترونيا",
        "حمل تطبيق الوزارة الجديد مزايا عديدة للمستخدمين",
    ],
    "separator": [
        "؟!",
        "- وأضاف أن العمل سيستمر حتى نهاية الشهر",
    ],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_catches_its_furniture_and_only_that(family):
    for line, rule in FAMILIES[family]:
        assert verdict_of(line) == ("boilerplate", rule), line
    for line in NEAR_MISSES[family]:
        assert verdict_of(line)[0] == "unique", line


def test_every_default_rule_belongs_to_a_documented_family_and_is_exercised():
    families = {rule.family for rule in default_rules()}
    assert families == set(FAMILIES)
    exercised = {rule for cases in FAMILIES.values() for _, rule in cases}
    # Tested below: rules bound to a place in the article, and headings.
    exercised |= {"byline", "tags_simat", "writer_more"} | {r.name for r in default_rules() if r.heading}
    exercised |= {"next_previous_prefix", "site_credit_prefix"}  # test_furniture_prefix_*
    exercised |= {"agency_credit_prefix", "dateline_prefix"}  # test_a_wire_credit_or_dateline_*
    assert {r.name for r in default_rules()} == exercised
    assert len({r.name for r in default_rules()}) == len(default_rules())


def test_byline_counts_only_at_the_start_of_an_article():
    byline = "محمد العتيبي - جدة"
    assert labels([byline] + BODY)[0] == ("boilerplate", "byline")
    late = labels(BODY + [byline, BODY[0][:40] + " وأضاف أن الأعمال مستمرة حتى نهاية الشهر الجاري بحسب الجدول الزمني المعتمد من الوزارة"])
    assert late[len(BODY)] == ("unique", None)


def test_more_by_the_writer_counts_only_at_the_end_of_an_article():
    more = "مقالات أخرى للكاتبحين يغيب المعنى!مدن بلا أرصفةسؤال الهوية في زمن السرعةالعيد في ذاكرة الحي القديم"
    assert labels(BODY + [more])[-1] == ("boilerplate", "writer_more")
    assert labels([more] + BODY)[0] == ("unique", None)


def test_tags_after_simat_count_only_at_the_end_of_an_article():
    assert labels(BODY + ["سمات النفط الأسعار السوق"])[-1] == ("boilerplate", "tags_simat")
    early = labels(["سمات النفط الأسعار السوق"] + BODY)
    assert early[0] == ("unique", None)
    assert EDGE_PARAGRAPHS == 3


def test_rules_see_spelling_variants_as_one_phrase():
    assert rule_view("إقرأ أيضاً:") == rule_view("اقرأ ايضا:") == "اقرا ايضا:"
    assert rule_view("عين اليوم – متابعات") == "عين اليوم - متابعات"


# -- structure -----------------------------------------------------------------


def test_related_list_at_the_end_is_boilerplate_line_by_line():
    paragraphs = BODY[:3] + [
        "مقالات ذات صلة",
        "وزير النقل يفتتح جسر الملك فهد الجديد",
        "ارتفاع أسعار الوقود في الأسواق المحلية",
        "• هيئة الطيران تعلن عن رحلات إضافية إلى المدينة المنورة خلال موسم العمرة المقبل",
    ]
    assert labels(paragraphs)[3:] == [
        ("boilerplate", "related_heading"),
        ("boilerplate", "after:related_heading"),
        ("boilerplate", "after:related_heading"),
        ("boilerplate", "bullet_teaser"),  # a bullet under a heading is a link by itself
    ]
    assert labels(paragraphs)[:3] == [("unique", None)] * 3


@pytest.mark.parametrize("heading", ["اقرأ أيضاً:", "إقرأ أيضا", "اخترنا لك", "يقرأون الآن", "مقالات مشابهة", "أخبار ذات صلة"])
def test_every_heading_marks_the_headlines_after_it(heading):
    paragraphs = BODY[:2] + [heading, "انطلاق مهرجان الصيف في الطائف", "الهلال يتعاقد مع مدافع برازيلي"]
    got = labels(paragraphs)
    assert got[2][0] == "boilerplate" and got[2][1] in {"read_also_heading", "picked_for_you", "most_read", "related_heading"}
    assert got[3:] == [("boilerplate", f"after:{got[2][1]}")] * 2


def test_heading_inside_the_body_marks_only_its_headline():
    paragraphs = [
        BODY[0],
        "اقرأ أيضاً:",
        "انطلاق مهرجان الصيف في الطائف",
        "وأضاف الوزير أن العمل سيستمر حتى نهاية الشهر.",
        BODY[1],
        BODY[2],
    ]
    assert labels(paragraphs) == [
        ("unique", None),
        ("boilerplate", "read_also_heading"),
        ("boilerplate", "after:read_also_heading"),
        ("unique", None),  # a short sentence of the text, after the teaser
        ("unique", None),
        ("unique", None),
    ]


def test_lone_bullet_is_a_teaser_but_a_bulleted_list_is_text():
    teaser = "• انطلاق مهرجان الصيف في الطائف بمشاركة فرق شعبية من مختلف المناطق"
    assert labels([BODY[0], teaser, BODY[1]])[1] == ("boilerplate", "bullet_teaser")
    bullets = [
        "• تجنب التسارع والتباطؤ المتكرر والمفاجئ في القيادة داخل المدن",
        "• استخدم مثبت السرعة في الطرق السريعة لتقليل استهلاك الوقود",
        "• افحص ضغط الإطارات مرة كل أسبوع على الأقل قبل السفر",
    ]
    assert labels([BODY[0]] + bullets + [BODY[1]]) == [("unique", None)] * 5


def test_a_related_headline_never_turns_the_real_headline_into_a_repeat():
    headline = "هيئة الطيران تعلن عن رحلات إضافية إلى المدينة المنورة"
    first = "\n".join(BODY[:2] + ["مقالات مشابهة", "• " + headline])
    second = "\n".join([headline, BODY[3]])
    report = dedup([("a", first), ("b", second)])
    assert [(r.doc_id, r.label) for r in report] == [
        ("a", "unique"), ("a", "unique"), ("a", "boilerplate"), ("a", "boilerplate"), ("b", "unique"), ("b", "unique"),
    ]


def test_find_boilerplate_checks_its_inputs():
    with pytest.raises(ValueError, match="2 paragraphs but 1 word counts"):
        find_boilerplate(["a", "b"], [1], default_rules())


# -- user rules: Python and command line -------------------------------------


PROMO = "اشترك الآن في النشرة البريدية"


def test_python_users_add_replace_and_disable_rules():
    promo = Rule("newsletter", r"^اشترك الان\b", max_words=12, family="custom")
    assert verdict_of(PROMO) == ("unique", None)
    assert verdict_of(PROMO, extra_rules=[promo]) == ("boilerplate", "newsletter")
    only = dedup([("doc", "\n".join([BODY[0], PROMO, "// انتهى //"]))], rules=[promo])
    assert [(r.label, r.reason) for r in only][1:] == [("boilerplate", "newsletter"), ("unique", None)]
    assert verdict_of("// انتهى //", disable_rules=["wire_end"]) == ("unique", None)
    config = DedupConfig.from_options(extra_rules=[promo], disable_rules=["wire_end", "separator"])
    names = {r.name for r in config.active_rules}
    assert "newsletter" in names and not names & {"wire_end", "separator"}
    with pytest.raises(ConfigError, match="disable_rules names no rule"):
        DedupConfig.from_options(disable_rules=["no_such_rule"])


def test_bad_rules_are_refused_with_the_rule_named(tmp_path):
    with pytest.raises(ConfigError, match="rule 'x': pattern"):
        Rule("x", "([")
    with pytest.raises(ConfigError, match="rule 'x': not_beside"):
        Rule("x", "a", not_beside="([")
    with pytest.raises(ConfigError, match="where must be one of"):
        Rule("x", "a", where="middle")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"name": "ok", "pattern": "a"}, {"name": "oops", "pattern": "a", "colour": 1}]}), encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.json rule 1"):
        load_rules(bad)


def _write_rules(path, rules):
    path.write_text(json.dumps({"format": "tikrar-rules/1", "rules": rules}, ensure_ascii=False), encoding="utf-8")
    return path


def test_cli_rules_file_adds_rules_and_disable_rule_turns_one_off(tmp_path):
    article = tmp_path / "articles"
    article.mkdir()
    (article / "a.txt").write_text("\n".join([BODY[0], PROMO, "// انتهى //"]), encoding="utf-8")
    rules = _write_rules(tmp_path / "mine.json", [{"name": "newsletter", "pattern": r"^اشترك الان\b", "max_words": 12}])
    out = tmp_path / "out.jsonl"

    def run(*extra):
        assert main(["dedup", str(article), "-o", str(out), "-q", *extra]) == 0
        return [(row["label"], row["reason"]) for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())]

    assert run() == [("unique", None), ("unique", None), ("boilerplate", "wire_end")]
    assert run("--rules", str(rules)) == [("unique", None), ("boilerplate", "newsletter"), ("boilerplate", "wire_end")]
    assert run("--rules", str(rules), "--only-rules") == [("unique", None), ("boilerplate", "newsletter"), ("unique", None)]
    assert run("--disable-rule", "wire_end") == [("unique", None)] * 3


def test_cli_lists_rules_with_their_family(capsys):
    assert main(["rules"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {row["name"]: row["family"] for row in listed}["wire_end"] == "wire"
    assert len(listed) == len(default_rules())


def test_source_key_falls_back_to_the_doc_id_prefix_then_the_corpus():
    assert source_key("okaz", "sabq:1") == "okaz"
    assert source_key(None, "sabq:1") == "sabq"
    assert source_key(None, "sabq/2015/1") == "sabq"
    assert source_key(None, "article-17") is None
    assert source_key(None, ":17") is None
    assert source_key(None, "sabq:1", separators="") is None


def test_user_patterns_with_flags_or_back_references_keep_their_meaning():
    # Anchored rules are searched together; patterns that cannot be joined
    # without changing their meaning must still fire exactly as written.
    twice = Rule("same_word_twice", r"^(\S+) \1$")
    verbose = Rule("verbose", r"(?x) ^ نهايه \s+ النشره $")
    assert verdict_of("انتهى انتهى", extra_rules=[twice]) == ("boilerplate", "same_word_twice")
    assert verdict_of("انتهى وانتهى", extra_rules=[twice]) == ("unique", None)
    assert verdict_of("نهاية النشرة", extra_rules=[verbose]) == ("boilerplate", "verbose")
    assert verdict_of("// انتهى //", extra_rules=[twice, verbose]) == ("boilerplate", "wire_end")


# -- furniture glued to the front of a content line ---------------------------

NEWS = "أعلن نادي الهلال التعاقد مع مدافع برازيلي لمدة ثلاثة مواسم في صفقة هي الأغلى في تاريخ النادي"


@pytest.mark.parametrize(
    "prefix, pieces",
    [
        ("عين اليوم – متابعات ", [("عين اليوم – متابعات", "site_credit")]),
        ("Next Previous ", [("Next Previous", "next_previous")]),
        ("Next Previous عين اليوم – الرياض ", [("Next Previous", "next_previous"), ("عين اليوم – الرياض", "site_credit")]),
        # Tatweel and harakat in the credit, non-breaking spaces after it.
        ("عيـن اليومِ - متابعاتٌ\u00a0\u00a0\u00a0", [("عيـن اليومِ - متابعاتٌ", "site_credit")]),
    ],
)
def test_furniture_prefix_becomes_a_boilerplate_paragraph_and_the_news_stays(prefix, pieces):
    line = prefix + NEWS
    text = "\n".join([BODY[0], line, BODY[1]])
    report = dedup([("doc", text)])
    records = list(report)
    assert len(records) == 3 + len(pieces)
    at = len(BODY[0]) + 1
    for record, (piece, rule) in zip(records[1 : 1 + len(pieces)], pieces):
        assert (record.label, record.reason, record.text) == ("boilerplate", rule, piece)
        assert text[record.start : record.end] == piece and record.start >= at
    news = records[1 + len(pieces)]
    assert (news.label, news.text, news.end) == ("unique", NEWS, at + len(line))
    assert [r.index for r in records] == list(range(len(records)))


def test_furniture_prefix_cut_off_lets_the_story_match_its_other_copy():
    report = dedup([("a", NEWS), ("b", "عين اليوم – متابعات " + NEWS)])
    credit, news = list(report)[1:]
    assert (credit.label, credit.reason) == ("boilerplate", "site_credit")
    assert (news.label, news.match, news.duplicate_of.doc_id, news.similarity) == ("duplicate", "exact", "a", 1.0)


def test_furniture_prefix_needs_the_credit_first():
    # A byline before the site name is not cut: prefix rules look at the
    # opening of a line, and "<name> - " opens many news lines.
    line = "أحمد حجازي - عين اليوم " + NEWS
    assert labels([BODY[0], line, BODY[1]]) == [("unique", None)] * 3


def test_furniture_prefix_leaves_short_lines_whole():
    # Fewer than PREFIX_MIN_REST_WORDS words after the credit: one paragraph.
    assert labels([BODY[0], "عين اليوم - جدة (تصوير: محمد)", BODY[1]])[1][0] == "unique"
    assert len(labels([BODY[0], "Next Previous عين اليوم – جدة", BODY[1]])) == 3


def test_split_furniture_spans_and_custom_prefix_rules():
    from tikrar.boilerplate import split_furniture

    text = "Next Previous عين اليوم – متابعات " + NEWS
    assert split_furniture(text, default_rules()) == [
        (0, 13, "next_previous_prefix"), (14, 33, "site_credit_prefix"), (34, len(text), None)
    ]
    assert split_furniture(NEWS, default_rules()) == [(0, len(NEWS), None)]
    rule = Rule("agency_prefix", r"^واس ?-\s*", prefix=True, family="credits")
    assert split_furniture("واس - " + NEWS, [rule]) == [(0, 5, "agency_prefix"), (6, 6 + len(NEWS), None)]
    report = dedup([("d", "واس - " + NEWS)], rules=[rule])
    assert [(r.label, r.reason, r.text) for r in report] == [
        ("boilerplate", "agency_prefix", "واس -"), ("unique", None, NEWS)
    ]
    with pytest.raises(ConfigError):
        Rule("bad", "^x", prefix=True, heading=True)


@pytest.mark.parametrize("joined_scan_from", [0, 10**9])
def test_batch_rules_agree_with_article_by_article_on_tricky_patterns(joined_scan_from, monkeypatch):
    import random

    import tikrar.boilerplate

    monkeypatch.setattr(tikrar.boilerplate, "JOINED_SCAN_MIN_PARAGRAPHS", joined_scan_from)

    from tikrar.boilerplate import find_boilerplate_batch

    rules = default_rules() + [
        Rule("alt_anywhere", "^zzz|صفقه قياسيه", max_words=30),  # the second branch is not anchored
        Rule("inline_flag", "(?i)^BREAKING\\b"),  # not joinable: tried on its own
        Rule("caret_inside", "(?:^خبر عاجل$|تابعوا البث)", max_words=12),
        Rule("ends_line", "انتقالات صيفيه$", max_words=30),
        Rule("lookbehind", "(?<!ال)بث مباشر", max_words=12),  # not line-safe: searched paragraph by paragraph
        Rule("short_line", "^و\x00?س$"),  # shorter than the openings compared first
        Rule("late_word", "^\\S+ \\S+ عاجل"),  # decided after the opening
        Rule("list_heading", "^روابط مفيده$", heading=True),
    ]
    rng = random.Random(3)
    lines = BODY + [
        "وأبرم النادي صفقة قياسية مع لاعب الوسط في ختام فترة الانتقالات الصيفية",
        "breaking news from the capital", "خبر عاجل", "تابعوا البث المباشر", "روابط مفيدة", "بث مباشر للمباراة",
        "ختام فترة انتقالات صيفية", "وس", "و\x00س", "و", "خبر هام عاجل جدا",
        "عنوان قصير", "// انتهى //", "اقرأ أيضاً:", "• عنوان في قائمة", "عين اليوم – متابعات",
    ]
    articles = [[rng.choice(lines) for _ in range(rng.randint(0, 9))] for _ in range(300)]
    texts = [rule_view(line) for article in articles for line in article]
    words = [len(t.split()) for t in texts]
    expected, at = [], 0
    for article in articles:
        expected.extend(find_boilerplate(texts[at : at + len(article)], words[at : at + len(article)], rules))
        at += len(article)
    got = find_boilerplate_batch(texts, words, [len(a) for a in articles], rules)
    assert got == expected
    reasons = {hit.reason for hit in got if hit is not None}
    assert {"alt_anywhere", "inline_flag", "caret_inside", "ends_line", "lookbehind", "short_line", "late_word",
            "after:list_heading", "wire_end"} <= reasons


@pytest.mark.parametrize(
    "pattern, matching",
    [
        ("(?:للتواصل مع (?:الكاتب|الكاتبه)|لمراسله (?:الكاتب|المحرر))", ["ارسل للتواصل مع الكاتبه الان", "لمراسله المحرر"]),
        ("(?:انقر|اضغط) (?:هنا|علي الرابط)\\W*$", ["لقراءه الحوار اضغط علي الرابط", "انقر هنا.."]),
        ("^zzz|صفقه قياسيه", ["zzz", "ابرم صفقه قياسيه"]),
        ("(?:بالرمز|\\b\\d{5,6} ?-? ?(?:stc|mobily)\\b)", ["88591 - stc", "تبدا بالرمز 41"]),
        ("(?:ab)+c|x(?:yz){2,}", ["ababc", "xyzyz"]),
        ("(?<!ال)بث مباشر", ["بث مباشر الان"]),
    ],
)
def test_required_literals_are_in_every_match(pattern, matching):
    import regex

    from tikrar.boilerplate import required_literals

    literals = required_literals(pattern)
    assert literals
    for text in matching:
        assert regex.search(pattern, text) is not None
        assert any(literal in text for literal in literals), (pattern, text, literals)


def test_required_literals_refuse_what_they_cannot_promise():
    from tikrar.boilerplate import required_literals

    for pattern in ["(?i)abc", "\\d+", "a?b?", "(?:ab)*", "x\\p{L}y", "[ab]c|d", "(?=abc)"]:
        assert required_literals(pattern) is None, pattern
