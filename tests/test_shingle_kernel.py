"""The compiled shingle kernel gives exactly the hashes of the plain path.

Every shingle's hash is zlib's CRC-32 of its UTF-8 bytes. The kernel gets
there by combining CRCs of words (and by a bucket sort), so these tests
compare it with ``zlib.crc32`` shingle by shingle on texts chosen to reach
its edge cases: empty paragraphs and words, paragraphs of at most ``size``
units, words longer than the CRC shift table, repeated shingles, and 2-, 3-
and 4-byte UTF-8 characters. All texts are synthetic.
"""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tikrar import _kernels
from tikrar.config import ShingleConfig
from tikrar.shingle import encode_batch, shingle_sets, shingle_sets_reference

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويأإآةىؤئء"
CHARACTERS = ARABIC + "abcxyz" + "é" + "€中" + "😀𝔸" + "\u064e\u0651"
SIZES = [1, 2, 3, 4, 5]
CONFIGS = [ShingleConfig(kind, size) for kind in ("word", "char") for size in SIZES]
TABLE_ROWS = _kernels.CRC_TABLE.shape[0]

HAND_WRITTEN = [
    "",
    " ",
    "  ",
    "كلمة",
    "a",
    "😀",
    "الأولى الثانية",
    "الأولى الثانية الثالثة",
    "واحد اثنان ثلاثة أربعة",
    "واحد اثنان ثلاثة أربعة خمسة",
    "واحد اثنان ثلاثة أربعة خمسة ستة",
    "نفس نفس نفس نفس نفس نفس نفس نفس",
    "أ ب أ ب أ ب أ ب أ ب",
    " بداية بمسافة",
    "نهاية بمسافة ",
    "مسافتان  في الوسط  هنا",
    "mixed نص عربي and Latin words ثم 😀 و€ و中",
    "ش" * (TABLE_ROWS + 1) + " قصيرة " + "x" * (3 * TABLE_ROWS + 5) + " ب",
    " ".join(["طويلة" * 30] * 6),
    " ".join("😀" * n for n in range(1, 12)),
    "x" * (TABLE_ROWS - 1) + " " + "y" * TABLE_ROWS + " " + "z" * (TABLE_ROWS + 1) + " w",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
]


def zlib_sets(texts: list[str], config: ShingleConfig) -> tuple[np.ndarray, np.ndarray]:
    """The shingle sets straight from ``str.split`` and ``zlib.crc32``,
    independent of the package's own shingling."""
    sets = []
    for text in texts:
        if not text:
            sets.append([])
            continue
        units = text.split(" ") if config.kind == "word" else list(text)
        joiner = " " if config.kind == "word" else ""
        if len(units) <= config.size:
            pieces = [text]
        else:
            pieces = [joiner.join(units[i : i + config.size]) for i in range(len(units) - config.size + 1)]
        sets.append(sorted({zlib.crc32(piece.encode("utf-8")) for piece in pieces}))
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    hashes = np.array([h for s in sets for h in s], dtype=np.uint32)
    return hashes, offsets


def assert_same_sets(texts: list[str], config: ShingleConfig) -> None:
    hashes, offsets = shingle_sets(texts, config)
    expected_hashes, expected_offsets = zlib_sets(texts, config)
    assert offsets.tolist() == expected_offsets.tolist()
    assert hashes.dtype == np.uint32
    assert hashes.tolist() == expected_hashes.tolist()
    reference_hashes, reference_offsets = shingle_sets_reference(texts, config)
    assert offsets.tolist() == reference_offsets.tolist()
    assert hashes.tolist() == reference_hashes.tolist()


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.kind}{c.size}")
def test_hand_written_texts(config):
    assert_same_sets(HAND_WRITTEN, config)


@pytest.mark.parametrize("size", [8, 32])
def test_large_word_sizes(size):
    texts = [" ".join(f"كلمة{i % 7}" for i in range(n)) for n in (0, 1, size - 1, size, size + 1, 3 * size)]
    assert_same_sets(texts, ShingleConfig("word", size))


def test_sets_that_need_a_large_sort():
    """Paragraphs of thousands of shingles, with and without repeats, go
    through the bucket sort rather than the insertion sort."""
    rng = random.Random(7)
    vocabulary = ["".join(rng.choice(ARABIC) for _ in range(rng.randint(1, 9))) for _ in range(40)]
    texts = [
        " ".join(rng.choice(vocabulary) for _ in range(3000)),
        " ".join(f"w{i}" for i in range(5000)),
        " ".join(["تكرار"] * 2000),
    ]
    for config in (ShingleConfig("word", 3), ShingleConfig("char", 4)):
        assert_same_sets(texts, config)


def test_subset_of_paragraphs_in_any_order():
    """Callers pass the spans of some rows only, not one contiguous run."""
    texts = HAND_WRITTEN + ["ثم نص آخر هنا وهناك"] * 3
    data, offsets = encode_batch(texts)
    rows = np.array([20, 3, 0, 17, 9, 9, len(texts) - 1], dtype=np.int64)
    for config in CONFIGS:
        hashes, set_offsets = _kernels.shingle_hash_sets(
            data, offsets[rows], offsets[rows + 1], config.kind == "word", config.size, _kernels.CRC_TABLE
        )
        expected_hashes, expected_offsets = zlib_sets([texts[r] for r in rows], config)
        assert set_offsets.tolist() == expected_offsets.tolist()
        assert hashes.tolist() == expected_hashes.tolist()


def test_a_table_of_eight_rows_gives_the_same_hashes():
    """With fewer shift rows every word is 'long': the fallback paths run."""
    data, offsets = encode_batch(HAND_WRITTEN)
    for config in CONFIGS:
        args = (data, offsets[:-1], offsets[1:], config.kind == "word", config.size)
        full = _kernels.shingle_hash_sets(*args, _kernels.CRC_TABLE)
        short = _kernels.shingle_hash_sets(*args, np.ascontiguousarray(_kernels.CRC_TABLE[:8]))
        assert full[0].tolist() == short[0].tolist()
        assert full[1].tolist() == short[1].tolist()


@pytest.mark.parametrize("length", [0, 1, 3, 4, 7, 8, 9, 63, 64, 65, 200])
def test_crc32_and_crc_shift_match_zlib(length):
    rng = random.Random(length)
    raw = bytes(rng.randrange(256) for _ in range(length + 10))
    data = np.frombuffer(raw, dtype=np.uint8)
    assert _kernels.crc32(data, 5, 5 + length, _kernels.CRC_TABLE) == zlib.crc32(raw[5 : 5 + length])
    head, tail = raw[:10], raw[10:]
    combined = _kernels.crc_shift(zlib.crc32(head), len(tail), _kernels.CRC_TABLE) ^ zlib.crc32(tail)
    assert combined == zlib.crc32(raw)


def test_crc_table_is_small():
    assert _kernels.CRC_TABLE.nbytes < 1 << 20


WORD = st.text(alphabet=st.sampled_from(CHARACTERS), min_size=0, max_size=6) | st.text(
    alphabet=st.sampled_from(CHARACTERS), min_size=TABLE_ROWS // 4, max_size=TABLE_ROWS + 8
)
PARAGRAPH = st.lists(WORD, min_size=0, max_size=14).map(" ".join) | st.text(
    alphabet=st.sampled_from(CHARACTERS + "  "), max_size=40
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PARAGRAPH, max_size=8), st.sampled_from(CONFIGS))
def test_random_texts(texts, config):
    assert_same_sets(texts, config)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["و", "في", "من", "😀", "a"]), min_size=0, max_size=40), st.sampled_from(SIZES))
def test_random_repeated_words(words, size):
    assert_same_sets([" ".join(words), " ".join(words[::-1])], ShingleConfig("word", size))
