"""Example reviews for the Sentiment page: plain, negation, contrast and sarcasm, in English and Korean.

Each has the label a reader would give it; the page shows what the shipped model says next to it,
mistakes included (sarcasm is hard for a model that has only read the words).

    >>> sorted({e.kind for e in EXAMPLES})
    ['contrast', 'negation', 'plain', 'sarcasm']
    >>> all(e.label in (0, 1) for e in EXAMPLES), {e.lang for e in EXAMPLES} == {"en", "ko"}
    (True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Example", "EXAMPLES", "examples_for"]


@dataclass(frozen=True)
class Example:
    lang: str
    kind: str  # plain | negation | contrast | sarcasm
    text: str
    label: int  # 0 negative, 1 positive: what a human reader says


EXAMPLES: tuple[Example, ...] = (
    Example("en", "plain", "A gorgeous, witty and deeply moving film.", 1),
    Example("en", "plain", "A dull, lifeless mess with nothing to say.", 0),
    Example("en", "negation", "This is not a good movie.", 0),
    Example("en", "negation", "Not bad at all, I was never bored.", 1),
    Example("en", "contrast", "The actors try hard, but the script is a disaster.", 0),
    Example("en", "contrast", "It starts slowly, but the ending is wonderful.", 1),
    Example("en", "sarcasm", "Oh great, another two hours of my life I will never get back.", 0),
    Example("en", "sarcasm", "What a masterpiece: I only checked my watch twenty times.", 0),
    Example("ko", "plain", "배우들의 연기가 정말 훌륭하고 감동적인 영화였다.", 1),
    Example("ko", "plain", "지루하고 뻔한 스토리, 시간이 아깝다.", 0),
    Example("ko", "negation", "재미없지는 않았다.", 1),
    Example("ko", "negation", "전혀 재밌지 않았다.", 0),
    Example("ko", "contrast", "배우는 좋았지만 내용이 너무 지루했다.", 0),
    Example("ko", "contrast", "초반은 지루했지만 결말이 정말 좋았다.", 1),
    Example("ko", "sarcasm", "와 정말 대단하다, 돈 주고 잠 잘 수 있는 영화.", 0),
    Example("ko", "sarcasm", "감독님 다음 작품은 제발 찍지 마세요, 최고예요 ㅋㅋ", 0),
)


def examples_for(lang: str) -> list[Example]:
    """The examples of one language, in the order above."""
    return [e for e in EXAMPLES if e.lang == lang]
