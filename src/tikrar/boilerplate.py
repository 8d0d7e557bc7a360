"""Boilerplate: phrase rules kept as data, and the structure around headings.

A rule is a regular expression over a paragraph normalized with the ``rules``
preset (letters folded, punctuation kept in ASCII spelling), so one pattern
covers "اقرأ أيضاً:", "إقرأ أيضا:" and "اقرا ايضا". A *heading* rule (such as
"مقالات مشابهة") also marks the short lines and bullets that follow it: the
related-article list under a heading.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Rule:
    """One phrase rule.

    >>> Rule("wire_end", r"^// ?انتهي ?//$").matches("// انتهي //")
    True
    """

    name: str
    pattern: str
    where: str = "anywhere"
    max_words: Optional[int] = None
    heading: bool = False
    family: str = "custom"

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ConfigError(f"a rule needs a non-empty name, got {self.name!r}")
        if self.where not in WHERE:
            raise ConfigError(f"rule {self.name!r}: where must be one of {WHERE}, got {self.where!r}")
        if self.max_words is not None and (not isinstance(self.max_words, int) or self.max_words < 1):
            raise ConfigError(f"rule {self.name!r}: max_words must be a positive integer, got {self.max_words!r}")
        try:
            self.compiled
        except regex.error as err:
            raise ConfigError(f"rule {self.name!r}: pattern {self.pattern!r} is not a valid regular expression: {err}") from err

    @cached_property
    def compiled(self) -> regex.Pattern:
        return regex.compile(self.pattern)

    def matches(self, rule_text: str) -> bool:
        """Whether the pattern is found in a ``rules``-normalized paragraph."""
        return self.compiled.search(rule_text) is not None

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class BoilerplateHit:
    """Why a paragraph is boilerplate: the rule, and whether the rule fired on
    the paragraph itself (``direct``) or on a heading above it."""

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


def _in_place(rule: Rule, index: int, count: int) -> bool:
    if rule.where == "start":
        return index < EDGE_PARAGRAPHS
    if rule.where == "end":
        return index >= count - EDGE_PARAGRAPHS
    return True


def find_boilerplate(
    rule_texts: Sequence[str], word_counts: Sequence[int], rules: Iterable[Rule]
) -> list[Optional[BoilerplateHit]]:
    """Boilerplate hits for the paragraphs of one article.

    ``rule_texts`` are the paragraphs normalized with the ``rules`` preset,
    ``word_counts`` their lengths in words. The first rule that matches a
    paragraph names it. After a heading rule, the following paragraphs of at
    most :data:`LIST_ITEM_MAX_WORDS` words are marked too, until a longer one.

    >>> texts = [normalize(t, RULES) for t in ["خبر طويل", "مقالات مشابهة", "عنوان اول", "عنوان ثان"]]
    >>> [h and h.reason for h in find_boilerplate(texts, [2, 2, 2, 2], default_rules())]
    [None, 'related_heading', 'after:related_heading', 'after:related_heading']
    """
    rules = list(rules)
    count = len(rule_texts)
    hits: list[Optional[BoilerplateHit]] = [None] * count
    heading: Optional[str] = None
    for index, (text, words) in enumerate(zip(rule_texts, word_counts)):
        for rule in rules:
            if rule.max_words is not None and words > rule.max_words:
                continue
            if _in_place(rule, index, count) and rule.matches(text):
                hits[index] = BoilerplateHit(rule.name, True)
                heading = rule.name if rule.heading else heading
                break
        else:
            if heading is not None and words <= LIST_ITEM_MAX_WORDS:
                hits[index] = BoilerplateHit(heading, False)
            else:
                heading = None
    return hits


def rule_view(text: str) -> str:
    """A paragraph as rules see it (the ``rules`` normalization preset).

    >>> rule_view("إقرأ أيضاً:")
    'اقرا ايضا:'
    """
    return normalize(text, RULES)
