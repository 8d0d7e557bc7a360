"""Boilerplate: phrase rules kept as data, and the structure around headings.

A rule is a regular expression over a paragraph normalized with the ``rules``
preset (letters folded, punctuation kept in ASCII spelling), so one pattern
covers "اقرأ أيضاً:", "إقرأ أيضا:" and "اقرا ايضا". A *heading* rule (such as
"مقالات مشابهة") also marks the short lines and bullets that follow it: the
related-article list under a heading. A rule with ``not_beside`` fires only
when neither neighbouring paragraph matches that second pattern: a lone bullet
line inside the body is a teaser, a run of bullet lines is a list that belongs
to the text.

Boilerplate learned from the corpus (a paragraph repeated in many articles of
one source) lives in :class:`tikrar.Deduplicator`, which sees every batch;
:func:`source_key` is the part of it that is a pure function.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional, Sequence

import regex

from .errors import ConfigError, InputError
from .normalize import RULES, normalize

WHERE = ("anywhere", "start", "end")
#: A paragraph is at the start (end) of an article when it is among the first
#: (last) this many paragraphs.
EDGE_PARAGRAPHS = 3
#: Lines after a heading rule are part of its list while they have at most
#: this many words.
LIST_ITEM_MAX_WORDS = 20
#: A list line that ends like a sentence (full stop, question or exclamation
#: mark) is text, not a headline, when the list runs back into the body.
_SENTENCE_END = regex.compile(r"[.!?]\W*$")
#: Characters that end the source prefix of a doc_id (see :func:`source_key`).
SOURCE_SEPARATORS = ":/"


@dataclass(frozen=True)
class Rule:
    """One phrase rule.

    ``where``: ``anywhere``, ``start`` (among the first
    :data:`EDGE_PARAGRAPHS` paragraphs) or ``end`` (among the last ones).
    ``max_words``: the rule ignores longer paragraphs (words counted after
    normalization), so a dateline that opens a long news paragraph is not
    furniture. ``heading``: the short lines after the paragraph are marked too.
    ``not_beside``: a second pattern; the rule fires only when neither
    neighbouring paragraph matches it. ``family`` groups rules in reports and
    docs.

    >>> Rule("wire_end", r"^// ?انتهي ?//$").matches("// انتهي //")
    True
    """

    name: str
    pattern: str
    where: str = "anywhere"
    max_words: Optional[int] = None
    heading: bool = False
    family: str = "custom"
    not_beside: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ConfigError(f"a rule needs a non-empty name, got {self.name!r}")
        if self.where not in WHERE:
            raise ConfigError(f"rule {self.name!r}: where must be one of {WHERE}, got {self.where!r}")
        if self.max_words is not None and (not isinstance(self.max_words, int) or self.max_words < 1):
            raise ConfigError(f"rule {self.name!r}: max_words must be a positive integer, got {self.max_words!r}")
        if not isinstance(self.heading, bool):
            raise ConfigError(f"rule {self.name!r}: heading must be true or false, got {self.heading!r}")
        for name in ("pattern", "not_beside"):
            value = getattr(self, name)
            if value is None and name == "not_beside":
                continue
            if not isinstance(value, str):
                raise ConfigError(f"rule {self.name!r}: {name} must be a string, got {type(value).__name__}")
            try:
                regex.compile(value)
            except regex.error as err:
                raise ConfigError(f"rule {self.name!r}: {name} {value!r} is not a valid regular expression: {err}") from err

    @cached_property
    def compiled(self) -> regex.Pattern:
        """The compiled ``pattern`` (compiled once per rule)."""
        return regex.compile(self.pattern)

    @cached_property
    def compiled_not_beside(self) -> Optional[regex.Pattern]:
        """The compiled ``not_beside`` pattern, or None."""
        return regex.compile(self.not_beside) if self.not_beside is not None else None

    def matches(self, rule_text: str) -> bool:
        """Whether the pattern is found in a ``rules``-normalized paragraph.

        >>> Rule("tags", "^كلمات دلاليه:").matches(rule_view("كلمات دلالية: طقس"))
        True
        """
        return self.compiled.search(rule_text) is not None

    def to_dict(self) -> dict:
        """The rule as JSON-ready data, in the rules-file format.

        >>> Rule("ad", "^اعلان$").to_dict()["where"]
        'anywhere'
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class BoilerplateHit:
    """Why a paragraph is boilerplate: the rule, and whether the rule fired on
    the paragraph itself (``direct``) or on a heading above it.

    >>> BoilerplateHit("related_heading", direct=False).reason
    'after:related_heading'
    """

    rule: str
    direct: bool

    @property
    def reason(self) -> str:
        return self.rule if self.direct else f"after:{self.rule}"


def _rules_from_data(data: dict, origin: str) -> list[Rule]:
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise InputError(origin, 'a rules file is a JSON object with a "rules" list')
    rules = []
    for k, item in enumerate(data["rules"]):
        if not isinstance(item, dict):
            raise InputError(f"{origin} rule {k}", "each rule is a JSON object")
        try:
            rules.append(Rule(**item))
        except TypeError as err:
            raise InputError(f"{origin} rule {k}", f"unknown or missing field: {err}") from err
        except ConfigError as err:
            raise InputError(f"{origin} rule {k}", str(err)) from err
    return rules


def load_rules(path: str | Path) -> list[Rule]:
    """Read rules from a JSON file (the format of ``tikrar/rules/default.json``).

    >>> import json, tempfile, os
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")
    >>> json.dump({"rules": [{"name": "ad", "pattern": "^اعلان$"}]}, f); f.close()
    >>> [r.name for r in load_rules(f.name)]
    ['ad']
    >>> os.unlink(f.name)
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(str(path), "rules file not found") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(str(path), f"rules file is not valid UTF-8 JSON: {err}") from err
    return _rules_from_data(data, str(path))


def default_rules() -> list[Rule]:
    """The rules shipped with tikrar.

    >>> "read_also" in {r.name for r in default_rules()}
    True
    """
    text = resources.files("tikrar").joinpath("rules/default.json").read_text(encoding="utf-8")
    return _rules_from_data(json.loads(text), "tikrar/rules/default.json")


class _RulePlan:
    """The rules that can apply to a paragraph of a given length, in order.

    Most paragraphs are longer than most rules' ``max_words``; looking the
    candidates up by length keeps the per-paragraph work to the few rules
    that could fire (this loop runs once per paragraph of a corpus).
    """

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules
        self.limits = sorted({r.max_words for r in rules if r.max_words is not None})
        # buckets[k]: rules allowing paragraphs longer than limits[k - 1] words.
        self.buckets = []
        for k in range(len(self.limits) + 1):
            bucket = [
                (rule, rule.compiled.search, rule.where, rule.compiled_not_beside)
                for rule in rules
                if rule.max_words is None or (k < len(self.limits) and rule.max_words >= self.limits[k])
            ]
            # Rules anchored at the start share one search that rejects most
            # paragraphs at once; joining unanchored ones would be slower.
            anchored = [entry for entry in bucket if entry[0].pattern.startswith("^")]
            others = [entry for entry in bucket if not entry[0].pattern.startswith("^")]
            prefilter = _any_of([rule.pattern for rule, *_ in anchored])
            self.buckets.append((prefilter, bucket, others if prefilter is not None else bucket))

    def candidates(self, text: str, words: int) -> list:
        """The rules, in order, that may match ``text`` of ``words`` words."""
        prefilter, every, unanchored = self.buckets[bisect.bisect_left(self.limits, words)]
        if prefilter is None or prefilter.search(text) is not None:
            return every
        return unanchored


# Patterns that cannot be joined into one alternation without changing their
# meaning: inline flags (they would apply to the others) and back-references
# (group numbers shift).
_NOT_JOINABLE = regex.compile(r"\(\?[a-zA-Z-]+[:)]|\\[1-9]|\(\?P=|\\g<")


def _any_of(patterns: list[str]) -> Optional[regex.Pattern]:
    """One regular expression matching wherever any of ``patterns`` does, or
    None when they cannot be joined safely.

    >>> _any_of(["^a$", "^b"]).search("b c") is not None
    True
    """
    if not patterns or any(_NOT_JOINABLE.search(p) for p in patterns):
        return None
    try:
        return regex.compile("|".join(f"(?:{p})" for p in patterns))
    except regex.error:
        return None


_PLANS: dict[int, _RulePlan] = {}


def _plan(rules: Iterable[Rule]) -> _RulePlan:
    # Tuples (what DedupConfig holds) are immutable, so their plan is kept;
    # the tuple itself is stored in the plan, so its id cannot be reused.
    if isinstance(rules, tuple):
        plan = _PLANS.get(id(rules))
        if plan is not None and plan.rules is rules:
            return plan
        if len(_PLANS) > 64:
            _PLANS.clear()
        plan = _PLANS[id(rules)] = _RulePlan(rules)
        return plan
    return _RulePlan(tuple(rules))


def find_boilerplate(
    rule_texts: Sequence[str], word_counts: Sequence[int], rules: Iterable[Rule]
) -> list[Optional[BoilerplateHit]]:
    """Boilerplate hits for the paragraphs of one article.

    ``rule_texts`` are the paragraphs normalized with the ``rules`` preset,
    ``word_counts`` their lengths in words. The first rule that matches a
    paragraph names it. A rule with ``not_beside`` fires only when neither
    neighbour matches that pattern, except in the list under a heading (a
    bulleted list of headlines there is furniture line by line).

    After a heading rule, the following paragraphs of at most
    :data:`LIST_ITEM_MAX_WORDS` words form its list. A list that runs to the
    end of the article, or into more furniture, is marked whole. A list that
    runs back into the body (a longer paragraph follows) is marked only up to
    its first line that ends like a sentence: a teaser headline under "اقرأ
    أيضاً" inside the text is furniture, the short paragraphs after it are not.

    >>> texts = [normalize(t, RULES) for t in ["خبر طويل", "مقالات مشابهة", "عنوان اول", "عنوان ثان"]]
    >>> [h and h.reason for h in find_boilerplate(texts, [2, 2, 2, 2], default_rules())]
    [None, 'related_heading', 'after:related_heading', 'after:related_heading']
    """
    plan = _plan(rules)
    count = len(rule_texts)
    if len(word_counts) != count:
        raise ValueError(f"{count} paragraphs but {len(word_counts)} word counts")
    direct: list[Optional[Rule]] = [None] * count
    under_heading = False
    first_end = count - EDGE_PARAGRAPHS
    for index, (text, words) in enumerate(zip(rule_texts, word_counts)):
        for rule, search, where, beside in plan.candidates(text, words):
            if where != "anywhere" and (index >= EDGE_PARAGRAPHS if where == "start" else index < first_end):
                continue
            if search(text) is None:
                continue
            if (
                beside is not None
                and not under_heading
                and any(0 <= k < count and beside.search(rule_texts[k]) is not None for k in (index - 1, index + 1))
            ):
                continue
            direct[index] = rule
            break
        if direct[index] is not None:
            under_heading = under_heading or direct[index].heading
        elif words > LIST_ITEM_MAX_WORDS:
            under_heading = False

    hits: list[Optional[BoilerplateHit]] = [
        BoilerplateHit(rule.name, True) if rule is not None else None for rule in direct
    ]
    heading: Optional[str] = None
    pending: list[int] = []  # short lines under the current heading, not yet marked

    def mark(indexes: Iterable[int]) -> None:
        for k in indexes:
            hits[k] = BoilerplateHit(heading, False)  # type: ignore[arg-type]

    for index, rule in enumerate(direct):
        if rule is not None:
            if heading is not None:
                mark(pending)  # the list ran into more furniture
            pending = []
            if rule.heading:
                heading = rule.name
        elif heading is not None and word_counts[index] <= LIST_ITEM_MAX_WORDS:
            pending.append(index)
        elif heading is not None:
            # The list ran back into the body: keep only its headline-like head.
            head = []
            for k in pending:
                if _SENTENCE_END.search(rule_texts[k]):
                    break
                head.append(k)
            mark(head)
            heading, pending = None, []
    if heading is not None:
        mark(pending)
    return hits


def source_key(source: Optional[str], doc_id: str, separators: str = SOURCE_SEPARATORS) -> Optional[str]:
    """The source a paragraph counts under for corpus-learned boilerplate.

    The article's own ``source`` when it has one; otherwise the part of its
    ``doc_id`` before the first of ``separators`` (``"sabq:123"`` and
    ``"sabq/123"`` count under ``sabq``); otherwise ``None``, meaning the
    whole corpus is one source.

    >>> source_key("okaz", "2015-07-21:4"), source_key(None, "sabq/17"), source_key(None, "017")
    ('okaz', 'sabq', None)
    """
    if source:
        return source
    cut = min((i for i in (doc_id.find(c) for c in separators) if i > 0), default=-1)
    return doc_id[:cut] if cut > 0 else None


def rule_view(text: str) -> str:
    """A paragraph as rules see it (the ``rules`` normalization preset).

    >>> rule_view("إقرأ أيضاً:")
    'اقرا ايضا:'
    """
    return normalize(text, RULES)
