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
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np
import regex

from .errors import ConfigError, InputError
from .normalize import RULES, normalize, normalize_with_offsets
from .segment import _EDGE as _SEGMENT_EDGE

__all__ = [
    "Rule", "BoilerplateHit", "load_rules", "default_rules", "required_literals", "find_boilerplate",
    "find_boilerplate_batch", "may_match", "furniture_candidates", "split_furniture", "source_key",
    "rule_view", "WHERE", "EDGE_PARAGRAPHS", "LIST_ITEM_MAX_WORDS", "SOURCE_SEPARATORS",
    "JOINED_SCAN_MIN_PARAGRAPHS", "OPENING_CHARS", "PREFIX_MIN_REST_WORDS",
]

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
    docs. ``prefix``: the rule names furniture glued to the front of a longer
    paragraph ("Next Previous عين اليوم - متابعات أعلن ..."): where the
    pattern matches at the start and at least :data:`PREFIX_MIN_REST_WORDS`
    words follow, the match is cut off as a paragraph of its own, labelled
    boilerplate by this rule, and the rest is labelled on its own (see
    :func:`split_furniture`). A prefix rule never labels a whole paragraph;
    end its pattern with ``\\b`` so that it cuts between words.

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
    prefix: bool = False

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ConfigError(f"a rule needs a non-empty name, got {self.name!r}")
        if self.where not in WHERE:
            raise ConfigError(f"rule {self.name!r}: where must be one of {WHERE}, got {self.where!r}")
        if self.max_words is not None and (not isinstance(self.max_words, int) or self.max_words < 1):
            raise ConfigError(f"rule {self.name!r}: max_words must be a positive integer, got {self.max_words!r}")
        for flag in ("heading", "prefix"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"rule {self.name!r}: {flag} must be true or false, got {getattr(self, flag)!r}")
        if self.prefix and (self.heading or self.not_beside is not None):
            raise ConfigError(f"rule {self.name!r}: a prefix rule cannot be a heading or have not_beside")
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
        self.prefix_rules = tuple(r for r in rules if r.prefix)
        self.prefix_any = _any_of([r.pattern for r in self.prefix_rules])
        self.prefix_by_name = {r.name: r for r in self.prefix_rules}
        rules = tuple(r for r in rules if not r.prefix)
        self.limits = sorted({r.max_words for r in rules if r.max_words is not None})
        # any_rule[k]: one pattern matching (at the start) wherever a rule of
        # bucket k anchored at the start could match (None: no such rule;
        # False: the patterns cannot be joined). The prefix rules stay out:
        # they open with any word, so with them in, no paragraph's opening
        # could rule the joined pattern out.
        self.any_rule: list = []
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
            anchored = [entry for entry in bucket if _anchored(entry[0].pattern)]
            others = [entry for entry in bucket if not _anchored(entry[0].pattern)]
            prefilter = _any_of([rule.pattern for rule, *_ in anchored])
            self.buckets.append((prefilter, bucket, others if prefilter is not None else bucket))
            starts = [rule.pattern for rule, *_ in anchored]
            joined = _any_of(starts)
            self.any_rule.append(joined if joined is not None or not starts else False)
        # Unanchored rules are searched one by one (joined, the engine would
        # try every alternative at every position), each over the paragraphs
        # short enough for it.
        # Each with the pattern compiled for one scan of many paragraphs
        # joined by newlines (None where a construct could behave differently
        # there) and strings one of which every match contains (None: unknown).
        self.unanchored = [
            (rule.compiled.search, rule.max_words, _line_scanner(rule.pattern), required_literals(rule.pattern))
            for rule in rules if not _anchored(rule.pattern)
        ]

    def candidates(self, text: str, words: int) -> list:
        """The rules, in order, that may match ``text`` of ``words`` words."""
        prefilter, every, unanchored = self.buckets[bisect.bisect_left(self.limits, words)]
        if prefilter is None or prefilter.search(text) is not None:
            return every
        return unanchored


#: From this many paragraphs on, the rules not anchored at the start are
#: searched once over the joined paragraphs (see :func:`may_match`).
JOINED_SCAN_MIN_PARAGRAPHS = 20_000
# Constructs that could find no match at a place in a line of newline-joined
# paragraphs where the paragraph alone has one: lookarounds (they would see
# the neighbouring lines), absolute anchors, atomic groups and possessive
# quantifiers (they would not give back a swallowed newline), fuzzy matching,
# inline flags.
_NOT_LINE_SAFE = regex.compile(r"\(\?<?[=!]|\\[AZzGK]|\(\?>|[*+?}]\+|\{e|\(\?[a-zA-Z^-]")


@lru_cache(maxsize=4096)
def _line_scanner(pattern: str) -> Optional[regex.Pattern]:
    """``pattern`` compiled for one scan of many paragraphs joined by
    newlines, finding a match start wherever a paragraph alone has one (and
    perhaps more), or None when that cannot be promised.

    >>> _line_scanner("(?:^a$|b)").search("x\\na") is not None, _line_scanner("(?<!x)a")
    (True, None)
    """
    if _NOT_LINE_SAFE.search(pattern):
        return None
    try:
        return regex.compile(pattern, regex.MULTILINE)
    except regex.error:
        return None


def _joined_lines(texts: list[str]) -> tuple[str, np.ndarray]:
    """The texts joined by newlines, and where each one starts there."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    line_starts = np.zeros(len(texts), dtype=np.int64)
    if len(texts):
        np.cumsum(lengths[:-1] + 1, out=line_starts[1:])
    return "\n".join(texts), line_starts


def _lines_at(line_starts: np.ndarray, positions) -> np.ndarray:
    """The line (text) holding each position of the joined text."""
    return np.searchsorted(line_starts, np.asarray(positions, dtype=np.int64), side="right") - 1


def _scanned(scanner: regex.Pattern, texts: list[str]) -> np.ndarray:
    """Positions of the texts where ``scanner`` (see :func:`_line_scanner`)
    may match: one search over the texts joined by newlines, every match
    start (overlapping ones too) mapped back to its text. A superset of the
    text-by-text answer, since a match found in one text starts at the same
    place in the joined text."""
    joined, line_starts = _joined_lines(texts)
    return np.unique(_lines_at(line_starts, [m.start() for m in scanner.finditer(joined, overlapped=True)]))


def _containing(literals: frozenset, texts: list[str]) -> np.ndarray:
    """Positions of the texts that contain one of ``literals``, found by
    substring search over the texts joined by newlines."""
    joined, line_starts = _joined_lines(texts)
    hits: list[int] = []
    find = joined.find
    for literal in literals:
        at = find(literal)
        while at >= 0:
            hits.append(at)
            # Past the rest of this line: one hit per line is enough.
            line = int(_lines_at(line_starts, at))
            following = int(line_starts[line + 1]) if line + 1 < len(texts) else len(joined)
            at = find(literal, max(at + 1, following))
    return np.unique(_lines_at(line_starts, hits))


def _mark_matches(maybe: np.ndarray, rows: np.ndarray, test, rule_texts: Sequence[str]) -> None:
    """Set ``maybe`` where ``test`` (a compiled pattern's match or search)
    finds something in the paragraph, among ``rows``."""
    found = map(test, [rule_texts[k] for k in rows.tolist()])
    maybe[rows[np.fromiter((m is not None for m in found), dtype=bool, count=len(rows))]] = True


@lru_cache(maxsize=4096)
def required_literals(pattern: str) -> Optional[frozenset]:
    """Strings one of which is part of every match of ``pattern``, or None
    when none can be named (case-insensitive patterns, lookarounds only,
    syntax the standard parser does not read). Used to skip the paragraphs
    where a rule cannot match.

    >>> sorted(required_literals("(?:للتواصل|لمراسله) مع (?:الكاتب|المحرر)"))
    [' مع ال']
    >>> sorted(required_literals("(?:انقر|اضغط) هنا|زر الموقع"))
    [' هنا', 'زر الموقع']
    >>> required_literals(r"^\\d+ [a-z]+$") is None
    True
    """
    try:
        from re import _parser as sre_parse  # the standard library's own parser
        import re as _re

        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    if parsed.state.flags & _re.IGNORECASE:
        return None
    found = _sequence_literals(list(parsed), sre_parse)
    return frozenset(found) if found else None


def _sequence_literals(items: list, sre_parse) -> Optional[set]:
    """The best requirement of a parsed sequence: a run of literal characters,
    or the requirement of one of its parts, whichever has the longest
    shortest string (at least 2 characters)."""
    constants = sre_parse
    options: list[set] = []
    run: list[str] = []
    for op, value in items + [(None, None)]:
        if op is constants.LITERAL:
            run.append(chr(value))
            continue
        if len(run) >= 2:
            options.append({"".join(run)})
        run = []
        inner: Optional[set] = None
        if op is constants.SUBPATTERN:
            group, add_flags, del_flags, sub = value
            if not add_flags & 2:  # re.IGNORECASE
                inner = _sequence_literals(list(sub), sre_parse)
        elif op is constants.BRANCH:
            union: Optional[set] = set()
            for branch in value[1]:
                need = _sequence_literals(list(branch), sre_parse)
                if need is None:
                    union = None
                    break
                union |= need
            inner = union
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, getattr(constants, "POSSESSIVE_REPEAT", None)):
            low, _, sub = value
            if low >= 1:
                inner = _sequence_literals(list(sub), sre_parse)
        elif op is getattr(constants, "ATOMIC_GROUP", None):
            inner = _sequence_literals(list(value), sre_parse)
        if inner:
            options.append(inner)
    options = [option for option in options if min(map(len, option)) >= 2]
    if not options:
        return None
    return max(options, key=lambda option: (min(map(len, option)), -len(option)))


@lru_cache(maxsize=4096)
def _anchored(pattern: str) -> bool:
    """Whether ``pattern`` can only match at the start of a text: it starts
    with ``^`` and has no ``|`` outside groups ("^a|b" finds "b" anywhere).

    >>> _anchored("^a(?:b|c)"), _anchored("^a|b"), _anchored("^[|]"), _anchored(r"^a\\|b")
    (True, False, True, True)
    """
    if not pattern.startswith("^"):
        return False
    depth, k, in_class = 0, 1, False
    while k < len(pattern):
        c = pattern[k]
        if c == "\\":
            k += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            # A "]" (or "^]") right after "[" is a literal member.
            if pattern.startswith("^]", k + 1):
                k += 2
            elif pattern.startswith("]", k + 1):
                k += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        k += 1
    return True


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
    rule_texts: Sequence[str],
    word_counts: Sequence[int],
    rules: Iterable[Rule],
    furniture: Optional[Sequence[Optional[str]]] = None,
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

    ``furniture`` names, for paragraphs that :func:`split_furniture` cut off
    the front of a line, the prefix rule that cut them (None for the
    others): such a paragraph is a direct hit of that rule unless an ordinary
    rule matches it first.

    >>> texts = [normalize(t, RULES) for t in ["خبر طويل", "مقالات مشابهة", "عنوان اول", "عنوان ثان"]]
    >>> [h and h.reason for h in find_boilerplate(texts, [2, 2, 2, 2], default_rules())]
    [None, 'related_heading', 'after:related_heading', 'after:related_heading']
    """
    count = len(rule_texts)
    if len(word_counts) != count:
        raise ValueError(f"{count} paragraphs but {len(word_counts)} word counts")
    if furniture is not None and len(furniture) != count:
        raise ValueError(f"{count} paragraphs but {len(furniture)} furniture entries")
    return _article_hits(rule_texts, word_counts, _plan(rules), None, furniture)


def find_boilerplate_batch(
    rule_texts: Sequence[str],
    word_counts: Sequence[int],
    article_sizes: Sequence[int],
    rules: Iterable[Rule],
    furniture: Optional[Sequence[Optional[str]]] = None,
    maybe: Optional[np.ndarray] = None,
) -> list[Optional[BoilerplateHit]]:
    """:func:`find_boilerplate` of many articles at once: the paragraphs of
    article ``a`` are the next ``article_sizes[a]`` entries (``furniture``
    runs over the whole batch).

    Equal to calling :func:`find_boilerplate` article by article, several
    times faster: :func:`may_match` picks the few paragraphs any rule could
    match, and only the articles holding them are looked at closely.
    ``maybe``: that selection when it is already known (any superset of it
    gives the same hits).

    >>> texts = [normalize(t, RULES) for t in ["خبر طويل", "// انتهى //", "نص", "اقرأ أيضا"]]
    >>> [h and h.reason for h in find_boilerplate_batch(texts, [2, 2, 1, 2], [2, 2], default_rules())]
    [None, 'wire_end', None, 'read_also_heading']
    """
    plan = _plan(rules)
    count = len(rule_texts)
    words = np.asarray(word_counts, dtype=np.int64)
    sizes = np.asarray(article_sizes, dtype=np.int64)
    if len(words) != count or int(sizes.sum()) != count:
        raise ValueError(f"{count} paragraphs, {len(words)} word counts, {int(sizes.sum())} in articles")
    hits: list[Optional[BoilerplateHit]] = [None] * count
    if count == 0:
        return hits
    if maybe is None:
        maybe = may_match(rule_texts, words, rules)
    elif len(maybe) != count:
        raise ValueError(f"{count} paragraphs but {len(maybe)} entries in maybe")
    maybe = np.array(maybe, dtype=bool)
    if furniture is not None:
        if len(furniture) != count:
            raise ValueError(f"{count} paragraphs but {len(furniture)} furniture entries")
        maybe[[k for k, name in enumerate(furniture) if name is not None]] = True
    if not maybe.any():
        return hits
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    article_of = np.repeat(np.arange(len(sizes)), sizes)
    word_list = words.tolist()
    for article in np.unique(article_of[maybe]).tolist():
        lo, hi = int(bounds[article]), int(bounds[article + 1])
        found = _article_hits(rule_texts[lo:hi], word_list[lo:hi], plan, maybe[lo:hi].tolist(),
                              furniture[lo:hi] if furniture is not None else None)
        hits[lo:hi] = found
    return hits


def may_match(rule_texts: Sequence[str], word_counts: Sequence[int], rules: Iterable[Rule]) -> np.ndarray:
    """Which paragraphs a phrase rule or a prefix rule may match: a mask
    holding every paragraph one of them does match (and a few more). One
    pass over the batch: the rules anchored at the start that can apply to a
    paragraph's length are tried together, on the paragraphs whose first
    characters could open a match; the prefix rules together, in one match
    per paragraph not marked yet; the others are searched over all
    paragraphs joined by newlines when the batch is large.

    >>> may_match([rule_view("// انتهى //"), rule_view("خبر عن الطقس")], [2, 3], default_rules()).tolist()
    [True, False]
    """
    plan = _plan(rules)
    count = len(rule_texts)
    words = np.asarray(word_counts, dtype=np.int64)
    if len(words) != count:
        raise ValueError(f"{count} paragraphs but {len(words)} word counts")
    maybe = np.zeros(count, dtype=bool)
    if count == 0:
        return maybe
    joined_scan = count >= JOINED_SCAN_MIN_PARAGRAPHS
    for search, max_words, scanner, literals in plan.unanchored:
        rows = np.flatnonzero(words <= max_words) if max_words is not None else np.arange(count)
        if len(rows) == 0:
            continue
        if joined_scan and literals is not None:
            # Over many paragraphs, a rule whose matches must contain one of
            # a few strings is searched only where one occurs (plain
            # substring search over the joined paragraphs).
            rows = rows[_containing(literals, [rule_texts[k] for k in rows.tolist()])]
        elif joined_scan and scanner is not None:
            # Another is searched once over the joined paragraphs when that
            # finds the same ones.
            maybe[rows[_scanned(scanner, [rule_texts[k] for k in rows.tolist()])]] = True
            continue
        _mark_matches(maybe, rows, search, rule_texts)
    bucket_of = np.searchsorted(np.asarray(plan.limits, dtype=np.int64), words, side="left")
    openings = _openings(rule_texts)
    for bucket, joined in enumerate(plan.any_rule):
        if joined is None:
            continue
        rows = np.flatnonzero(bucket_of == bucket)
        if len(rows) == 0:
            continue
        if joined is False:
            maybe[rows] = True
            continue
        # Paragraphs sharing their first characters share the answer to
        # "could a match start like this?" (a partial match of the opening):
        # asked once per distinct opening, it spares most paragraphs the
        # full match.
        distinct, first, group = np.unique(openings[rows], return_index=True, return_inverse=True)
        possible = np.fromiter(
            (joined.match(rule_texts[k][:OPENING_CHARS], partial=True) is not None for k in rows[first].tolist()),
            dtype=bool, count=len(distinct),
        )
        _mark_matches(maybe, rows[possible[group.ravel()]], joined.match, rule_texts)
    if plan.prefix_rules:
        # Prefix rules apply at any length; one match per paragraph not
        # marked yet.
        rows = np.flatnonzero(~maybe)
        if plan.prefix_any is None:
            maybe[rows] = True
        else:
            _mark_matches(maybe, rows, plan.prefix_any.match, rule_texts)
    return maybe


#: Characters of a paragraph's opening (see :func:`may_match`).
OPENING_CHARS = 3
_NO_CHARACTER = 0x1FFFFF  # above every code point: the text is shorter


def _openings(texts: Sequence[str]) -> np.ndarray:
    """Each text's first :data:`OPENING_CHARS` characters packed into one
    integer (equal integers, equal openings; a shorter text is padded with
    a value no character has)."""
    heads = np.array([t[:OPENING_CHARS] for t in texts], dtype=f"<U{OPENING_CHARS}")
    points = heads.view(np.uint32).reshape(len(texts), OPENING_CHARS).astype(np.uint64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    packed = np.zeros(len(texts), dtype=np.uint64)
    for position in range(OPENING_CHARS):
        column = np.where(lengths > position, points[:, position], np.uint64(_NO_CHARACTER))
        packed = (packed << np.uint64(21)) | column
    return packed


def _article_hits(
    rule_texts: Sequence[str],
    word_counts: Sequence[int],
    plan: "_RulePlan",
    maybe: Optional[list[bool]],
    furniture: Optional[Sequence[Optional[str]]] = None,
) -> list[Optional[BoilerplateHit]]:
    """The hits of one article; rules are tried only where ``maybe`` is true
    (every paragraph when it is None)."""
    count = len(rule_texts)
    direct: list[Optional[Rule]] = [None] * count
    under_heading = False
    first_end = count - EDGE_PARAGRAPHS
    for index, (text, words) in enumerate(zip(rule_texts, word_counts)):
        if maybe is not None and not maybe[index]:
            if words > LIST_ITEM_MAX_WORDS:
                under_heading = False
            continue
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
        if direct[index] is None and furniture is not None and furniture[index] is not None:
            direct[index] = plan.prefix_by_name[furniture[index]]
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


#: A prefix rule cuts a paragraph only when at least this many words follow
#: its match; a shorter line is left whole to the ordinary rules (a credit
#: such as "عين اليوم - مكة المكرمة / المدينة المنورة" is furniture whole).
PREFIX_MIN_REST_WORDS = 5
_TRAILING_EDGE = regex.compile(f"[{_SEGMENT_EDGE}]+$")


def furniture_candidates(rule_texts: Sequence[str], rules: Iterable[Rule], among: Optional[np.ndarray] = None) -> list[int]:
    """Positions of the paragraphs (by their ``rules`` view) that a prefix
    rule may cut: those :func:`split_furniture` must look at. ``among``: a
    mask to look in, such as :func:`may_match` gives (it holds them all).

    >>> furniture_candidates([rule_view("Next Previous خبر"), rule_view("خبر")], default_rules())
    [0]
    """
    plan = _plan(rules)
    if not plan.prefix_rules:
        return []
    rows = range(len(rule_texts)) if among is None else np.flatnonzero(among).tolist()
    if plan.prefix_any is None:
        return list(rows)
    match = plan.prefix_any.match
    return [k for k in rows if match(rule_texts[k]) is not None]


def split_furniture(text: str, rules: Iterable[Rule]) -> list[tuple[int, int, Optional[str]]]:
    """Cut furniture glued to the front of a paragraph into pieces of its own.

    Returns ``(start, end, rule)`` spans in ``text``: each furniture prefix
    with the name of the prefix rule that matched it, then the rest with
    None. The rest is tried again, so a navigation prefix and a credit after
    it become two pieces. A prefix is cut only when at least
    :data:`PREFIX_MIN_REST_WORDS` words follow it; a paragraph no prefix rule
    cuts is one piece. Pieces hold no white space or invisible characters at
    their edges, like paragraphs.

    >>> text = "Next Previous عين اليوم – متابعات أعلن النادي ضم لاعب جديد"
    >>> [(text[s:e], rule) for s, e, rule in split_furniture(text, default_rules())]
    [('Next Previous', 'next_previous_prefix'), ('عين اليوم – متابعات', 'site_credit_prefix'), ('أعلن النادي ضم لاعب جديد', None)]
    """
    plan = _plan(rules)
    pieces: list[tuple[int, int, Optional[str]]] = []
    offset, rest = 0, text
    while plan.prefix_rules:
        view, sources = normalize_with_offsets(rest, RULES)
        for rule in plan.prefix_rules:
            found = rule.compiled.match(view)
            if found is not None and found.end() > 0:
                break
        else:
            break
        after = found.end()
        while after < len(view) and view[after] == " ":
            after += 1
        if after >= len(view) or view.count(" ", after) + 1 < PREFIX_MIN_REST_WORDS:
            break
        cut = int(sources[after])
        head = _TRAILING_EDGE.sub("", rest[:cut])
        if not head:
            break
        pieces.append((offset, offset + len(head), rule.name))
        offset, rest = offset + cut, rest[cut:]
    pieces.append((offset, offset + len(rest), None))
    return pieces


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
