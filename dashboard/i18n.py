"""Every user-facing string of the dashboard, in English and Korean, in one place.

Usage in a page::

    from dashboard.i18n import t

    st.title(t("page.home.title"))
    st.caption(t("home.card_topic", topic=t("topic.lstm.name")))

Rules for adding strings (``tests/test_app_shell.py`` enforces them):

* Every key has an ``"en"`` and a ``"ko"`` text, and both use the same ``{placeholders}``.
* Texts are :meth:`str.format` templates, always formatted: write a literal brace as ``{{`` / ``}}``
  (LaTeX for ``st.markdown``: ``"$h_{{t-1}}$"``). Texts may use Markdown.
* Keep keys grouped by page (``page.<slug>.*`` for a page's own strings) so concurrent additions
  land in separate hunks. Korean follows the course's terms: 순환 신경망, 시간펼침 역전파(BPTT),
  절단된 BPTT, 양방향 RNN, 경사 소멸, 입력/망각/출력 게이트, 핍홀, n-그램 언어 모델,
  인코더–디코더, 어텐션, 이미지 캡셔닝.

The current language lives in ``st.session_state["lang"]`` (initialised once per session by
:func:`init_lang`, which honours a ``?lang=ko`` query parameter). Outside a Streamlit run (plain
Python, unit tests) a module-level fallback set by :func:`set_lang` is used instead.

An unknown key, or a key without a text for the current language, raises :class:`KeyError` in
strict mode (under pytest, or with ``RNN_LAB_I18N_STRICT=1``); otherwise the English text (or the
key itself) is shown and a warning is logged, so a forgotten string never crashes a lecture demo.
"""

from __future__ import annotations

import logging
import os
import string
import sys
from collections.abc import Mapping

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "QUERY_KEY",
    "SESSION_KEY",
    "STRINGS",
    "get_lang",
    "init_lang",
    "normalise_lang",
    "placeholders",
    "set_lang",
    "sync_query_param",
    "t",
]

_LOG = logging.getLogger(__name__)

#: Supported UI languages: code -> name shown in the language switch (each in its own language).
LANGS: dict[str, str] = {"en": "English", "ko": "한국어"}
DEFAULT_LANG = "en"
#: ``st.session_state`` key holding the current language code.
SESSION_KEY = "lang"
#: URL query parameter that selects the language (``?lang=ko``).
QUERY_KEY = "lang"

# Language used outside a Streamlit script run (plain Python, unit tests); see set_lang().
_fallback_lang = DEFAULT_LANG

# key -> {lang: str.format template}
STRINGS: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ app shell
    "app.title": {"en": "RNN Lab", "ko": "RNN Lab"},
    "app.tagline": {
        "en": "Hands-on experiments for the recurrent neural network lectures",
        "ko": "순환 신경망 강의를 위한 직접 해 보는 실험실",
    },
    "app.about": {
        "en": "**RNN Lab** — interactive experiments that accompany the recurrent neural network "
        "lectures of the deep-learning course.",
        "ko": "**RNN Lab** — 딥러닝 강의의 순환 신경망 단원과 함께 쓰는 인터랙티브 실험 도구입니다.",
    },
    "sidebar.language": {"en": "🌐 Language · 언어", "ko": "🌐 Language · 언어"},
    "sidebar.caption": {
        "en": "Companion to the RNN lectures of the deep-learning course.",
        "ko": "딥러닝 강의 순환 신경망 단원의 실습 도구입니다.",
    },
    # ------------------------------------------------------------------ resources
    "resources.loading_model": {
        "en": "Loading the pretrained model “{name}”…",
        "ko": "사전 학습된 모델 “{name}”을(를) 불러오는 중…",
    },
    "resources.no_pretrained": {
        "en": "No pretrained models found. Models live in `pretrained/<name>/` with a `config.json`.",
        "ko": "사전 학습된 모델이 없습니다. 모델은 `pretrained/<이름>/` 폴더에 `config.json`과 함께 둡니다.",
    },
    "resources.read_only": {
        "en": "Pretrained models are shared by everyone and read-only: experiments never change them.",
        "ko": "사전 학습된 모델은 모두가 함께 쓰는 읽기 전용 모델이라 실험을 해도 바뀌지 않습니다.",
    },
    # ------------------------------------------------------------------ lecture topics (in lecture order)
    "topic.overview.name": {"en": "Overview", "ko": "개요"},
    "topic.sequence_data.name": {"en": "Sequence data", "ko": "시퀀스 데이터"},
    "topic.sequence_data.blurb": {
        "en": "Text, speech and time series: inputs whose order matters and whose length varies.",
        "ko": "텍스트, 음성, 시계열처럼 순서가 중요하고 길이가 제각각인 데이터입니다.",
    },
    "topic.vanilla_rnn.name": {"en": "Vanilla RNN", "ko": "기본 순환 신경망(바닐라 RNN)"},
    "topic.vanilla_rnn.blurb": {
        "en": "One hidden state carried through time, $h_t = \\tanh(W h_{{t-1}} + U x_t + b)$, "
        "with the same weights at every step.",
        "ko": "하나의 은닉 상태를 시간에 따라 전달합니다. $h_t = \\tanh(W h_{{t-1}} + U x_t + b)$이며, "
        "모든 시점에서 같은 가중치를 공유합니다.",
    },
    "topic.bptt.name": {
        "en": "Backpropagation through time (BPTT, truncated BPTT)",
        "ko": "시간펼침 역전파(BPTT)와 절단된 BPTT",
    },
    "topic.bptt.blurb": {
        "en": "Unroll the network over the sequence and backpropagate through every step; truncated "
        "BPTT cuts the unrolled graph into windows to bound memory and compute.",
        "ko": "네트워크를 시퀀스 길이만큼 펼친 뒤 모든 시점을 거슬러 역전파합니다. 절단된 BPTT는 "
        "펼친 그래프를 일정한 길이로 잘라 메모리와 계산량을 제한합니다.",
    },
    "topic.bidirectional.name": {"en": "Bidirectional RNNs", "ko": "양방향 RNN"},
    "topic.bidirectional.blurb": {
        "en": "Two RNNs read the sequence forwards and backwards, so every position sees both its past "
        "and its future context.",
        "ko": "두 RNN이 시퀀스를 앞에서부터, 또 뒤에서부터 읽어 각 위치가 과거와 미래 문맥을 모두 봅니다.",
    },
    "topic.vanishing_gradients.name": {
        "en": "Vanishing and exploding gradients",
        "ko": "경사 소멸과 경사 폭발",
    },
    "topic.vanishing_gradients.blurb": {
        "en": "Multiplying by the recurrent Jacobian step after step shrinks or blows up gradients over "
        "long spans; gradient clipping tames the explosion.",
        "ko": "순환 야코비 행렬을 시점마다 반복해서 곱하면 먼 시점으로 가는 경사가 사라지거나 폭발합니다. "
        "경사 클리핑으로 폭발을 막을 수 있습니다.",
    },
    "topic.lstm.name": {"en": "LSTM gates and peepholes", "ko": "LSTM 게이트와 핍홀"},
    "topic.lstm.blurb": {
        "en": "A cell state guarded by input, forget and output gates decides what to write, keep and "
        "expose; peephole connections let the gates look at the cell state.",
        "ko": "셀 상태와 입력/망각/출력 게이트가 무엇을 쓰고, 유지하고, 내보낼지 정합니다. "
        "핍홀 연결은 게이트가 셀 상태를 직접 들여다보게 합니다.",
    },
    "topic.language_models.name": {
        "en": "Language models: n-gram vs RNN",
        "ko": "언어 모델: n-그램 vs RNN",
    },
    "topic.language_models.blurb": {
        "en": "An n-gram language model counts a fixed window of context; an RNN language model "
        "conditions on the whole history. Compare them by perplexity and by generated text.",
        "ko": "n-그램 언어 모델은 고정된 길이의 문맥을 세어서 쓰고, RNN 언어 모델은 지금까지의 "
        "전체 이력을 조건으로 삼습니다. 퍼플렉서티와 생성된 텍스트로 둘을 비교합니다.",
    },
    "topic.encoder_decoder.name": {
        "en": "Encoder–decoder and attention",
        "ko": "인코더–디코더와 어텐션",
    },
    "topic.encoder_decoder.blurb": {
        "en": "An encoder RNN reads the input sequence and a decoder RNN writes the output sequence; "
        "attention lets the decoder look back at every encoder state.",
        "ko": "인코더 RNN이 입력 시퀀스를 읽고 디코더 RNN이 출력 시퀀스를 생성합니다. "
        "어텐션은 디코더가 매 단계 인코더의 모든 상태를 다시 참고하게 합니다.",
    },
    "topic.image_captioning.name": {"en": "Image captioning", "ko": "이미지 캡셔닝"},
    "topic.image_captioning.blurb": {
        "en": "A CNN encodes the image and an RNN decoder writes the caption word by word.",
        "ko": "CNN이 이미지를 인코딩하고 RNN 디코더가 캡션을 한 단어씩 생성합니다.",
    },
    # ------------------------------------------------------------------ page: home
    "page.home.title": {"en": "Home", "ko": "홈"},
    "page.home.teaches": {
        "en": "What RNN Lab is, and a map of the lecture topics with the pages that belong to each.",
        "ko": "RNN Lab 소개와 강의 주제별 실습 페이지 지도입니다.",
    },
    "home.intro": {
        "en": "RNN Lab is a hands-on companion to the recurrent neural network lectures. Every page is "
        "one small experiment: change a setting, run a small model, and watch what the lecture "
        "describes — hidden states unrolled over time, gradients that vanish, gates that open and "
        "close, text generated one character at a time.",
        "ko": "RNN Lab은 순환 신경망 강의와 함께 쓰는 실습 도구입니다. 각 페이지는 작은 실험 하나입니다. "
        "설정을 바꾸고 작은 모델을 직접 돌려 보면서 강의에서 배운 내용을 눈으로 확인하세요. "
        "시간에 따라 펼쳐지는 은닉 상태, 사라지는 경사, 열리고 닫히는 게이트, "
        "한 글자씩 생성되는 텍스트를 볼 수 있습니다.",
    },
    "home.how_to": {
        "en": "- Open a page from the sidebar or from the cards below.\n"
        "- Each page names the lecture topic it belongs to; the lecture map follows the order of the "
        "lecture notes.\n"
        "- Switch between English and Korean at any time in the sidebar.",
        "ko": "- 사이드바나 아래 카드에서 페이지를 여세요.\n"
        "- 각 페이지에는 해당하는 강의 주제가 표시되어 있고, 강의 지도는 강의 노트 순서를 따릅니다.\n"
        "- 사이드바에서 언제든지 한국어와 영어를 바꿀 수 있습니다.",
    },
    "home.pages_header": {"en": "Experiments", "ko": "실습 페이지"},
    "home.no_pages": {
        "en": "The experiment pages are on their way — the lecture map below shows what is coming.",
        "ko": "실습 페이지를 준비하고 있습니다. 아래 강의 지도에서 앞으로 추가될 주제를 볼 수 있습니다.",
    },
    "home.card_topic": {"en": "Lecture topic: {topic}", "ko": "강의 주제: {topic}"},
    "home.open_page": {"en": "Open {title}", "ko": "{title} 열기"},
    "home.map_header": {"en": "Lecture map", "ko": "강의 지도"},
    "home.map_intro": {
        "en": "The lecture covers these topics in this order. A topic with a page link has an experiment "
        "you can run now.",
        "ko": "강의는 아래 주제를 이 순서로 다룹니다. "
        "페이지 링크가 있는 주제는 지금 바로 실험해 볼 수 있습니다.",
    },
    "home.map_coming": {"en": "coming", "ko": "준비 중"},
    # ------------------------------------------------------------------ page: train a char-LSTM
    "page.train_char_lstm.title": {"en": "Train a char-LSTM", "ko": "문자 단위 LSTM 학습하기"},
    "page.train_char_lstm.teaches": {
        "en": "Train a character-level language model (vanilla RNN, GRU or LSTM) on Shakespeare or your own "
        "text with truncated BPTT and gradient clipping, and watch the loss fall and the samples turn into "
        "language.",
        "ko": "셰익스피어나 직접 준비한 텍스트로 문자 단위 언어 모델(바닐라 RNN, GRU, LSTM)을 절단된 BPTT와 "
        "경사 클리핑으로 학습시키면서, 손실이 줄고 생성 샘플이 점점 말이 되어 가는 과정을 지켜봅니다.",
    },
    "page.train_char_lstm.data_header": {"en": "Training text", "ko": "학습 텍스트"},
    "page.train_char_lstm.source": {"en": "Where the text comes from", "ko": "텍스트 출처"},
    "page.train_char_lstm.source.named": {"en": "Corpus on this server", "ko": "서버에 있는 말뭉치"},
    "page.train_char_lstm.source.upload": {"en": "Upload a .txt file", "ko": ".txt 파일 올리기"},
    "page.train_char_lstm.source.paste": {"en": "Paste text", "ko": "텍스트 붙여넣기"},
    "page.train_char_lstm.corpus": {"en": "Corpus", "ko": "말뭉치"},
    "page.train_char_lstm.corpus.tinyshakespeare": {
        "en": "Tiny Shakespeare (1.1M characters)",
        "ko": "Tiny Shakespeare (셰익스피어, 약 110만 자)",
    },
    "page.train_char_lstm.corpus.kjv": {"en": "King James Bible (KJV)", "ko": "킹 제임스 성경 (KJV)"},
    "page.train_char_lstm.corpus_missing": {
        "en": "**{name}** is not available on this server. To provide it, put the file at `<data-dir>/{path}` "
        "and start the app with `{env}=<data-dir>`. Meanwhile, upload a .txt file or paste text.",
        "ko": "이 서버에는 **{name}** 말뭉치가 없습니다. 파일을 `<데이터 폴더>/{path}`에 두고 "
        "`{env}=<데이터 폴더>`로 앱을 시작하면 쓸 수 있습니다. 그동안은 .txt 파일을 올리거나 텍스트를 붙여넣으세요.",
    },
    "page.train_char_lstm.corpus_unreadable": {
        "en": "**{name}** could not be read: {detail}",
        "ko": "**{name}** 말뭉치를 읽지 못했습니다: {detail}",
    },
    "page.train_char_lstm.upload": {"en": "Text file (.txt, UTF-8)", "ko": "텍스트 파일 (.txt, UTF-8)"},
    "page.train_char_lstm.upload_help": {
        "en": "Plain text saved as UTF-8, at most {mb} MB and {chars} characters.",
        "ko": "UTF-8로 저장한 일반 텍스트를 최대 {mb}MB, {chars}자까지 올릴 수 있습니다.",
    },
    "page.train_char_lstm.upload_waiting": {
        "en": "Choose a file to see its statistics.",
        "ko": "파일을 고르면 통계를 보여 줍니다.",
    },
    "page.train_char_lstm.upload_not_utf8": {
        "en": "**{name}** is not UTF-8 text. Open it in a text editor, save it with the UTF-8 encoding and "
        "upload it again.",
        "ko": "**{name}** 파일은 UTF-8 텍스트가 아닙니다. 텍스트 편집기에서 UTF-8 인코딩으로 다시 저장한 뒤 "
        "올려 주세요.",
    },
    "page.train_char_lstm.upload_empty": {"en": "**{name}** is empty.", "ko": "**{name}** 파일이 비어 있습니다."},
    "page.train_char_lstm.paste": {"en": "Text to learn from", "ko": "학습할 텍스트"},
    "page.train_char_lstm.paste_placeholder": {
        "en": "Paste a few thousand characters or more: a play, poems, code…",
        "ko": "수천 자 이상을 붙여넣으세요. 희곡, 시, 코드 등 무엇이든 좋습니다.",
    },
    "page.train_char_lstm.paste_waiting": {
        "en": "A few thousand characters are enough for a first try; more text means less overfitting.",
        "ko": "처음 시험해 보기에는 수천 자면 충분합니다. 텍스트가 많을수록 과적합이 줄어듭니다.",
    },
    "page.train_char_lstm.too_long": {
        "en": "The text has {n} characters; this server allows at most {cap}. Use a shorter excerpt.",
        "ko": "텍스트가 {n}자입니다. 이 서버에서는 최대 {cap}자까지 쓸 수 있으니 더 짧게 잘라 주세요.",
    },
    "page.train_char_lstm.stat.chars": {"en": "Characters", "ko": "문자 수"},
    "page.train_char_lstm.stat.vocab": {"en": "Vocabulary", "ko": "어휘 크기"},
    "page.train_char_lstm.stat.vocab_help": {
        "en": "Distinct characters in the text. The model gets one more symbol, �, for characters it never saw.",
        "ko": "텍스트에 나오는 서로 다른 문자 수입니다. 모델은 처음 보는 문자를 위한 기호 �를 하나 더 가집니다.",
    },
    "page.train_char_lstm.stat.entropy": {
        "en": "Unigram entropy: **{unigram} bits/char**, the loss of a model that knows only how often each "
        "character occurs (a uniform guess among {v} symbols: {uniform} bits/char). Below it, a model is using "
        "context.",
        "ko": "유니그램 엔트로피: **{unigram} 비트/문자**. 각 문자의 출현 빈도만 아는 모델의 손실이며, {v}개 기호 중 "
        "균등하게 고르면 {uniform} 비트/문자입니다. 손실이 이보다 낮으면 모델이 문맥을 활용하고 있다는 뜻입니다.",
    },
    "page.train_char_lstm.stat.details": {
        "en": "Most common characters and a preview",
        "ko": "자주 나오는 문자와 미리 보기",
    },
    "page.train_char_lstm.stat.freq_title": {"en": "Most common characters", "ko": "가장 자주 나오는 문자"},
    "page.train_char_lstm.stat.freq_x": {
        "en": "character (␣ space, ⏎ line break)",
        "ko": "문자 (␣ 공백, ⏎ 줄바꿈)",
    },
    "page.train_char_lstm.stat.freq_y": {"en": "count", "ko": "횟수"},
    "page.train_char_lstm.stat.preview": {"en": "The beginning of the text:", "ko": "텍스트의 앞부분:"},
    "page.train_char_lstm.setup_header": {"en": "Model and training", "ko": "모델과 학습 설정"},
    "page.train_char_lstm.model_header": {"en": "Model", "ko": "모델"},
    "page.train_char_lstm.cell": {"en": "Recurrent cell", "ko": "순환 셀"},
    "page.train_char_lstm.cell.rnn": {"en": "Vanilla RNN", "ko": "바닐라 RNN"},
    "page.train_char_lstm.cell.gru": {"en": "GRU", "ko": "GRU"},
    "page.train_char_lstm.cell.lstm": {"en": "LSTM", "ko": "LSTM"},
    "page.train_char_lstm.impl": {"en": "Implementation", "ko": "구현 방식"},
    "page.train_char_lstm.impl.fused": {"en": "fused (PyTorch)", "ko": "PyTorch 내장"},
    "page.train_char_lstm.impl.scratch": {"en": "from scratch", "ko": "직접 구현"},
    "page.train_char_lstm.impl_help": {
        "en": "Fused uses PyTorch's optimised RNN/GRU/LSTM. From scratch computes the lecture's equations one "
        "time step at a time: the same model, several times slower.",
        "ko": "PyTorch 내장은 최적화된 RNN/GRU/LSTM을 씁니다. 직접 구현은 강의의 수식을 시점마다 그대로 "
        "계산합니다. 같은 모델이지만 몇 배 느립니다.",
    },
    "page.train_char_lstm.peephole": {"en": "Peephole connections", "ko": "핍홀 연결"},
    "page.train_char_lstm.peephole_short": {"en": "peepholes", "ko": "핍홀"},
    "page.train_char_lstm.peephole_help": {
        "en": "Let the input, forget and output gates look at the cell state. Only for the from-scratch LSTM.",
        "ko": "입력/망각/출력 게이트가 셀 상태를 직접 보게 합니다. 직접 구현한 LSTM에서만 쓸 수 있습니다.",
    },
    "page.train_char_lstm.layers": {"en": "Layers", "ko": "층 수"},
    "page.train_char_lstm.hidden": {"en": "Hidden size", "ko": "은닉 상태 크기"},
    "page.train_char_lstm.embd": {"en": "Embedding size", "ko": "임베딩 크기"},
    "page.train_char_lstm.dropout": {"en": "Dropout", "ko": "드롭아웃"},
    "page.train_char_lstm.dropout_help": {
        "en": "Randomly zero this fraction of activations during training: a defence against overfitting on "
        "small texts.",
        "ko": "학습 중 활성값의 이 비율만큼을 무작위로 0으로 만듭니다. 작은 텍스트에서 과적합을 막는 데 도움이 됩니다.",
    },
    "page.train_char_lstm.train_header": {"en": "Training", "ko": "학습"},
    "page.train_char_lstm.seq_len": {"en": "Sequence length (BPTT steps)", "ko": "시퀀스 길이 (BPTT 시점 수)"},
    "page.train_char_lstm.seq_len_help": {
        "en": "How many characters the network is unrolled over for one gradient step; gradients flow back at "
        "most this far.",
        "ko": "한 번의 경사 계산에서 네트워크를 펼치는 문자 수입니다. 경사는 최대 이만큼만 거슬러 전달됩니다.",
    },
    "page.train_char_lstm.bptt": {"en": "Backpropagation through time", "ko": "시간펼침 역전파(BPTT)"},
    "page.train_char_lstm.bptt.truncated": {"en": "truncated (state carried)", "ko": "절단된 BPTT (상태 이어받기)"},
    "page.train_char_lstm.bptt.full": {"en": "full (fresh windows)", "ko": "전체 BPTT (독립 구간)"},
    "page.train_char_lstm.bptt_help": {
        "en": "Truncated: the text is read in order and the hidden state is carried from one chunk to the next, "
        "but gradients stop at the chunk boundary. Full: every window starts from a zero hidden state and is "
        "backpropagated completely.",
        "ko": "절단된 BPTT: 텍스트를 순서대로 읽으며 은닉 상태를 다음 구간으로 넘기지만, 경사는 구간 경계에서 "
        "끊깁니다. 전체 BPTT: 구간마다 은닉 상태를 0에서 시작하고 구간 전체를 끝까지 역전파합니다.",
    },
    "page.train_char_lstm.batch": {"en": "Batch size", "ko": "배치 크기"},
    "page.train_char_lstm.lr": {"en": "Learning rate", "ko": "학습률"},
    "page.train_char_lstm.clip": {"en": "Gradient clipping (max norm)", "ko": "경사 클리핑 (최대 노름)"},
    "page.train_char_lstm.clip_off": {"en": "off", "ko": "끔"},
    "page.train_char_lstm.clip_help": {
        "en": "When the gradient's global norm is larger, it is scaled down to this norm, so an exploding "
        "gradient cannot throw the weights away.",
        "ko": "경사 전체의 노름이 이 값보다 크면 이 크기로 줄입니다. 경사가 폭발해도 가중치가 엉뚱하게 튀지 않습니다.",
    },
    "page.train_char_lstm.max_steps": {"en": "Training steps", "ko": "학습 스텝 수"},
    "page.train_char_lstm.eval_every": {"en": "Validate every … steps", "ko": "검증 주기 (스텝)"},
    "page.train_char_lstm.eval_every_help": {
        "en": "Every this many steps, measure the loss on the held-out last 10% of the text and keep the best "
        "model.",
        "ko": "이 스텝마다 따로 떼어 둔 텍스트 마지막 10%로 손실을 재고, 가장 좋은 모델을 저장합니다.",
    },
    "page.train_char_lstm.sample_every": {"en": "Sample every … steps", "ko": "샘플 생성 주기 (스텝)"},
    "page.train_char_lstm.sample_every_help": {
        "en": "Every this many steps, the model writes 300 characters (0: never).",
        "ko": "이 스텝마다 모델이 300자를 써 봅니다 (0이면 쓰지 않음).",
    },
    "page.train_char_lstm.params": {"en": "Parameters", "ko": "파라미터 수"},
    "page.train_char_lstm.ratio": {"en": "Params per char", "ko": "문자당 파라미터"},
    "page.train_char_lstm.ratio_help": {
        "en": "Parameters per training character: the parameter count divided by the number of training "
        "characters.",
        "ko": "학습 문자당 파라미터 수: 파라미터 수를 학습 문자 수로 나눈 값입니다.",
    },
    "page.train_char_lstm.ratio_high": {
        "en": "⚠️ {ratio} parameters per character: the model is big enough to memorise the text. Expect "
        "overfitting (validation loss rising while training loss keeps falling); use more text, a smaller "
        "model or dropout.",
        "ko": "⚠️ 문자당 파라미터가 {ratio}개입니다. 텍스트를 통째로 외울 수 있을 만큼 큰 모델이라 과적합(학습 손실은 "
        "계속 줄지만 검증 손실은 오르는 현상)이 예상됩니다. 텍스트를 늘리거나, 모델을 줄이거나, 드롭아웃을 쓰세요.",
    },
    "page.train_char_lstm.ratio_mid": {
        "en": "{ratio} parameters per character: watch the gap between training and validation loss. When the "
        "validation loss stops improving, the model has started to memorise.",
        "ko": "문자당 파라미터 {ratio}개: 학습 손실과 검증 손실의 차이를 지켜보세요. 검증 손실이 더 나아지지 않으면 "
        "모델이 외우기 시작한 것입니다.",
    },
    "page.train_char_lstm.ratio_low": {
        "en": "{ratio} parameters per character: plenty of text for this model and little risk of overfitting; "
        "a bigger model could learn more.",
        "ko": "문자당 파라미터 {ratio}개: 이 모델에게 텍스트가 충분해 과적합 위험이 작습니다. "
        "더 큰 모델이 더 많이 배울 수도 있습니다.",
    },
    "page.train_char_lstm.too_big": {
        "en": "This model would have {n} parameters; this server allows {cap}. Use fewer layers or a smaller "
        "hidden size.",
        "ko": "이 모델의 파라미터는 {n}개로, 이 서버의 한도 {cap}개를 넘습니다. 층 수나 은닉 상태 크기를 줄이세요.",
    },
    "page.train_char_lstm.too_short": {
        "en": "The text is too short for this batch size and sequence length: use smaller values or a longer text.",
        "ko": "이 배치 크기와 시퀀스 길이에 비해 텍스트가 너무 짧습니다. 값을 줄이거나 더 긴 텍스트를 쓰세요.",
    },
    "page.train_char_lstm.caps": {
        "en": "Limits on this server: {params} parameters, {steps} steps, {chars} characters of text, {runs} runs "
        "training at once.",
        "ko": "이 서버의 한도: 파라미터 {params}개, {steps} 스텝, 텍스트 {chars}자, 동시에 학습하는 실행 {runs}개.",
    },
    "page.train_char_lstm.one_run": {
        "en": "Run `{run}` is training. One run at a time per session: stop it before starting another.",
        "ko": "`{run}` 실행이 학습 중입니다. 세션마다 한 번에 하나만 학습할 수 있으니, "
        "새로 시작하려면 먼저 중지하세요.",
    },
    "page.train_char_lstm.start": {"en": "Start training", "ko": "학습 시작"},
    "page.train_char_lstm.start_failed": {
        "en": "The run could not start: {message}",
        "ko": "학습을 시작하지 못했습니다: {message}",
    },
    "page.train_char_lstm.limit_error": {
        "en": "Over this server's limits: {message}",
        "ko": "이 서버의 한도를 넘었습니다: {message}",
    },
    "page.train_char_lstm.run_header": {"en": "Training run", "ko": "학습 실행"},
    "page.train_char_lstm.explain_header": {"en": "What is happening?", "ko": "지금 무슨 일이 일어나고 있나요?"},
    "page.train_char_lstm.explain": {
        "en": "- **The task.** At every position the network reads one character and predicts the next. The "
        "loss is the cross-entropy of that prediction in nats per character (natural log); divided by "
        "ln 2 ≈ 0.693 it is in **bits per character**.\n"
        "- **Truncated BPTT.** The text is cut into *batch size* long streams, read *sequence length* "
        "characters at a time. The hidden state is carried from one chunk to the next, so the network sees "
        "the whole history, but it is detached: gradients flow back at most *sequence length* characters.\n"
        "- **Gradient clipping.** When the global gradient norm exceeds the threshold, the gradient is "
        "rescaled to it, so an exploding gradient cannot wreck the weights. The gradient-norm chart shows "
        "how often that happens.\n"
        "- **Reference lines.** *Uniform* (ln V) is a model that knows nothing; *unigram* knows only how "
        "often each character occurs. Below the unigram line, the network is using context.\n"
        "- **Validation.** The last 10% of the text is never trained on. When the validation loss stops "
        "falling while the training loss keeps going down, the model is memorising (overfitting); the "
        "checkpoint with the best validation loss is kept.",
        "ko": "- **과제.** 네트워크는 각 위치에서 문자 하나를 읽고 다음 문자를 예측합니다. 손실은 이 예측의 교차 "
        "엔트로피이며 단위는 문자당 내트(자연로그)입니다. ln 2 ≈ 0.693으로 나누면 **문자당 비트**가 됩니다.\n"
        "- **절단된 BPTT.** 텍스트를 *배치 크기*개의 긴 흐름으로 나누고 *시퀀스 길이*만큼씩 읽습니다. 은닉 상태는 "
        "다음 구간으로 이어지므로 네트워크는 전체 이력을 보지만, 경사 계산에서는 떼어 내기 때문에(detach) 경사는 "
        "최대 *시퀀스 길이* 문자까지만 거슬러 갑니다.\n"
        "- **경사 클리핑.** 경사 전체의 노름이 임계값을 넘으면 그 크기로 줄여서, 경사 폭발이 가중치를 망가뜨리지 "
        "못하게 합니다. 경사 노름 그래프에서 얼마나 자주 그런지 볼 수 있습니다.\n"
        "- **기준선.** *균등 분포*(ln V)는 아무것도 모르는 모델, *유니그램*은 문자 빈도만 아는 모델입니다. "
        "손실이 유니그램 선 아래로 내려가면 네트워크가 문맥을 활용하고 있다는 뜻입니다.\n"
        "- **검증.** 텍스트의 마지막 10%는 학습에 쓰지 않습니다. 학습 손실은 계속 줄어드는데 검증 손실이 더 이상 "
        "줄지 않으면 모델이 외우고 있는 것(과적합)입니다. 검증 손실이 가장 낮았던 체크포인트를 보관합니다.",
    },
    "page.train_char_lstm.no_run": {
        "en": "Choose a text and a model on the left, then press **Start training**. The charts appear here while "
        "it trains; the page stays usable, and you can leave it and come back.",
        "ko": "왼쪽에서 텍스트와 모델을 고른 뒤 **학습 시작**을 누르세요. 학습하는 동안 여기에 그래프가 나타납니다. "
        "페이지는 계속 쓸 수 있고, 다른 페이지에 갔다가 돌아와도 됩니다.",
    },
    "page.train_char_lstm.run_summary": {
        "en": "Run `{run}` · {corpus} · {model} · {params} parameters",
        "ko": "실행 `{run}` · {corpus} · {model} · 파라미터 {params}개",
    },
    "page.train_char_lstm.model_summary": {
        "en": "{cell}, {layers} × {hidden}, {impl}",
        "ko": "{cell}, {layers} × {hidden}, {impl}",
    },
    "page.train_char_lstm.show_run": {"en": "Show run", "ko": "표시할 실행"},
    "page.train_char_lstm.url_run_missing": {
        "en": "The link names run `{run}`, which does not exist on this server (any more).",
        "ko": "링크에 있는 실행 `{run}`을(를) 이 서버에서 찾을 수 없습니다.",
    },
    "page.train_char_lstm.status": {"en": "Status", "ko": "상태"},
    "page.train_char_lstm.status.starting": {"en": "starting", "ko": "시작하는 중"},
    "page.train_char_lstm.status.running": {"en": "training", "ko": "학습 중"},
    "page.train_char_lstm.status.paused": {"en": "paused", "ko": "일시 정지됨"},
    "page.train_char_lstm.status.stopped": {"en": "stopped", "ko": "중지됨"},
    "page.train_char_lstm.status.done": {"en": "finished", "ko": "완료"},
    "page.train_char_lstm.status.early_stop": {"en": "stopped early (no improvement)", "ko": "조기 종료 (개선 없음)"},
    "page.train_char_lstm.status.diverged": {"en": "diverged", "ko": "발산함"},
    "page.train_char_lstm.status.error": {"en": "failed", "ko": "오류"},
    "page.train_char_lstm.status.interrupted": {"en": "interrupted", "ko": "중단됨"},
    "page.train_char_lstm.status.new": {"en": "not started", "ko": "시작 전"},
    "page.train_char_lstm.progress": {"en": "Step {step} of {total}", "ko": "{total} 스텝 중 {step} 스텝"},
    "page.train_char_lstm.failed.diverged": {
        "en": "Training diverged: {message}",
        "ko": "학습이 발산했습니다: {message}",
    },
    "page.train_char_lstm.failed.error": {
        "en": "Training failed: {message}",
        "ko": "학습 중 오류가 났습니다: {message}",
    },
    "page.train_char_lstm.resumable.interrupted": {
        "en": "This run was interrupted (for example, the server restarted). **Resume** continues from its last "
        "checkpoint.",
        "ko": "이 실행은 중간에 끊겼습니다(예를 들어 서버가 다시 시작된 경우). **재개**를 누르면 마지막 체크포인트부터 "
        "이어서 학습합니다.",
    },
    "page.train_char_lstm.resumable.stopped": {
        "en": "This run was stopped. **Resume** continues from where it stopped.",
        "ko": "이 실행은 중지되었습니다. **재개**를 누르면 멈춘 지점부터 이어서 학습합니다.",
    },
    "page.train_char_lstm.resumable.new": {
        "en": "This run never got going. **Resume** starts it.",
        "ko": "이 실행은 아직 시작되지 않았습니다. **재개**를 누르면 시작합니다.",
    },
    "page.train_char_lstm.pause": {"en": "Pause", "ko": "일시 정지"},
    "page.train_char_lstm.resume": {"en": "Resume", "ko": "재개"},
    "page.train_char_lstm.resume_help": {
        "en": "Continue training from the last checkpoint.",
        "ko": "마지막 체크포인트부터 이어서 학습합니다.",
    },
    "page.train_char_lstm.stop": {"en": "Stop", "ko": "중지"},
    "page.train_char_lstm.pause_requested": {
        "en": "Pausing after the current step (a checkpoint is saved)…",
        "ko": "현재 스텝을 마치고 일시 정지합니다(체크포인트를 저장합니다)…",
    },
    "page.train_char_lstm.stop_requested": {
        "en": "Stopping after the current step (a checkpoint is saved)…",
        "ko": "현재 스텝을 마치고 중지합니다(체크포인트를 저장합니다)…",
    },
    "page.train_char_lstm.m.train": {"en": "Train bits/char", "ko": "학습 비트/문자"},
    "page.train_char_lstm.m.bits_help": {
        "en": "Smoothed training loss in bits per character: roughly, how many yes/no questions the model still "
        "needs per character.",
        "ko": "문자당 비트로 나타낸 평활화된 학습 손실입니다. 모델이 문자 하나를 맞히는 데 아직 필요한 "
        "예/아니요 질문 수라고 생각할 수 있습니다.",
    },
    "page.train_char_lstm.m.val": {"en": "Best val. bits/char", "ko": "최저 검증 비트/문자"},
    "page.train_char_lstm.m.val_help": {
        "en": "Lowest validation loss so far, in bits per character (perplexity {ppl}).",
        "ko": "지금까지 가장 낮은 검증 손실(문자당 비트)입니다. 퍼플렉서티는 {ppl}입니다.",
    },
    "page.train_char_lstm.m.speed": {"en": "Characters / s", "ko": "초당 문자 수"},
    "page.train_char_lstm.c.loss_title": {"en": "Loss", "ko": "손실"},
    "page.train_char_lstm.c.loss_caption": {
        "en": "Left axis: nats per character; right axis: the same loss in bits per character. The pale line is "
        "the raw loss of each batch.",
        "ko": "왼쪽 축은 문자당 내트, 오른쪽 축은 같은 손실을 문자당 비트로 나타냅니다. 옅은 선은 배치마다의 "
        "원래 손실입니다.",
    },
    "page.train_char_lstm.c.step": {"en": "step", "ko": "스텝"},
    "page.train_char_lstm.c.nats": {"en": "loss (nats/char)", "ko": "손실 (내트/문자)"},
    "page.train_char_lstm.c.bits": {"en": "bits/char", "ko": "비트/문자"},
    "page.train_char_lstm.c.train": {"en": "training loss", "ko": "학습 손실"},
    "page.train_char_lstm.c.train_smooth": {"en": "training loss (smoothed)", "ko": "학습 손실 (평활화)"},
    "page.train_char_lstm.c.val": {"en": "validation loss", "ko": "검증 손실"},
    "page.train_char_lstm.c.uniform": {"en": "uniform ln V", "ko": "균등 분포 ln V"},
    "page.train_char_lstm.c.unigram": {"en": "unigram", "ko": "유니그램"},
    "page.train_char_lstm.c.train_short": {"en": "training", "ko": "학습"},
    "page.train_char_lstm.c.val_short": {"en": "validation", "ko": "검증"},
    "page.train_char_lstm.c.grad_title": {"en": "Gradient norm (before clipping)", "ko": "경사 노름 (클리핑 전)"},
    "page.train_char_lstm.c.grad_y": {"en": "global gradient norm", "ko": "전체 경사 노름"},
    "page.train_char_lstm.c.clip": {"en": "clipping threshold", "ko": "클리핑 임계값"},
    "page.train_char_lstm.c.speed_title": {"en": "Training speed", "ko": "학습 속도"},
    "page.train_char_lstm.c.speed_y": {"en": "characters per second", "ko": "초당 문자 수"},
    "page.train_char_lstm.c.compare_title": {"en": "Runs in this session", "ko": "이번 세션의 실행 비교"},
    "page.train_char_lstm.sample_header": {"en": "What the model writes", "ko": "모델이 쓴 글"},
    "page.train_char_lstm.sample_waiting": {
        "en": "The first sample appears after the first sampling interval.",
        "ko": "첫 샘플 생성 주기가 지나면 샘플이 나타납니다.",
    },
    "page.train_char_lstm.sample_caption": {
        "en": "Sample after step {step} (300 characters, temperature 0.8)",
        "ko": "{step} 스텝 후의 샘플 (300자, 온도 0.8)",
    },
    "page.train_char_lstm.sample_history": {"en": "Earlier samples ({n} in all)", "ko": "이전 샘플 (모두 {n}개)"},
    "page.train_char_lstm.no_best_yet": {
        "en": "Downloading the model and using it on the Generate page become possible after the first validation.",
        "ko": "첫 검증이 끝나면 모델을 내려받거나 텍스트 생성 페이지에서 쓸 수 있습니다.",
    },
    "page.train_char_lstm.download": {"en": "Download the best model (.zip)", "ko": "최고 모델 내려받기 (.zip)"},
    "page.train_char_lstm.use_generate": {"en": "Use on the Generate page", "ko": "텍스트 생성 페이지에서 쓰기"},
    "page.train_char_lstm.use_generate_done": {
        "en": "Run `{run}` is now offered on the **Generate text** page (sidebar).",
        "ko": "이제 사이드바의 **텍스트 생성** 페이지에서 `{run}` 실행의 모델을 고를 수 있습니다.",
    },
    "page.train_char_lstm.session_header": {"en": "Runs in this session", "ko": "이번 세션의 실행"},
    "page.train_char_lstm.compare_hint": {
        "en": "Start another run (change one setting) to compare the loss curves here.",
        "ko": "설정을 하나 바꿔 실행을 하나 더 시작하면 여기서 손실 곡선을 비교할 수 있습니다.",
    },
    "page.train_char_lstm.col.run": {"en": "run", "ko": "실행"},
    "page.train_char_lstm.col.corpus": {"en": "text", "ko": "텍스트"},
    "page.train_char_lstm.col.model": {"en": "model", "ko": "모델"},
    "page.train_char_lstm.col.params": {"en": "parameters", "ko": "파라미터"},
    "page.train_char_lstm.col.steps": {"en": "steps", "ko": "스텝"},
    "page.train_char_lstm.col.status": {"en": "status", "ko": "상태"},
    "page.train_char_lstm.col.best": {"en": "best val. bits/char", "ko": "최저 검증 비트/문자"},
    # ------------------------------------------------------------------ page: generate text
    "page.generate_text.title": {"en": "Generate text", "ko": "텍스트 생성"},
    "page.generate_text.teaches": {
        "en": "Let a character-level language model write: compare greedy decoding, temperature, top-k and top-p "
        "(nucleus) sampling and beam search, and see the probabilities behind every character.",
        "ko": "문자 단위 언어 모델이 글을 쓰게 합니다. 탐욕적 디코딩, 온도 샘플링, top-k·top-p(누클리어스) 샘플링, "
        "빔 탐색을 비교하고 각 문자 뒤에 있는 확률을 살펴봅니다.",
    },
    "page.generate_text.model": {"en": "Model", "ko": "모델"},
    "page.generate_text.model_pretrained": {"en": "{name} (pretrained)", "ko": "{name} (사전 학습)"},
    "page.generate_text.model_session": {
        "en": "run {run} (trained in this session)",
        "ko": "실행 {run} (이번 세션에서 학습)",
    },
    "page.generate_text.model_saved": {"en": "run {run} (saved run)", "ko": "실행 {run} (저장된 실행)"},
    "page.generate_text.model_info": {
        "en": "{cell}, {layers} × {hidden} · vocabulary {vocab} · {params} parameters · trained on {corpus} · "
        "best validation loss {bits} bits/char (step {step})",
        "ko": "{cell}, {layers} × {hidden} · 어휘 {vocab} · 파라미터 {params}개 · 학습 텍스트 {corpus} · "
        "최저 검증 손실 {bits} 비트/문자 ({step} 스텝)",
    },
    "page.generate_text.model_failed": {
        "en": "The model could not be loaded: {message}",
        "ko": "모델을 불러오지 못했습니다: {message}",
    },
    "page.generate_text.no_models": {
        "en": "There is no model to generate with yet. Train one on the **Train a char-LSTM** page (a few hundred "
        "steps are enough to see words appear). The shipped Shakespeare model appears here once it is "
        "installed in `pretrained/`.",
        "ko": "아직 글을 생성할 모델이 없습니다. **문자 단위 LSTM 학습하기** 페이지에서 모델을 학습시키세요(수백 "
        "스텝이면 단어가 보이기 시작합니다). 기본 제공 셰익스피어 모델은 `pretrained/`에 설치되면 여기에 나타납니다.",
    },
    "page.generate_text.prime": {"en": "Prime text", "ko": "시작 텍스트 (프라임)"},
    "page.generate_text.prime_placeholder": {
        "en": "e.g. ROMEO: (empty: start after a line break)",
        "ko": "예: ROMEO: (비워 두면 줄바꿈 다음부터 시작)",
    },
    "page.generate_text.prime_help": {
        "en": "The model reads this first, then continues it.",
        "ko": "모델이 이 텍스트를 먼저 읽고 이어서 씁니다.",
    },
    "page.generate_text.length": {"en": "Characters", "ko": "생성할 문자 수"},
    "page.generate_text.length_help": {
        "en": "How many characters to generate (at most {max}).",
        "ko": "생성할 문자 수입니다 (최대 {max}자).",
    },
    "page.generate_text.seed": {"en": "Seed", "ko": "시드"},
    "page.generate_text.seed_help": {
        "en": "The same seed and settings give the same text: change it for another sample.",
        "ko": "시드와 설정이 같으면 같은 텍스트가 나옵니다. 다른 샘플을 보려면 바꾸세요.",
    },
    "page.generate_text.method": {"en": "Decoding", "ko": "디코딩 방식"},
    "page.generate_text.method.greedy": {"en": "Greedy", "ko": "탐욕적 디코딩"},
    "page.generate_text.method.sample": {"en": "Temperature sampling", "ko": "온도 샘플링"},
    "page.generate_text.method.top_k": {"en": "Top-k", "ko": "Top-k"},
    "page.generate_text.method.top_p": {"en": "Top-p (nucleus)", "ko": "Top-p (누클리어스)"},
    "page.generate_text.method.beam": {"en": "Beam search", "ko": "빔 탐색"},
    "page.generate_text.method_help.greedy": {
        "en": "Always take the most likely next character. Deterministic, and it soon repeats itself.",
        "ko": "항상 확률이 가장 높은 문자를 고릅니다. 결과가 늘 같고, 금방 같은 말을 되풀이합니다.",
    },
    "page.generate_text.method_help.sample": {
        "en": "Draw the next character from the model's distribution, sharpened (temperature below 1) or "
        "flattened (above 1).",
        "ko": "모델의 분포에서 다음 문자를 뽑습니다. 온도가 1보다 낮으면 분포가 뾰족해지고, 높으면 평평해집니다.",
    },
    "page.generate_text.method_help.top_k": {
        "en": "Sample only among the k most likely characters: the long tail of unlikely ones is cut off.",
        "ko": "확률이 가장 높은 k개 문자 중에서만 뽑습니다. 가능성이 낮은 긴 꼬리를 잘라 냅니다.",
    },
    "page.generate_text.method_help.top_p": {
        "en": "Sample among the smallest set of characters whose probabilities add up to p: the set grows when "
        "the model is unsure and shrinks when it is confident.",
        "ko": "확률을 더해 p가 되는 가장 작은 문자 집합 안에서 뽑습니다. 모델이 확신하지 못하면 집합이 커지고, "
        "확신하면 작아집니다.",
    },
    "page.generate_text.method_help.beam": {
        "en": "Keep the most likely partial texts (the beam) at every step and return the most likely whole "
        "texts. It finds high-probability text, which is often dull and repetitive.",
        "ko": "매 단계 확률이 가장 높은 부분 텍스트 몇 개(빔)를 유지하고, 전체 확률이 가장 높은 텍스트를 "
        "돌려줍니다. 확률은 높지만 단조롭고 반복적인 글이 나오기 쉽습니다.",
    },
    "page.generate_text.temperature": {"en": "Temperature", "ko": "온도"},
    "page.generate_text.temperature_help": {
        "en": "p ∝ exp(logit / T). Low: safe and repetitive; high: inventive, then nonsense.",
        "ko": "p ∝ exp(로짓 / T). 낮으면 안전하지만 반복적이고, 높으면 창의적이다가 결국 엉뚱해집니다.",
    },
    "page.generate_text.top_k": {"en": "k", "ko": "k"},
    "page.generate_text.top_k_help": {"en": "Number of candidates kept.", "ko": "남겨 둘 후보 수입니다."},
    "page.generate_text.top_p": {"en": "p", "ko": "p"},
    "page.generate_text.top_p_help": {"en": "Probability mass kept.", "ko": "남겨 둘 확률 질량입니다."},
    "page.generate_text.beam_width": {"en": "Beam width", "ko": "빔 너비"},
    "page.generate_text.beam_width_help": {
        "en": "Partial texts kept at every step; width 1 is greedy decoding.",
        "ko": "매 단계 유지하는 부분 텍스트 수입니다. 너비가 1이면 탐욕적 디코딩과 같습니다.",
    },
    "page.generate_text.n_best": {"en": "Texts to list", "ko": "보여 줄 텍스트 수"},
    "page.generate_text.generate": {"en": "Generate", "ko": "생성"},
    "page.generate_text.beam_running": {
        "en": "Beam search with width {width}…",
        "ko": "빔 너비 {width}로 빔 탐색 중…",
    },
    "page.generate_text.failed": {"en": "Generation failed: {message}", "ko": "생성하지 못했습니다: {message}"},
    "page.generate_text.no_output": {
        "en": "Press **Generate**. The prime is shown first, then the model's continuation.",
        "ko": "**생성**을 누르세요. 시작 텍스트가 먼저 나오고, 그 뒤에 모델이 이어 쓴 글이 나옵니다.",
    },
    "page.generate_text.output_caption": {
        "en": "{model} · {method} · {n} characters · {bits} bits/char on average under the model",
        "ko": "{model} · {method} · {n}자 · 모델 기준 평균 {bits} 비트/문자",
    },
    "page.generate_text.n_best_header": {"en": "n-best list", "ko": "n-best 목록"},
    "page.generate_text.n_best_caption": {
        "en": "Score: the total log-probability of the text (higher is more likely).",
        "ko": "점수: 텍스트 전체의 로그 확률입니다 (클수록 가능성이 높음).",
    },
    "page.generate_text.col.rank": {"en": "rank", "ko": "순위"},
    "page.generate_text.col.score": {"en": "score", "ko": "점수"},
    "page.generate_text.col.text": {"en": "text", "ko": "텍스트"},
    "page.generate_text.unknown_chars": {
        "en": "The prime has {n} character(s) the model never saw in training: {chars}. They were replaced by the "
        "unknown symbol �.",
        "ko": "시작 텍스트에 모델이 학습 중에 본 적 없는 문자가 {n}개 있습니다: {chars}. "
        "이 문자들은 알 수 없는 문자 기호 �로 바뀌었습니다.",
    },
    "page.generate_text.next_header": {"en": "What the model considered", "ko": "모델이 고려한 후보"},
    "page.generate_text.next_intro": {
        "en": "Pick a position in the generated text to see the ten most likely characters at that point.",
        "ko": "생성된 텍스트에서 위치를 고르면 그 지점에서 확률이 가장 높았던 문자 10개를 보여 줍니다.",
    },
    "page.generate_text.next_none": {"en": "Nothing to show.", "ko": "보여 줄 내용이 없습니다."},
    "page.generate_text.position": {"en": "Position in the generated text", "ko": "생성된 텍스트에서의 위치"},
    "page.generate_text.position_help": {
        "en": "1 is the first generated character.",
        "ko": "1은 처음 생성된 문자입니다.",
    },
    "page.generate_text.next_title": {"en": "Candidates for character {pos}", "ko": "{pos}번째 문자의 후보"},
    "page.generate_text.next_x": {"en": "candidate (␣ space, ⏎ line break)", "ko": "후보 (␣ 공백, ⏎ 줄바꿈)"},
    "page.generate_text.next_y": {"en": "probability", "ko": "확률"},
    "page.generate_text.next_chosen": {"en": "chosen", "ko": "선택됨"},
    "page.generate_text.next_kept": {"en": "could have been chosen", "ko": "선택될 수 있었음"},
    "page.generate_text.next_filtered": {"en": "filtered out by top-k / top-p", "ko": "top-k / top-p로 제외됨"},
    "page.generate_text.next_caption": {
        "en": "Chosen “{char}”: probability {prob}, rank {rank} among the candidates (probabilities after "
        "temperature).",
        "ko": "선택된 문자 “{char}”: 확률 {prob}, 후보 중 {rank}위 (온도 적용 후 확률).",
    },
    # ------------------------------------------------------------------ page: ngram_vs_rnn
    "page.ngram_vs_rnn.title": {"en": "N-gram vs RNN", "ko": "n-그램 vs RNN"},
    "page.ngram_vs_rnn.teaches": {
        "en": "Score the same text with a character n-gram model and a char-LSTM, character by character: "
        "where does the RNN's longer memory win, and why does a longer n-gram window stop helping?",
        "ko": "같은 텍스트를 문자 n-그램 모델과 문자 단위 LSTM으로 한 글자씩 채점해 봅니다. RNN의 긴 기억이 "
        "어디에서 이기는지, n-그램의 문맥 창을 늘려도 왜 어느 순간부터 나아지지 않는지 확인합니다.",
    },
    "page.ngram_vs_rnn.intro": {
        "en": "A language model gives every next character a probability $p$. Its **surprisal** is "
        "$-\\log_2 p$ bits: 0 for a certain character, about 6 bits for a blind guess among 65 characters. "
        "The mean surprisal over a text is the cross-entropy in **bits per character**, and $2^{{\\text{{bits}}}}$ "
        "is the **perplexity**, the number of equally likely choices the model is effectively torn between. "
        "An n-gram model looks only at the last $n-1$ characters; an RNN carries a hidden state through "
        "everything before.",
        "ko": "언어 모델은 다음에 올 모든 문자에 확률 $p$를 줍니다. 그 문자의 **놀람도**(surprisal)는 "
        "$-\\log_2 p$ 비트로, 확실한 문자는 0비트, 65개 문자 중 아무렇게나 고르면 약 6비트입니다. "
        "텍스트 전체의 평균 놀람도가 **문자당 비트**(bits/char)로 잰 교차 엔트로피이고, "
        "$2^{{\\text{{bits}}}}$가 **퍼플렉서티**, 즉 모델이 실제로 망설이는 '동등한 선택지의 수'입니다. "
        "n-그램 모델은 직전 $n-1$개 문자만 보지만, RNN은 은닉 상태에 앞의 모든 내용을 담아 전달합니다.",
    },
    "page.ngram_vs_rnn.status_header": {"en": "What this page uses", "ko": "이 페이지가 사용하는 것"},
    "page.ngram_vs_rnn.corpus_ok": {
        "en": "Corpus: Tiny Shakespeare found ({chars} characters). Its last 10 % ({val} characters) is the "
        "validation split that neither model was trained on.",
        "ko": "말뭉치: Tiny Shakespeare를 찾았습니다({chars}자). 마지막 10 %({val}자)가 두 모델 모두 학습에 "
        "쓰지 않은 검증 데이터입니다.",
    },
    "page.ngram_vs_rnn.corpus_missing": {
        "en": "The Tiny Shakespeare corpus was not found (point `RNN_DATA_DIR` at the data directory). The page "
        "works from the shipped n-gram counts and the text you type; the validation numbers come from the "
        "shipped model card, passages from the validation split are not available, and n-gram orders above "
        "{max_order} need the corpus.",
        "ko": "Tiny Shakespeare 말뭉치를 찾지 못했습니다(`RNN_DATA_DIR`을 데이터 폴더로 지정하세요). 이 페이지는 "
        "함께 배포된 n-그램 빈도표와 직접 입력한 텍스트로 동작합니다. 검증 수치는 배포된 모델 카드의 값을 쓰고, "
        "검증 데이터의 본문 발췌는 쓸 수 없으며, {max_order}보다 큰 n-그램 차수는 말뭉치가 있어야 합니다.",
    },
    "page.ngram_vs_rnn.ngram_shipped": {
        "en": "n-gram: the shipped counts `pretrained/ngram-shakespeare` (order {order}, fitted on the "
        "char-LSTM's training split). Every order up to {order} and every smoothing is derived from them "
        "exactly; higher orders are fitted on the corpus in about a second.",
        "ko": "n-그램: 함께 배포된 빈도표 `pretrained/ngram-shakespeare`(차수 {order}, 문자 단위 LSTM과 같은 "
        "학습 데이터로 계산). {order} 이하의 모든 차수와 모든 스무딩을 여기서 정확히 만들어 내고, 더 높은 "
        "차수는 말뭉치로 1초 안팎에 새로 학습합니다.",
    },
    "page.ngram_vs_rnn.ngram_fitted": {
        "en": "n-gram: the shipped counts are missing, so the models are fitted now on the corpus's "
        "training split.",
        "ko": "n-그램: 배포된 빈도표가 없어서 말뭉치의 학습 데이터로 지금 모델을 학습합니다.",
    },
    "page.ngram_vs_rnn.ngram_missing": {
        "en": "No n-gram model is available: neither the shipped counts "
        "(`pretrained/ngram-shakespeare/model.npz`) nor the corpus were found. Build the counts with "
        "`python -m engine train ngram --out pretrained/ngram-shakespeare`.",
        "ko": "사용할 수 있는 n-그램 모델이 없습니다. 배포된 빈도표(`pretrained/ngram-shakespeare/model.npz`)도 "
        "말뭉치도 찾지 못했습니다. `python -m engine train ngram --out pretrained/ngram-shakespeare`로 "
        "빈도표를 만드세요.",
    },
    "page.ngram_vs_rnn.lstm_found": {
        "en": "Char-LSTM: {n} model(s) available (choose one above).",
        "ko": "문자 단위 LSTM: 사용할 수 있는 모델 {n}개(위에서 고르세요).",
    },
    "page.ngram_vs_rnn.lstm_none": {
        "en": "No char-LSTM is available yet, so only the n-gram side is shown. The comparison needs a "
        "char-LSTM: the shipped `charlm-shakespeare` model once it is installed, or one you train on the "
        "Train page (runs with a saved best checkpoint appear here).",
        "ko": "아직 사용할 수 있는 문자 단위 LSTM이 없어서 n-그램 쪽만 보여 줍니다. 비교하려면 문자 단위 LSTM이 "
        "필요합니다. 배포 모델 `charlm-shakespeare`가 설치되거나, 학습 페이지에서 모델을 학습하면 "
        "(최고 성능 체크포인트가 저장된 실행) 여기에 나타납니다.",
    },
    "page.ngram_vs_rnn.lstm_none_short": {"en": "none available yet", "ko": "아직 없음"},
    "page.ngram_vs_rnn.lstm_load_error": {
        "en": "Could not load the char-LSTM “{name}”: {error}",
        "ko": "문자 단위 LSTM “{name}”을(를) 불러오지 못했습니다: {error}",
    },
    "page.ngram_vs_rnn.lstm_label": {"en": "Char-LSTM", "ko": "문자 단위 LSTM"},
    "page.ngram_vs_rnn.lstm_pretrained": {"en": "{name} (shipped)", "ko": "{name} (배포 모델)"},
    "page.ngram_vs_rnn.lstm_run": {"en": "run {id} (trained in the app)", "ko": "실행 {id} (앱에서 학습)"},
    "page.ngram_vs_rnn.lstm_info": {
        "en": "Char-LSTM: {cell}, {layers} layer(s) × {hidden} units, {params} parameters, trained on “{corpus}”.",
        "ko": "문자 단위 LSTM: {cell}, {layers}층 × {hidden}유닛, 파라미터 {params}개, “{corpus}”로 학습.",
    },
    "page.ngram_vs_rnn.order": {"en": "n-gram order n", "ko": "n-그램 차수 n"},
    "page.ngram_vs_rnn.order_help": {
        "en": "The model predicts each character from the previous n − 1 characters only.",
        "ko": "모델은 각 문자를 직전 n − 1개 문자만 보고 예측합니다.",
    },
    "page.ngram_vs_rnn.order_capped": {
        "en": "Orders above {max_order} need the corpus (the shipped counts go up to order {max_order}).",
        "ko": "{max_order}보다 큰 차수는 말뭉치가 있어야 합니다(배포된 빈도표는 차수 {max_order}까지입니다).",
    },
    "page.ngram_vs_rnn.smoothing": {"en": "Smoothing", "ko": "스무딩"},
    "page.ngram_vs_rnn.preset.laplace": {"en": "Laplace (add-1)", "ko": "라플라스(add-1)"},
    "page.ngram_vs_rnn.preset.lidstone": {"en": "Lidstone (add-0.1)", "ko": "리드스톤(add-0.1)"},
    "page.ngram_vs_rnn.preset.witten_bell": {"en": "Witten–Bell", "ko": "위튼–벨"},
    "page.ngram_vs_rnn.preset.absolute_discounting": {"en": "Absolute discounting", "ko": "절대 할인"},
    "page.ngram_vs_rnn.preset.kneser_ney": {"en": "Kneser–Ney", "ko": "크네저–나이"},
    "page.ngram_vs_rnn.preset.modified_kneser_ney": {"en": "Modified Kneser–Ney", "ko": "수정 크네저–나이"},
    "page.ngram_vs_rnn.preset.stupid_backoff": {"en": "Stupid backoff", "ko": "스투피드 백오프"},
    "page.ngram_vs_rnn.stupid_note": {
        "en": "Stupid backoff gives scores, not probabilities (they sum to more than 1), so its “bits” are "
        "not a true cross-entropy.",
        "ko": "스투피드 백오프는 확률이 아니라 점수를 줍니다(합이 1보다 큼). 그래서 이 방법의 '비트'는 진짜 "
        "교차 엔트로피가 아닙니다.",
    },
    "page.ngram_vs_rnn.text_source": {"en": "Text", "ko": "텍스트"},
    "page.ngram_vs_rnn.source_passage": {
        "en": "A passage from the validation split",
        "ko": "검증 데이터의 한 대목",
    },
    "page.ngram_vs_rnn.source_builtin": {"en": "Example passage (Hamlet)", "ko": "예시 대목(햄릿)"},
    "page.ngram_vs_rnn.source_own": {"en": "Type your own", "ko": "직접 입력"},
    "page.ngram_vs_rnn.passage": {"en": "Passage", "ko": "대목"},
    "page.ngram_vs_rnn.text_area": {
        "en": "Your text (any characters; the first {max} are scored)",
        "ko": "입력 텍스트(어떤 문자든 가능, 앞의 {max}자까지 채점)",
    },
    "page.ngram_vs_rnn.text_empty": {
        "en": "Type some text to compare the two models.",
        "ko": "두 모델을 비교할 텍스트를 입력하세요.",
    },
    "page.ngram_vs_rnn.text_capped": {
        "en": "The text is long: only its first {max} characters are scored.",
        "ko": "텍스트가 길어서 앞의 {max}자만 채점합니다.",
    },
    "page.ngram_vs_rnn.unknown_chars": {
        "en": "Characters a model never saw in training are read as its unknown symbol, drawn in grey and "
        "left out of the totals: {chars}",
        "ko": "학습 때 본 적 없는 문자는 모델의 '알 수 없는 기호'로 읽고, 회색으로 표시하며 합계에서 뺍니다: {chars}",
    },
    "page.ngram_vs_rnn.computing": {"en": "Scoring…", "ko": "채점하는 중…"},
    "page.ngram_vs_rnn.measuring": {
        "en": "Measuring the char-LSTM on the validation split…",
        "ko": "검증 데이터로 문자 단위 LSTM을 측정하는 중…",
    },
    "page.ngram_vs_rnn.generating": {"en": "Generating…", "ko": "생성하는 중…"},
    "page.ngram_vs_rnn.strips_header": {
        "en": "Surprisal, character by character",
        "ko": "한 글자씩 본 놀람도",
    },
    "page.ngram_vs_rnn.strips_caption": {
        "en": "Every line of the text appears three times: the n-gram model's row, the char-LSTM's row and "
        "their difference Δ. Cell colour = surprisal $-\\log_2 p$ (pale: expected, dark red: surprising). "
        "Δ = n-gram bits − LSTM bits: **blue** where the LSTM's longer memory helped, **orange** where the "
        "n-gram model did better. Hover a cell for the probability each model gave and its top "
        "alternatives; ↵ is a line break.",
        "ko": "텍스트의 각 줄이 세 번 나옵니다: n-그램 모델의 줄, 문자 단위 LSTM의 줄, 그리고 둘의 차이 Δ. "
        "칸의 색은 놀람도 $-\\log_2 p$입니다(옅은 색: 예상한 문자, 진한 빨강: 놀라운 문자). "
        "Δ = n-그램 비트 − LSTM 비트로, LSTM의 긴 기억이 도움이 된 곳은 **파랑**, n-그램이 더 잘한 곳은 "
        "**주황**입니다. 칸에 마우스를 올리면 각 모델이 준 확률과 상위 후보가 보입니다. ↵는 줄바꿈입니다.",
    },
    "page.ngram_vs_rnn.strips_caption_ngram_only": {
        "en": "Cell colour = the n-gram model's surprisal $-\\log_2 p$ (pale: expected, dark red: surprising). "
        "Hover a cell for its probability and the top alternatives; ↵ is a line break.",
        "ko": "칸의 색은 n-그램 모델의 놀람도 $-\\log_2 p$입니다(옅은 색: 예상한 문자, 진한 빨강: 놀라운 문자). "
        "칸에 마우스를 올리면 확률과 상위 후보가 보입니다. ↵는 줄바꿈입니다.",
    },
    "page.ngram_vs_rnn.row_ngram": {"en": "n-gram", "ko": "n-그램"},
    "page.ngram_vs_rnn.row_lstm": {"en": "LSTM", "ko": "LSTM"},
    "page.ngram_vs_rnn.row_diff": {"en": "Δ", "ko": "Δ"},
    "page.ngram_vs_rnn.bits": {"en": "bits", "ko": "비트"},
    "page.ngram_vs_rnn.diff_bar": {"en": "Δ bits (blue: LSTM better)", "ko": "Δ 비트(파랑: LSTM 우세)"},
    "page.ngram_vs_rnn.hover_model": {
        "en": "{char} — {model}: P = {p} ({bits} bits)<br>top: {top}",
        "ko": "{char} — {model}: P = {p} ({bits}비트)<br>상위 후보: {top}",
    },
    "page.ngram_vs_rnn.hover_unknown": {
        "en": "{char} — unknown to the {model} model: read as its unknown symbol, P = {p} ({bits} bits)",
        "ko": "{char} — {model} 모델이 모르는 문자: 알 수 없는 기호로 읽음, P = {p} ({bits}비트)",
    },
    "page.ngram_vs_rnn.hover_diff_lstm": {
        "en": "{char} — n-gram {ng} bits, LSTM {ls} bits: the LSTM is better by {gain} bits",
        "ko": "{char} — n-그램 {ng}비트, LSTM {ls}비트: LSTM이 {gain}비트 우세",
    },
    "page.ngram_vs_rnn.hover_diff_ngram": {
        "en": "{char} — n-gram {ng} bits, LSTM {ls} bits: the n-gram is better by {gain} bits",
        "ko": "{char} — n-그램 {ng}비트, LSTM {ls}비트: n-그램이 {gain}비트 우세",
    },
    "page.ngram_vs_rnn.hover_diff_unknown": {
        "en": "{char} — unknown character: not compared",
        "ko": "{char} — 알 수 없는 문자: 비교하지 않음",
    },
    "page.ngram_vs_rnn.totals_header": {"en": "Totals", "ko": "합계"},
    "page.ngram_vs_rnn.metric_text": {"en": "{model} · this text", "ko": "{model} · 이 텍스트"},
    "page.ngram_vs_rnn.metric_val": {"en": "{model} · validation split", "ko": "{model} · 검증 데이터"},
    "page.ngram_vs_rnn.ppl_delta": {"en": "bits/char · perplexity {ppl}", "ko": "비트/문자 · 퍼플렉서티 {ppl}"},
    "page.ngram_vs_rnn.na": {"en": "n/a", "ko": "없음"},
    "page.ngram_vs_rnn.metric_help_text": {
        "en": "Mean surprisal over the {n} characters of the text that the models know (perplexity = 2^bits).",
        "ko": "텍스트에서 모델이 아는 문자 {n}개의 평균 놀람도입니다(퍼플렉서티 = 2^비트).",
    },
    "page.ngram_vs_rnn.totals_unknown": {
        "en": "{n} unknown character(s) left out of the totals.",
        "ko": "알 수 없는 문자 {n}개는 합계에서 뺐습니다.",
    },
    "page.ngram_vs_rnn.help_val_ngram_card": {
        "en": "Cross-entropy on the whole validation split (the last 10 % of Tiny Shakespeare), measured when "
        "the shipped models were built (`pretrained/ngram-shakespeare/card.md`).",
        "ko": "검증 데이터 전체(Tiny Shakespeare의 마지막 10 %)에 대한 교차 엔트로피로, 배포 모델을 만들 때 "
        "측정했습니다(`pretrained/ngram-shakespeare/card.md`).",
    },
    "page.ngram_vs_rnn.help_val_ngram_live": {
        "en": "Cross-entropy on the whole validation split, measured now.",
        "ko": "검증 데이터 전체에 대한 교차 엔트로피로, 지금 측정했습니다.",
    },
    "page.ngram_vs_rnn.help_val_needs_corpus": {
        "en": "Needs the Tiny Shakespeare corpus (or a number recorded with the model).",
        "ko": "Tiny Shakespeare 말뭉치(또는 모델에 기록된 값)가 있어야 합니다.",
    },
    "page.ngram_vs_rnn.help_val_lstm_recorded": {
        "en": "Recorded in the checkpoint when it was trained: `engine.train.trainer.evaluate` on the validation split "
        "(16 streams read in 256-character chunks, hidden state carried).",
        "ko": "학습할 때 체크포인트에 기록한 값입니다: 검증 데이터에 `engine.train.trainer.evaluate` 적용"
        "(16개 스트림을 256자씩 읽으며 은닉 상태를 이어 감).",
    },
    "page.ngram_vs_rnn.help_val_lstm_measured": {
        "en": "Measured now with the model card's protocol: `engine.train.trainer.evaluate` on the validation split "
        "(16 streams read in 256-character chunks, hidden state carried).",
        "ko": "모델 카드와 같은 방식으로 지금 측정했습니다: 검증 데이터에 `engine.train.trainer.evaluate` 적용"
        "(16개 스트림을 256자씩 읽으며 은닉 상태를 이어 감).",
    },
    "page.ngram_vs_rnn.lstm_other_corpus": {
        "en": "This char-LSTM was trained on “{corpus}”, not Tiny Shakespeare, so its validation number is not "
        "comparable.",
        "ko": "이 문자 단위 LSTM은 Tiny Shakespeare가 아니라 “{corpus}”로 학습해서 검증 수치를 비교할 수 없습니다.",
    },
    "page.ngram_vs_rnn.roles_header": {"en": "Where does memory help?", "ko": "기억은 어디에서 도움이 될까?"},
    "page.ngram_vs_rnn.roles_caption": {
        "en": "Mean surprisal per kind of character in this text. The n-gram model sees only the last n − 1 "
        "characters; the LSTM carries a state through the whole text, so it can know that a speaker's name "
        "is due after a blank line, that a bracket is still open, or how long the verse line has run.",
        "ko": "이 텍스트의 문자 종류별 평균 놀람도입니다. n-그램 모델은 직전 n − 1개 문자만 보지만, LSTM은 "
        "텍스트 전체에 걸쳐 상태를 이어 가므로 빈 줄 다음에 화자 이름이 올 차례라는 것, 괄호가 아직 열려 "
        "있다는 것, 운문 한 줄이 얼마나 길어졌는지를 알 수 있습니다.",
    },
    "page.ngram_vs_rnn.role.speaker": {"en": "speaker names", "ko": "화자 이름"},
    "page.ngram_vs_rnn.role.line_start": {"en": "first letter of a line", "ko": "줄의 첫 글자"},
    "page.ngram_vs_rnn.role.newline": {"en": "line breaks ↵", "ko": "줄바꿈 ↵"},
    "page.ngram_vs_rnn.role.closing": {"en": "closing brackets and quotes", "ko": "닫는 괄호와 따옴표"},
    "page.ngram_vs_rnn.role.word_start": {"en": "first letter of a word", "ko": "단어의 첫 글자"},
    "page.ngram_vs_rnn.role.word_inside": {"en": "rest of a word", "ko": "단어의 나머지 글자"},
    "page.ngram_vs_rnn.role.space": {"en": "spaces", "ko": "공백"},
    "page.ngram_vs_rnn.role.punctuation": {"en": "punctuation", "ko": "문장 부호"},
    "page.ngram_vs_rnn.role.other": {"en": "other", "ko": "기타"},
    "page.ngram_vs_rnn.roles_title": {
        "en": "Mean bits/char by kind of character",
        "ko": "문자 종류별 평균 비트/문자",
    },
    "page.ngram_vs_rnn.roles_x": {"en": "bits/char (lower is better)", "ko": "비트/문자(낮을수록 좋음)"},
    "page.ngram_vs_rnn.wins_lstm": {"en": "Biggest LSTM wins", "ko": "LSTM이 가장 크게 이긴 곳"},
    "page.ngram_vs_rnn.wins_ngram": {"en": "Biggest n-gram wins", "ko": "n-그램이 가장 크게 이긴 곳"},
    "page.ngram_vs_rnn.no_wins": {"en": "none", "ko": "없음"},
    "page.ngram_vs_rnn.win_row": {
        "en": "`…{before}`**{char}** — n-gram {ng}, LSTM {ls} bits ({role})",
        "ko": "`…{before}`**{char}** — n-그램 {ng}, LSTM {ls}비트({role})",
    },
    "page.ngram_vs_rnn.curves_header": {
        "en": "Validation bits/char against n-gram order",
        "ko": "n-그램 차수에 따른 검증 비트/문자",
    },
    "page.ngram_vs_rnn.curves_caption": {
        "en": "Every n-gram model fitted on the training split (90 %) and scored on the validation split "
        "(10 %), from `pretrained/ngram-shakespeare/metrics.json`. A longer window sees more context, but "
        "each longer n-gram is rarer: past order 6–7 even the best smoothing stops improving, while the "
        "char-LSTM (dashed line) conditions on everything before.",
        "ko": "학습 데이터(90 %)로 학습하고 검증 데이터(10 %)로 채점한 n-그램 모델들입니다"
        "(`pretrained/ngram-shakespeare/metrics.json`). 창이 길수록 문맥을 더 보지만 긴 n-그램일수록 드물어져서, "
        "차수 6–7을 넘으면 가장 좋은 스무딩도 더 나아지지 않습니다. 문자 단위 LSTM(점선)은 앞의 모든 것을 "
        "조건으로 삼습니다.",
    },
    "page.ngram_vs_rnn.curves_live": {
        "en": "Computed now on the corpus for {smoothing} only (the shipped metrics file is missing).",
        "ko": "배포된 측정 파일이 없어서 {smoothing}만 말뭉치로 지금 계산했습니다.",
    },
    "page.ngram_vs_rnn.curves_missing": {
        "en": "The validation curves need the shipped metrics file or the corpus.",
        "ko": "검증 곡선을 그리려면 배포된 측정 파일이나 말뭉치가 있어야 합니다.",
    },
    "page.ngram_vs_rnn.curves_title": {
        "en": "Validation bits/char (lower is better)",
        "ko": "검증 비트/문자(낮을수록 좋음)",
    },
    "page.ngram_vs_rnn.curves_x": {"en": "n-gram order n", "ko": "n-그램 차수 n"},
    "page.ngram_vs_rnn.curves_y": {"en": "bits/char", "ko": "비트/문자"},
    "page.ngram_vs_rnn.lstm_line": {"en": "char-LSTM {bpc}", "ko": "문자 단위 LSTM {bpc}"},
    "page.ngram_vs_rnn.selected": {"en": "your choice", "ko": "현재 선택"},
    "page.ngram_vs_rnn.coverage_title": {
        "en": "Distinct n-grams seen vs possible",
        "ko": "관측된 n-그램 수 vs 가능한 n-그램 수",
    },
    "page.ngram_vs_rnn.coverage_x": {"en": "n", "ko": "n"},
    "page.ngram_vs_rnn.coverage_y": {"en": "number of n-grams (log scale)", "ko": "n-그램 개수(로그 눈금)"},
    "page.ngram_vs_rnn.coverage_seen": {"en": "seen in training", "ko": "학습 데이터에서 관측"},
    "page.ngram_vs_rnn.coverage_possible": {"en": "possible: V^n (V = {v})", "ko": "가능한 수: V^n (V = {v})"},
    "page.ngram_vs_rnn.coverage_train": {"en": "training characters", "ko": "학습 문자 수"},
    "page.ngram_vs_rnn.coverage_caption": {
        "en": "The curse of dimensionality: $V^n$ grows exponentially, the training text does not. At n = {n} "
        "the model has seen {seen} distinct n-grams, a fraction {frac} of the possible ones, so many contexts "
        "it meets are new and it must back off to shorter ones.",
        "ko": "차원의 저주: $V^n$은 지수적으로 커지지만 학습 텍스트는 그대로입니다. n = {n}에서 모델이 본 서로 다른 "
        "n-그램은 {seen}개로, 가능한 것의 {frac}에 불과합니다. 그래서 처음 보는 문맥이 많고, 모델은 더 짧은 "
        "문맥으로 물러나야(백오프) 합니다.",
    },
    "page.ngram_vs_rnn.samples_header": {
        "en": "Generated text at the same temperature",
        "ko": "같은 온도로 생성한 텍스트",
    },
    "page.ngram_vs_rnn.samples_caption": {
        "en": "Both models write one character at a time, sampling from $p^{{1/T}}$ renormalised. The n-gram "
        "text is locally plausible but forgets everything older than n − 1 characters.",
        "ko": "두 모델 모두 $p^{{1/T}}$를 다시 정규화한 분포에서 한 글자씩 뽑아 씁니다. n-그램의 글은 국소적으로는 "
        "그럴듯하지만 n − 1자보다 앞선 내용은 모두 잊어버립니다.",
    },
    "page.ngram_vs_rnn.temperature": {"en": "Temperature T", "ko": "온도 T"},
    "page.ngram_vs_rnn.prime": {"en": "Start with (optional)", "ko": "시작 텍스트(선택)"},
    "page.ngram_vs_rnn.new_samples": {"en": "New samples", "ko": "새로 생성"},
    "page.ngram_vs_rnn.sample_ngram": {
        "en": "n-gram (order {order}, {smoothing})",
        "ko": "n-그램(차수 {order}, {smoothing})",
    },
    "page.ngram_vs_rnn.sample_lstm": {"en": "char-LSTM", "ko": "문자 단위 LSTM"},
    "page.ngram_vs_rnn.sample_lstm_none": {
        "en": "No char-LSTM available yet (see “What this page uses” above).",
        "ko": "아직 사용할 수 있는 문자 단위 LSTM이 없습니다(위의 '이 페이지가 사용하는 것'을 보세요).",
    },
    # ------------------------------------------------------------------ page: caption an image
    "page.caption_image.title": {"en": "Caption an image", "ko": "이미지 캡션 달기"},
    "page.caption_image.teaches": {
        "en": "A CNN encodes a picture into a grid of region vectors and an LSTM decoder writes the caption word "
        "by word, looking at the regions through soft attention. Compare greedy and beam search, see what the "
        "CNN itself recognises, and where the model looked for each word.",
        "ko": "CNN이 사진을 영역 벡터의 격자로 인코딩하고, LSTM 디코더가 소프트 어텐션으로 영역들을 보며 캡션을 "
        "한 단어씩 생성합니다. 탐욕 탐색과 빔 탐색을 비교하고, CNN 자체가 무엇을 알아보는지, 모델이 각 단어를 쓸 때 "
        "어디를 보았는지 확인합니다.",
    },
    "page.caption_image.model": {"en": "Captioning model", "ko": "캡셔닝 모델"},
    "page.caption_image.model_pretrained": {"en": "{name} (pretrained)", "ko": "{name} (사전 학습)"},
    "page.caption_image.model_session": {
        "en": "run {run} (trained in this session)",
        "ko": "실행 {run} (이번 세션에서 학습)",
    },
    "page.caption_image.model_saved": {"en": "run {run} (saved run)", "ko": "실행 {run} (저장된 실행)"},
    "page.caption_image.model_failed": {
        "en": "The captioning model could not be loaded: {message}",
        "ko": "캡셔닝 모델을 불러오지 못했습니다: {message}",
    },
    "page.caption_image.model_info": {
        "en": "{variant} · {encoder} encoder, {grid}×{grid} regions · {vocab} words · {params} decoder parameters",
        "ko": "{variant} · {encoder} 인코더, {grid}×{grid} 영역 · 단어 {vocab}개 · 디코더 파라미터 {params}개",
    },
    "page.caption_image.model_trained": {
        "en": "trained on {dataset} for {step} steps, validation loss {loss} nats/word",
        "ko": "{dataset}에서 {step} 스텝 학습, 검증 손실 {loss} 나트/단어",
    },
    "page.caption_image.model_bleu": {"en": "BLEU-4 {bleu} ({name})", "ko": "BLEU-4 {bleu} ({name})"},
    "page.caption_image.variant.attention": {
        "en": "Show, Attend and Tell (soft attention)",
        "ko": "Show, Attend and Tell (소프트 어텐션)",
    },
    "page.caption_image.variant.plain": {
        "en": "Show and Tell (no attention)",
        "ko": "Show and Tell (어텐션 없음)",
    },
    "page.caption_image.no_model": {
        "en": "**No captioning model is installed.** This page needs the pretrained model `captioner-flickr8k` "
        "(a folder `pretrained/captioner-flickr8k/`) or a captioner among your saved runs. To make one, put "
        "Flickr8k in a data directory and run the commands below: CNN features once, then the decoder, then "
        "copy its best checkpoint into `pretrained/`. Reload this page afterwards. Every command has `--help`.",
        "ko": "**설치된 캡셔닝 모델이 없습니다.** 이 페이지에는 사전 학습 모델 `captioner-flickr8k`"
        "(`pretrained/captioner-flickr8k/` 폴더)나 저장된 실행 중 캡셔닝 모델이 필요합니다. 모델을 만들려면 "
        "Flickr8k를 데이터 디렉터리에 두고 아래 명령을 실행하세요. CNN 특징을 한 번 계산하고, 디코더를 학습한 뒤, "
        "가장 좋은 체크포인트를 `pretrained/`로 복사합니다. 그다음 이 페이지를 새로 고치세요. "
        "모든 명령에는 `--help`가 있습니다.",
    },
    "page.caption_image.loading_encoder": {
        "en": "Loading the CNN encoder ({encoder})…",
        "ko": "CNN 인코더({encoder})를 불러오는 중…",
    },
    "page.caption_image.source": {"en": "Picture", "ko": "사진"},
    "page.caption_image.source.example": {"en": "Example", "ko": "예시 사진"},
    "page.caption_image.source.upload": {"en": "Upload", "ko": "파일 올리기"},
    "page.caption_image.source.camera": {"en": "Camera", "ko": "카메라"},
    "page.caption_image.example": {"en": "Example picture", "ko": "예시 사진"},
    "page.caption_image.example.astronaut": {"en": "Astronaut", "ko": "우주비행사"},
    "page.caption_image.example.cat": {"en": "Cat", "ko": "고양이"},
    "page.caption_image.example.coffee": {"en": "Coffee", "ko": "커피"},
    "page.caption_image.example.rocket": {"en": "Rocket launch", "ko": "로켓 발사"},
    "page.caption_image.credit.astronaut": {
        "en": "Astronaut Eileen Collins. Photo: NASA, public domain.",
        "ko": "우주비행사 아일린 콜린스. 사진: NASA, 퍼블릭 도메인.",
    },
    "page.caption_image.credit.cat": {
        "en": "Chelsea the cat. Photo: Stefan van der Walt, CC0.",
        "ko": "고양이 첼시. 사진: Stefan van der Walt, CC0.",
    },
    "page.caption_image.credit.coffee": {
        "en": "Coffee at Pikolo Espresso Bar. Photo: Rachel Michetti, CC0.",
        "ko": "Pikolo Espresso Bar의 커피. 사진: Rachel Michetti, CC0.",
    },
    "page.caption_image.credit.rocket": {
        "en": "Falcon 9 launching DSCOVR. Photo: SpaceX, public domain.",
        "ko": "DSCOVR를 싣고 발사되는 팰컨 9. 사진: SpaceX, 퍼블릭 도메인.",
    },
    "page.caption_image.credit_more": {
        "en": "Sources and licences: `dashboard/assets/examples/LICENSES.md`.",
        "ko": "출처와 라이선스: `dashboard/assets/examples/LICENSES.md`.",
    },
    "page.caption_image.upload": {
        "en": "Image file (JPEG, PNG, WebP, GIF, BMP)",
        "ko": "이미지 파일 (JPEG, PNG, WebP, GIF, BMP)",
    },
    "page.caption_image.upload_help": {
        "en": "Up to {mb} MB and {mp} megapixels. An animated GIF or WebP is captioned from its first frame; a "
        "photo stored sideways is turned upright from its EXIF orientation; transparent pixels become white.",
        "ko": "최대 {mb} MB, {mp}메가픽셀까지 올릴 수 있습니다. 움직이는 GIF나 WebP는 첫 프레임으로 캡션을 만들고, "
        "옆으로 저장된 사진은 EXIF 방향 정보에 따라 바로 세우며, 투명한 픽셀은 흰색이 됩니다.",
    },
    "page.caption_image.upload_waiting": {
        "en": "Choose an image file to caption.",
        "ko": "캡션을 달 이미지 파일을 고르세요.",
    },
    "page.caption_image.camera_toggle": {"en": "Turn on the camera", "ko": "카메라 켜기"},
    "page.caption_image.camera_toggle_help": {
        "en": "Your browser asks for permission to use the camera only when you turn it on. The photo is only "
        "used to caption it here.",
        "ko": "카메라를 켤 때에만 브라우저가 카메라 사용 권한을 묻습니다. "
        "찍은 사진은 여기서 캡션을 다는 데에만 쓰입니다.",
    },
    "page.caption_image.camera": {"en": "Take a photo", "ko": "사진 찍기"},
    "page.caption_image.camera_waiting": {
        "en": "Turn on the camera and take a photo to caption it.",
        "ko": "카메라를 켜고 사진을 찍으면 캡션을 달아 줍니다.",
    },
    "page.caption_image.camera_photo": {"en": "camera photo", "ko": "카메라 사진"},
    "page.caption_image.picture_info": {
        "en": "{name} · {width}×{height} pixels, {format}",
        "ko": "{name} · {width}×{height} 픽셀, {format}",
    },
    "page.caption_image.picture_rotated": {
        "en": "turned upright from its EXIF orientation",
        "ko": "EXIF 방향 정보에 따라 바로 세움",
    },
    "page.caption_image.error.not_image": {
        "en": "**{name}** is not an image. Choose a JPEG, PNG, WebP, GIF or BMP file.",
        "ko": "**{name}**은(는) 이미지가 아닙니다. JPEG, PNG, WebP, GIF, BMP 파일을 고르세요.",
    },
    "page.caption_image.error.truncated": {
        "en": "**{name}** is truncated or corrupt: the picture could not be decoded completely. Download or save "
        "it again and retry.",
        "ko": "**{name}** 파일이 잘렸거나 손상되어 그림을 끝까지 읽을 수 없습니다. "
        "다시 내려받거나 저장한 뒤 시도하세요.",
    },
    "page.caption_image.error.too_large": {
        "en": "**{name}** is too large to open safely (the limits are {mp} megapixels and {mb} MB). Make it "
        "smaller and try again.",
        "ko": "**{name}**은(는) 안전하게 열기에는 너무 큽니다(한도는 {mp}메가픽셀, {mb} MB). 크기를 줄여서 다시 "
        "시도하세요.",
    },
    "page.caption_image.error.format": {
        "en": "**{name}** is in an image format this page does not accept. Use JPEG, PNG, WebP, GIF or BMP.",
        "ko": "**{name}**은(는) 이 페이지가 받지 않는 이미지 형식입니다. JPEG, PNG, WebP, GIF, BMP를 쓰세요.",
    },
    "page.caption_image.error.mode": {
        "en": "**{name}** uses a colour format that cannot be converted to RGB.",
        "ko": "**{name}**의 색 형식은 RGB로 바꿀 수 없습니다.",
    },
    "page.caption_image.error.empty": {
        "en": "**{name}** is empty.",
        "ko": "**{name}** 파일이 비어 있습니다.",
    },
    "page.caption_image.error.missing": {
        "en": "**{name}** could not be found.",
        "ko": "**{name}** 파일을 찾을 수 없습니다.",
    },
    "page.caption_image.error.unreadable": {
        "en": "**{name}** could not be read as an image.",
        "ko": "**{name}**을(를) 이미지로 읽을 수 없습니다.",
    },
    "page.caption_image.error_details": {"en": "Details: {message}", "ko": "자세한 내용: {message}"},
    "page.caption_image.method": {"en": "Decoding", "ko": "디코딩 방식"},
    "page.caption_image.method.beam": {"en": "Beam search", "ko": "빔 탐색"},
    "page.caption_image.method.greedy": {"en": "Greedy", "ko": "탐욕 탐색"},
    "page.caption_image.method_help.beam": {
        "en": "Beam search keeps the best partial captions at every step and returns the best complete ones.",
        "ko": "빔 탐색은 매 단계 가장 좋은 부분 캡션 여러 개를 유지하고, 완성된 캡션 중 가장 좋은 것들을 돌려줍니다.",
    },
    "page.caption_image.method_help.greedy": {
        "en": "Greedy decoding takes the single most probable word at every step: fast, one caption, and an early "
        "mistake cannot be undone.",
        "ko": "탐욕 탐색은 매 단계 가장 확률이 높은 단어 하나를 고릅니다. 빠르고 캡션은 하나뿐이며, 앞에서 한 실수를 "
        "되돌릴 수 없습니다.",
    },
    "page.caption_image.beam_width": {"en": "Beam width", "ko": "빔 너비"},
    "page.caption_image.beam_width_help": {
        "en": "How many partial captions are kept at every step (1 is greedy decoding).",
        "ko": "매 단계 유지하는 부분 캡션의 수입니다(1이면 탐욕 탐색과 같습니다).",
    },
    "page.caption_image.n_best": {"en": "Captions to list", "ko": "보여 줄 캡션 수"},
    "page.caption_image.captioning": {"en": "Captioning…", "ko": "캡션을 만드는 중…"},
    "page.caption_image.caption_failed": {
        "en": "Captioning failed: {message}",
        "ko": "캡션을 만들지 못했습니다: {message}",
    },
    "page.caption_image.caption_header": {"en": "Caption", "ko": "캡션"},
    "page.caption_image.caption_stats": {
        "en": "{n} words · log P(caption | image) = {logprob} · {method}",
        "ko": "단어 {n}개 · log P(캡션 | 이미지) = {logprob} · {method}",
    },
    "page.caption_image.caption_cut": {
        "en": "The caption reached the model's length limit before it wrote `<end>`, so it was cut.",
        "ko": "모델이 `<end>`를 쓰기 전에 길이 한도에 닿아 캡션이 잘렸습니다.",
    },
    "page.caption_image.n_best_header": {"en": "Beam search's best captions", "ko": "빔 탐색이 찾은 상위 캡션"},
    "page.caption_image.n_best_caption": {
        "en": "Beams are ranked by score = log P / ((5 + length) / 6)^0.5, the length-normalised log-probability: "
        "log P alone always favours short captions.",
        "ko": "빔은 점수 = log P / ((5 + 길이) / 6)^0.5, 즉 길이로 정규화한 로그 확률로 순위를 매깁니다. "
        "log P만 쓰면 항상 짧은 캡션이 유리합니다.",
    },
    "page.caption_image.col.rank": {"en": "#", "ko": "순위"},
    "page.caption_image.col.caption": {"en": "caption", "ko": "캡션"},
    "page.caption_image.col.score": {"en": "score", "ko": "점수"},
    "page.caption_image.col.logprob": {"en": "log P", "ko": "log P"},
    "page.caption_image.col.class": {"en": "ImageNet class", "ko": "ImageNet 클래스"},
    "page.caption_image.col.prob": {"en": "probability", "ko": "확률"},
    "page.caption_image.top5_header": {"en": "What the CNN sees", "ko": "CNN이 보는 것"},
    "page.caption_image.top5_caption": {
        "en": "The encoder's own ImageNet classifier on the same picture: its top 5 of 1,000 classes. The decoder "
        "never sees these labels, only the grid of features before the classifier.",
        "ko": "같은 사진에 대한 인코더 자체의 ImageNet 분류 결과(1,000개 클래스 중 상위 5개)입니다. 디코더는 이 "
        "레이블을 보지 않고, 분류기 앞의 특징 격자만 봅니다.",
    },
    "page.caption_image.top5_none": {
        "en": "This model's encoder ({encoder}) has no ImageNet classifier.",
        "ko": "이 모델의 인코더({encoder})에는 ImageNet 분류기가 없습니다.",
    },
    "page.caption_image.attention_header": {"en": "Where the model looked", "ko": "모델이 본 곳"},
    "page.caption_image.attention_intro": {
        "en": "Before writing each word the decoder weighs the image regions: $\\alpha_t = "
        "\\mathrm{{softmax}}(e_t)$, the weights sum to 1. Choose a word to lay its weights over the picture; "
        "bright means looked at.",
        "ko": "디코더는 단어를 쓰기 전에 이미지 영역마다 가중치를 줍니다: $\\alpha_t = "
        "\\mathrm{{softmax}}(e_t)$이며 가중치의 합은 1입니다. 단어를 고르면 그 가중치를 사진 위에 겹쳐 보여 "
        "줍니다. 밝을수록 많이 본 곳입니다.",
    },
    "page.caption_image.word": {"en": "Word", "ko": "단어"},
    "page.caption_image.overlay_caption": {
        "en": "“{word}” (word {i} of {n}): colours are relative to this word's strongest region.",
        "ko": "“{word}” ({n}개 중 {i}번째 단어): 색은 이 단어의 가장 강한 영역을 기준으로 한 상대값입니다.",
    },
    "page.caption_image.word_prob": {"en": "P(word)", "ko": "P(단어)"},
    "page.caption_image.word_prob_help": {
        "en": "The probability the decoder gave this word at this step.",
        "ko": "이 단계에서 디코더가 이 단어에 준 확률입니다.",
    },
    "page.caption_image.peak": {"en": "strongest region α", "ko": "가장 강한 영역의 α"},
    "page.caption_image.peak_help": {
        "en": "The largest attention weight of this word, at row {row}, column {col} of the {rows}×{cols} grid. "
        "Attention spread evenly would give every region {uniform}.",
        "ko": "이 단어의 가장 큰 어텐션 가중치로, {rows}×{cols} 격자의 {row}행 {col}열에 있습니다. 어텐션이 고르게 "
        "퍼졌다면 모든 영역이 {uniform}씩 받았을 것입니다.",
    },
    "page.caption_image.peak_delta": {"en": "uniform {uniform}", "ko": "균등 {uniform}"},
    "page.caption_image.gate": {"en": "gate β", "ko": "게이트 β"},
    "page.caption_image.gate_help": {
        "en": "β = sigmoid(f_β(h)), computed from the decoder state before the word: how much of the image "
        "context reached the LSTM for this word. It is often low for words such as “a” or “of” that the image "
        "does not decide.",
        "ko": "β = sigmoid(f_β(h))는 단어를 쓰기 전 디코더 상태로 계산하며, 이 단어를 쓸 때 이미지 문맥이 LSTM에 "
        "얼마나 전달되었는지를 나타냅니다. “a”나 “of”처럼 이미지가 정하지 않는 단어에서는 흔히 낮습니다.",
    },
    "page.caption_image.no_gate": {"en": "no gate", "ko": "게이트 없음"},
    "page.caption_image.strip_toggle": {"en": "Show every word's map", "ko": "모든 단어의 지도 보기"},
    "page.caption_image.no_attention": {
        "en": "This model is Show and Tell: the image only initialises the LSTM, so there is no attention to show. "
        "Train with attention (the default, without `--no-attention`) to see where a model looks.",
        "ko": "이 모델은 Show and Tell이라 이미지는 LSTM의 초기 상태만 정하고, 보여 줄 어텐션이 없습니다. 모델이 "
        "어디를 보는지 보려면 어텐션을 켜고(기본값, `--no-attention` 없이) 학습하세요.",
    },
    # ------------------------------------------------------------------ page: translate
    "page.translate.title": {"en": "Translate", "ko": "번역"},
    "page.translate.teaches": {
        "en": "Translate English into French with an encoder–decoder LSTM: greedy decoding and beam search with "
        "its n-best list, the attention weights between subwords, and why a single fixed vector is not enough "
        "for long sentences.",
        "ko": "인코더–디코더 LSTM으로 영어를 프랑스어로 번역합니다. 탐욕적 디코딩과 빔 탐색(n-best 목록), 서브워드 "
        "사이의 어텐션 가중치를 보고, 긴 문장에서 고정 길이 벡터 하나로는 왜 부족한지 확인합니다.",
    },
    "page.translate.attribution": {
        "en": "Training data: English–French sentence pairs from [Tatoeba](https://tatoeba.org) (CC-BY 2.0 FR), "
        "via [manythings.org/anki](https://www.manythings.org/anki/).",
        "ko": "학습 데이터: [Tatoeba](https://tatoeba.org)의 영어–프랑스어 문장 쌍(CC-BY 2.0 FR), "
        "[manythings.org/anki](https://www.manythings.org/anki/)에서 받은 것입니다.",
    },
    "page.translate.model": {"en": "Translator (with attention)", "ko": "번역 모델(어텐션 사용)"},
    "page.translate.fixed_model": {
        "en": "Fixed-vector model (no attention, for comparison)",
        "ko": "고정 길이 벡터 모델(어텐션 없음, 비교용)",
    },
    "page.translate.fixed_none": {"en": "not installed", "ko": "설치되지 않음"},
    "page.translate.model_pretrained": {"en": "{name} (shipped)", "ko": "{name} (배포 모델)"},
    "page.translate.model_session": {"en": "run {name} (this session)", "ko": "실행 {name} (이번 세션)"},
    "page.translate.model_saved": {"en": "run {name} (saved)", "ko": "실행 {name} (저장됨)"},
    "page.translate.model_failed": {
        "en": "Could not load the translator “{name}”: {message}",
        "ko": "번역 모델 “{name}”을(를) 불러오지 못했습니다: {message}",
    },
    "page.translate.model_info": {
        "en": "Attention: {attention} · encoder: {encoder} · decoder LSTM {decoder} · {vocab} subwords (English "
        "and French share one vocabulary) · {params} parameters · trained {step} steps, validation loss {loss} "
        "nats/subword",
        "ko": "어텐션: {attention} · 인코더: {encoder} · 디코더 LSTM {decoder} · 서브워드 {vocab}개(영어와 프랑스어가 "
        "하나의 어휘를 공유) · 매개변수 {params}개 · {step} 스텝 학습, 검증 손실 {loss} nats/서브워드",
    },
    "page.translate.attention.none": {"en": "none (fixed vector)", "ko": "없음(고정 길이 벡터)"},
    "page.translate.attention.dot": {"en": "dot product (Luong)", "ko": "내적(Luong)"},
    "page.translate.attention.general": {"en": "general, h_tᵀ W h̄_s (Luong)", "ko": "general, h_tᵀ W h̄_s (Luong)"},
    "page.translate.attention.additive": {"en": "additive (Bahdanau)", "ko": "가산(Bahdanau)"},
    "page.translate.bi": {"en": "bidirectional LSTM {layers}×{hidden}", "ko": "양방향 LSTM {layers}×{hidden}"},
    "page.translate.uni": {"en": "LSTM {layers}×{hidden}", "ko": "LSTM {layers}×{hidden}"},
    "page.translate.no_translator": {
        "en": "**No translator is installed.** This page needs the English→French translator "
        "`pretrained/translator-en-fr/` (an attention LSTM). Train it, measure it and ship it with the commands "
        "below (hours on a CPU, much less on a GPU); the page finds it on its next run.",
        "ko": "**설치된 번역 모델이 없습니다.** 이 페이지에는 영어→프랑스어 번역 모델 `pretrained/translator-en-fr/`"
        "(어텐션 LSTM)이 필요합니다. 아래 명령으로 학습하고, 평가하고, 배포 폴더에 내보내세요(CPU로는 몇 시간, GPU로는 "
        "훨씬 짧게 걸립니다). 다음 실행 때 페이지가 모델을 찾습니다.",
    },
    "page.translate.no_translator_data": {
        "en": "`DATA` is your data directory, holding Tatoeba's `fra-eng.txt` as `DATA/tatoeba/fra-eng.txt` (from "
        "manythings.org/anki). Add `--dry-run` to the first command to check the pipeline in seconds.",
        "ko": "`DATA`는 데이터 디렉터리로, Tatoeba의 `fra-eng.txt`(manythings.org/anki)를 `DATA/tatoeba/fra-eng.txt`에 "
        "둡니다. 첫 명령에 `--dry-run`을 붙이면 몇 초 만에 전체 과정을 점검할 수 있습니다.",
    },
    "page.translate.only_fixed": {
        "en": "Found only fixed-vector models ({names}); they are shown beside an attention translator, not alone.",
        "ko": "고정 길이 벡터 모델({names})만 있습니다. 이 모델은 어텐션 번역 모델 옆에서 비교용으로만 보여 줍니다.",
    },
    "page.translate.input": {"en": "English text (one or several sentences)", "ko": "영어 텍스트(한 문장 이상)"},
    "page.translate.input_placeholder": {"en": "Type English sentences here…", "ko": "여기에 영어 문장을 입력하세요…"},
    "page.translate.input_help": {
        "en": "Each line is translated on its own (at most {max} lines); a long line is split into sentences.",
        "ko": "한 줄씩 따로 번역합니다(최대 {max}줄). 긴 줄은 문장 단위로 나누어 번역합니다.",
    },
    "page.translate.method": {"en": "Decoding", "ko": "디코딩 방법"},
    "page.translate.method.greedy": {"en": "Greedy", "ko": "탐욕적 디코딩"},
    "page.translate.method.beam": {"en": "Beam search", "ko": "빔 탐색"},
    "page.translate.method_help.greedy": {
        "en": "At every step, write the single most likely next subword. Fast, but an early mistake cannot be undone.",
        "ko": "매 단계 가장 확률이 높은 서브워드 하나만 씁니다. 빠르지만 앞에서 한 실수를 되돌릴 수 없습니다.",
    },
    "page.translate.method_help.beam": {
        "en": "Keep the most likely partial translations (the beam) at every step; finished ones are ranked by "
        "log-probability divided by a length penalty, so short outputs are not favoured.",
        "ko": "매 단계 확률이 높은 부분 번역 여러 개(빔)를 유지합니다. 끝난 번역은 로그 확률을 길이 벌점으로 "
        "나눈 값으로 순위를 매겨 짧은 번역이 유리하지 않게 합니다.",
    },
    "page.translate.beam_width": {"en": "Beam width", "ko": "빔 너비"},
    "page.translate.beam_width_help": {
        "en": "Partial translations kept at every step; width 1 is greedy decoding.",
        "ko": "매 단계 유지하는 부분 번역의 수입니다. 너비 1은 탐욕적 디코딩과 같습니다.",
    },
    "page.translate.n_best": {"en": "Translations to list", "ko": "보여 줄 번역 수"},
    "page.translate.n_best_help": {
        "en": "How many of the beam's finished translations to show (at most the beam width).",
        "ko": "빔에서 끝난 번역을 몇 개 보여 줄지 정합니다(빔 너비 이하).",
    },
    "page.translate.translate": {"en": "Translate", "ko": "번역하기"},
    "page.translate.empty": {
        "en": "Type an English sentence (or several, one per line) to translate.",
        "ko": "번역할 영어 문장을 입력하세요(여러 문장이면 한 줄에 하나씩).",
    },
    "page.translate.translating": {"en": "Translating {n} line(s)…", "ko": "{n}줄을 번역하는 중…"},
    "page.translate.translating_fixed": {
        "en": "Translating with the fixed-vector model…",
        "ko": "고정 길이 벡터 모델로 번역하는 중…",
    },
    "page.translate.failed": {"en": "Could not translate: {message}", "ko": "번역하지 못했습니다: {message}"},
    "page.translate.no_output": {
        "en": "Press “Translate” to see the French translation.",
        "ko": "“번역하기”를 누르면 프랑스어 번역이 나타납니다.",
    },
    "page.translate.output_header": {"en": "French", "ko": "프랑스어 번역"},
    "page.translate.width_suffix": {"en": ", width {width}", "ko": ", 너비 {width}"},
    "page.translate.output_caption": {
        "en": "{model} · {method} · {n} line(s)",
        "ko": "{model} · {method} · {n}줄",
    },
    "page.translate.line_note": {"en": "Line {line}: {note}", "ko": "{line}번째 줄: {note}"},
    "page.translate.nothing_translated": {
        "en": "Nothing was left to translate, so there is no attention to show.",
        "ko": "번역할 내용이 남지 않아 보여 줄 어텐션이 없습니다.",
    },
    "page.translate.inside_header": {"en": "Inside the translation", "ko": "번역 과정 들여다보기"},
    "page.translate.sentence": {"en": "Sentence", "ko": "문장"},
    "page.translate.sentence_help": {
        "en": "{n} sentences were translated; pick the one whose n-best list, subwords and attention to show.",
        "ko": "{n}개의 문장을 번역했습니다. n-best 목록, 서브워드, 어텐션을 볼 문장을 고르세요.",
    },
    "page.translate.sentence_option": {"en": "{i}. (line {line}) {text}", "ko": "{i}. ({line}번째 줄) {text}"},
    "page.translate.n_best_header": {"en": "n-best list", "ko": "n-best 목록"},
    "page.translate.col.rank": {"en": "rank", "ko": "순위"},
    "page.translate.col.translation": {"en": "translation", "ko": "번역"},
    "page.translate.col.score": {"en": "score", "ko": "점수"},
    "page.translate.col.logprob": {"en": "log-probability", "ko": "로그 확률"},
    "page.translate.col.finished": {"en": "ended with </s>", "ko": "</s>로 끝남"},
    "page.translate.n_best_caption.greedy": {
        "en": "Greedy decoding gives one translation; its score is its log-probability (nats). Switch to beam search "
        "to see the alternatives.",
        "ko": "탐욕적 디코딩은 번역을 하나만 냅니다. 점수는 그 로그 확률(nats)입니다. 다른 후보를 보려면 빔 탐색으로 "
        "바꾸세요.",
    },
    "page.translate.n_best_caption.beam": {
        "en": "Score: log-probability divided by the length penalty ((5 + L)/6)^0.6 (higher is better). “✗” means "
        "the translation was cut by the length limit instead of ending with </s>.",
        "ko": "점수: 로그 확률을 길이 벌점 ((5 + L)/6)^0.6으로 나눈 값입니다(높을수록 좋음). “✗”는 </s>로 끝나지 않고 "
        "길이 제한에서 잘린 번역입니다.",
    },
    "page.translate.pieces_header": {"en": "Subwords (sentencepiece)", "ko": "서브워드(sentencepiece)"},
    "page.translate.pieces_caption": {
        "en": "The model reads and writes subwords, not words: “▁” marks the start of a word, rare words are split "
        "into pieces, and </s> ends a sentence.",
        "ko": "모델은 단어가 아니라 서브워드를 읽고 씁니다. “▁”는 단어의 시작을 뜻하고, 드문 단어는 여러 조각으로 "
        "나뉘며, </s>는 문장의 끝입니다.",
    },
    "page.translate.pieces_source": {"en": "English: {n} pieces", "ko": "영어: {n}조각"},
    "page.translate.pieces_target": {"en": "French: {n} pieces", "ko": "프랑스어: {n}조각"},
    "page.translate.heatmap_header": {"en": "Attention", "ko": "어텐션"},
    "page.translate.heatmap_title": {
        "en": "Where the decoder looked while writing each French subword",
        "ko": "디코더가 프랑스어 서브워드를 쓸 때마다 바라본 곳",
    },
    "page.translate.heatmap_x": {"en": "English subwords (source)", "ko": "영어 서브워드(입력)"},
    "page.translate.heatmap_y": {"en": "French subwords, in writing order", "ko": "프랑스어 서브워드(쓴 순서)"},
    "page.translate.heatmap_weight": {"en": "weight α", "ko": "가중치 α"},
    "page.translate.heatmap_hover": {
        "en": "writing “{target}”: looked at “{source}” with weight {weight}<br>looked most at: {top}",
        "ko": "“{target}”을(를) 쓸 때 “{source}”에 가중치 {weight}<br>가장 많이 본 곳: {top}",
    },
    "page.translate.heatmap_caption": {
        "en": "Row t is the attention α_t = softmax(score(h_t, h̄_s)) over the source positions when the decoder wrote "
        "French piece t (each row sums to 1). Hover a cell to see the source piece and its weight; word order "
        "changes (adjective after the noun in French) show up as steps off the diagonal.",
        "ko": "t번째 행은 디코더가 t번째 프랑스어 조각을 쓸 때 입력 위치들에 준 어텐션 "
        "α_t = softmax(score(h_t, h̄_s))입니다(각 행의 합은 1). 칸 위에 마우스를 올리면 입력 조각과 가중치가 "
        "보입니다. 프랑스어에서 형용사가 명사 뒤로 가는 것처럼 어순이 바뀌는 곳은 대각선에서 벗어난 계단 모양으로 "
        "나타납니다.",
    },
    "page.translate.no_attention": {
        "en": "This model has no attention, so there are no weights to show.",
        "ko": "이 모델에는 어텐션이 없어서 보여 줄 가중치가 없습니다.",
    },
    "page.translate.encoder_header": {
        "en": "Encoder view: one fixed vector vs attention",
        "ko": "인코더 보기: 고정 길이 벡터 하나 vs 어텐션",
    },
    "page.translate.encoder_intro": {
        "en": "Without attention, the decoder sees the English sentence only through the encoder's final state, one "
        "fixed-size vector for the whole sentence. Short sentences fit; long ones do not, and their translations "
        "drift or stop early. With attention the decoder looks back at every encoder state at every step.",
        "ko": "어텐션이 없으면 디코더는 인코더의 마지막 상태, 즉 문장 전체를 담은 고정 길이 벡터 하나로만 영어 문장을 "
        "봅니다. 짧은 문장은 담기지만 긴 문장은 담기지 않아 번역이 엇나가거나 일찍 끝납니다. 어텐션이 있으면 디코더가 "
        "매 단계 인코더의 모든 상태를 다시 참고합니다.",
    },
    "page.translate.fixed_missing": {
        "en": "The fixed-vector model `{name}` is not installed, so there is nothing to compare with yet. Train it "
        "with the same data and no attention, then measure and ship it (`DATA`: your data directory):",
        "ko": "고정 길이 벡터 모델 `{name}`이(가) 설치되어 있지 않아 아직 비교할 수 없습니다. 같은 데이터로 "
        "어텐션 없이 학습한 뒤 평가하고 내보내세요(`DATA`: 데이터 디렉터리):",
    },
    "page.translate.compare_empty": {
        "en": "Translate something to see both models' outputs side by side.",
        "ko": "번역을 하면 두 모델의 결과를 나란히 볼 수 있습니다.",
    },
    "page.translate.col.english": {"en": "English", "ko": "영어"},
    "page.translate.col.words": {"en": "words", "ko": "단어 수"},
    "page.translate.col.attention": {"en": "with attention", "ko": "어텐션 사용"},
    "page.translate.col.fixed": {"en": "fixed vector", "ko": "고정 길이 벡터"},
    "page.translate.compare_caption": {
        "en": "Same input, same decoding: {attention} (with attention) and {fixed} (fixed vector). Try a long "
        "sentence.",
        "ko": "같은 입력, 같은 디코딩: {attention}(어텐션 사용)과 {fixed}(고정 길이 벡터). 긴 문장을 넣어 보세요.",
    },
    "page.translate.scores_missing": {
        "en": "No measured BLEU scores are recorded with these models, so there is no chart (the page never "
        "invents numbers). `eval-translator` measures BLEU by source length on the test split; `export --metrics` "
        "records the result with the shipped model:",
        "ko": "이 모델들에는 측정된 BLEU 점수가 기록되어 있지 않아 그래프가 없습니다(페이지는 숫자를 지어내지 "
        "않습니다). `eval-translator`가 테스트 데이터에서 입력 길이별 BLEU를 측정하고, `export --metrics`가 "
        "그 결과를 배포 모델과 함께 기록합니다:",
    },
    "page.translate.bleu_title": {"en": "Measured BLEU by source length", "ko": "입력 길이별 측정 BLEU"},
    "page.translate.bleu_x": {"en": "English sentence length (words)", "ko": "영어 문장 길이(단어 수)"},
    "page.translate.bleu_y": {"en": "BLEU", "ko": "BLEU"},
    "page.translate.bleu_hover": {
        "en": "{model}: BLEU {bleu} on {n} sentences",
        "ko": "{model}: {n}개 문장에서 BLEU {bleu}",
    },
    "page.translate.bleu_source": {
        "en": "{model}: BLEU {bleu} overall on {n} {split} sentences ({method}), recorded in {where}.",
        "ko": "{model}: {split} 데이터 {n}개 문장 전체 BLEU {bleu}({method}), {where}에 기록된 값입니다.",
    },
    "page.translate.split.test": {"en": "test", "ko": "테스트"},
    "page.translate.split.val": {"en": "validation", "ko": "검증"},
    "page.translate.bleu_missing_one": {
        "en": "{model}: no measured scores recorded, so it is not in the chart.",
        "ko": "{model}: 기록된 측정 점수가 없어 그래프에 없습니다.",
    },
    "page.translate.note.empty": {
        "en": "The input is empty: nothing to translate.",
        "ko": "입력이 비어 있어 번역할 것이 없습니다.",
    },
    "page.translate.note.input_cut": {
        "en": "The input is longer than {max} characters: only the start was translated.",
        "ko": "입력이 {max}자보다 길어 앞부분만 번역했습니다.",
    },
    "page.translate.note.all_caps": {
        "en": "The input is all capitals: it was translated in sentence case and the output upper-cased.",
        "ko": "입력이 모두 대문자여서 문장 첫 글자만 대문자로 바꾸어 번역한 뒤 결과를 대문자로 바꾸었습니다.",
    },
    "page.translate.note.unseen": {
        "en": "Removed characters the model never saw in training: {chars}",
        "ko": "모델이 학습 중에 본 적 없는 문자를 지웠습니다: {chars}",
    },
    "page.translate.note.nothing_left": {
        "en": "Nothing was left to translate.",
        "ko": "번역할 내용이 남지 않았습니다.",
    },
    "page.translate.note.split": {
        "en": "Long input: translated sentence by sentence ({n} sentences).",
        "ko": "입력이 길어 문장 단위로 번역했습니다({n}개 문장).",
    },
    "page.translate.note.max_sentences": {
        "en": "Only the first {max} of {n} sentences were translated.",
        "ko": "{n}개 문장 중 앞의 {max}개만 번역했습니다.",
    },
    "page.translate.note.sentence_cut": {
        "en": "A sentence longer than {max} subwords was cut after “…{end}”.",
        "ko": "{max}개 서브워드보다 긴 문장을 “…{end}” 뒤에서 잘랐습니다.",
    },
    "page.translate.note.text_cut": {
        "en": "The text is longer than {max} characters: only the start was translated.",
        "ko": "텍스트가 {max}자보다 길어 앞부분만 번역했습니다.",
    },
    "page.translate.note.too_many_lines": {
        "en": "Only the first {max} of {n} lines were translated.",
        "ko": "{n}줄 중 앞의 {max}줄만 번역했습니다.",
    },
}


def _strict() -> bool:
    """Strict mode raises on unknown keys and missing translations (tests, or RNN_LAB_I18N_STRICT=1)."""
    env = os.environ.get("RNN_LAB_I18N_STRICT")
    if env is not None:
        return env.strip().lower() not in ("", "0", "false", "no")
    return "pytest" in sys.modules


def _in_script_run() -> bool:
    """True while a Streamlit script (app or AppTest) is running in this thread."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - streamlit is a hard dependency of the dashboard
        return False
    return get_script_run_ctx(suppress_warning=True) is not None


def normalise_lang(value: object) -> str | None:
    """Map a user-supplied language tag (``"ko"``, ``"KO"``, ``"ko-KR"``, ``"kr"``) to a code in LANGS."""
    if isinstance(value, list):  # repeated query parameter: the last one wins, as in st.query_params
        value = value[-1] if value else None
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    code = {"kr": "ko", "kor": "ko", "eng": "en"}.get(code, code)
    return code if code in LANGS else None


def get_lang() -> str:
    """The current UI language code: session state inside a Streamlit run, else the set_lang() fallback."""
    if _in_script_run():
        import streamlit as st

        lang = st.session_state.get(SESSION_KEY)
        return lang if lang in LANGS else DEFAULT_LANG
    return _fallback_lang


def set_lang(lang: str) -> None:
    """Switch the UI language (``"en"`` or ``"ko"``).

    Inside a Streamlit run this sets ``st.session_state["lang"]`` (the app's language switch follows
    it on the next widget render); outside one (unit tests, scripts) it sets the module fallback.
    """
    global _fallback_lang
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {sorted(LANGS)}")
    if _in_script_run():
        import streamlit as st

        st.session_state[SESSION_KEY] = lang
    else:
        _fallback_lang = lang


def init_lang() -> str:
    """Initialise ``st.session_state["lang"]`` once per session and return the current language.

    On a session's first run the ``?lang=`` query parameter (if valid) picks the language, otherwise
    English; after that the session state is the source of truth (the language switch writes it).
    """
    import streamlit as st

    if st.session_state.get(SESSION_KEY) not in LANGS:
        st.session_state[SESSION_KEY] = normalise_lang(st.query_params.get(QUERY_KEY)) or DEFAULT_LANG
    return st.session_state[SESSION_KEY]


def sync_query_param() -> None:
    """Mirror the current language into the URL (``?lang=ko``; no parameter for English).

    So that reloading the page or sharing its link keeps the language, also after switching pages.
    """
    import streamlit as st

    lang = get_lang()
    current = st.query_params.get(QUERY_KEY)
    if lang == DEFAULT_LANG:
        if QUERY_KEY in st.query_params:
            del st.query_params[QUERY_KEY]
    elif current != lang:
        st.query_params[QUERY_KEY] = lang


def placeholders(template: str) -> set[str]:
    """Names of the ``{placeholders}`` in a str.format template (``"{n:d} of {total}"`` -> {n, total})."""
    names: set[str] = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(template):
        if field is not None:
            # "{a.b}" / "{a[0]}" -> "a"; "{}" positional fields are reported as "".
            names.add(field.split(".")[0].split("[")[0])
    return names


def t(key: str, /, *, lang: str | None = None, **fmt: object) -> str:
    """The text for ``key`` in the current language (or ``lang``), formatted with ``fmt``.

    >>> set_lang("ko"); t("home.card_topic", topic="LSTM")
    '강의 주제: LSTM'
    """
    entry: Mapping[str, str] | None = STRINGS.get(key)
    if entry is None:
        if _strict():
            raise KeyError(f"i18n: unknown key {key!r} (add it to dashboard/i18n.py STRINGS)")
        _LOG.warning("i18n: unknown key %r", key)
        return key
    code = lang or get_lang()
    text = entry.get(code)
    if text is None:
        if _strict():
            raise KeyError(f"i18n: key {key!r} has no {code!r} text")
        _LOG.warning("i18n: key %r has no %r text; using %r", key, code, DEFAULT_LANG)
        text = entry[DEFAULT_LANG]
    try:
        return text.format(**fmt)
    except (KeyError, IndexError, ValueError):
        if _strict():
            raise
        _LOG.warning("i18n: could not format %r with %r", key, sorted(fmt))
        return text
