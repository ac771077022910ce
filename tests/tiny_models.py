"""Build tiny random Hugging Face checkpoints fully offline.

The end-to-end tests serve these directories from a local Hub server and run generated pytest files
against them, so every checkpoint must load back with the Auto classes and run one real inference.
Nothing is downloaded: tokenizers are built with the ``tokenizers`` library, weights are random
(``torch.manual_seed(0)``) and everything is written with ``save_pretrained``.

Public API::

    TINY_MODEL_TYPES  # model types that can be built
    TINY_MODEL_TASKS  # model type -> pipeline task served by the saved head
    build_tiny_model(model_type, out_dir) -> {relative filename: bytes}
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

# Common transformer sizes: 2 layers, hidden 32, 4 heads, intermediate 37.
HIDDEN = 32
LAYERS = 2
HEADS = 4
INTERMEDIATE = 37
TINY_IMAGE_SIZE = 30
TINY_PATCH_SIZE = 10
SAMPLING_RATE = 16000
# Position limits, equal to the tokenizer's model_max_length so that truncation=True always fits the model.
# 512 also leaves room for the text-generation pipeline's default max_new_tokens=256.
TEXT_POSITIONS = 512
WHISPER_TARGET_POSITIONS = 448  # as in the real checkpoints; the ASR pipeline may ask for 256 new tokens
CLIP_TEXT_POSITIONS = 77

CORPUS = (
    "hello world",
    "Hello world! This is a tiny test.",
    "the quick brown fox jumps over the lazy dog",
    "a photo of a cat",
    "a photo of a dog",
    "Paris is the capital of France.",
    "translate English to German: the house is wonderful.",
    "summarize: the tiny model is random and fast",
    "I love this movie, it is great",
    "I hate this movie, it is bad",
    "My name is Sarah and I live in London",
    "The goal of life is [MASK].",
    "testing 1 2 3 4 5 6 7 8 9 0",
)

WORDPIECE_SPECIALS = {
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "mask_token": "[MASK]",
}
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
WHISPER_SPECIALS = (
    "<|endoftext|>",
    "<|startoftranscript|>",
    "<|en|>",
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    "<|notimestamps|>",
)


# --------------------------------------------------------------------------------------------
# Tokenizers (built offline with the `tokenizers` library)
# --------------------------------------------------------------------------------------------


def _corpus_words() -> list[str]:
    """Lower-cased words of the corpus, in first-seen order, punctuation stripped."""
    words: dict[str, None] = {}
    for sentence in CORPUS:
        for raw in sentence.lower().split():
            word = raw.strip(PUNCTUATION)
            if word:
                words[word] = None
    return list(words)


def _wordpiece_tokenizer():
    """BERT-style WordPiece tokenizer: specials, corpus words, single characters and ``##`` pieces."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    chars = list(LETTERS + DIGITS + PUNCTUATION)
    pieces = list(WORDPIECE_SPECIALS.values()) + _corpus_words() + chars + [f"##{c}" for c in LETTERS + DIGITS]
    vocab = {piece: i for i, piece in enumerate(dict.fromkeys(pieces))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return tok


def _apply_merge(word: list[str], pair: tuple[str, str]) -> list[str]:
    merged: list[str] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            merged.append(word[i] + word[i + 1])
            i += 2
        else:
            merged.append(word[i])
            i += 1
    return merged


def _learn_merges(tok, n_merges: int, suffix: str = "") -> list[tuple[str, str]]:
    """Learn BPE merges on the corpus, in pure Python so ids and merges are identical on every run.

    (``tokenizers``' BpeTrainer numbers suffixed symbols such as ``x</w>`` in hash-map order.)
    """
    words = []
    for sentence in CORPUS:
        text = tok.normalizer.normalize_str(sentence) if tok.normalizer else sentence
        for piece, _ in tok.pre_tokenizer.pre_tokenize_str(text):
            symbols = list(piece)
            symbols[-1] += suffix
            words.append(symbols)
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        counts = Counter(pair for word in words for pair in pairwise(word))
        if not counts:
            break
        best = min(counts, key=lambda pair: (-counts[pair], pair))
        merges.append(best)
        words = [_apply_merge(word, best) for word in words]
    return merges


def _byte_level_bpe(
    head: tuple[str, ...] = (),
    tail: tuple[str, ...] = (),
    *,
    suffix: str = "",
    normalizer=None,
    split=None,
    **bpe_kwargs: Any,
):
    """Byte-level BPE (GPT-2 / RoBERTa / Whisper / CLIP style) with merges learned on the tiny corpus.

    Vocab layout: ``head`` specials, the 256 byte symbols (and their ``suffix`` variants), merged symbols,
    ``tail`` specials. ``split`` is an optional pre-tokenizer run before the byte-level one (CLIP).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Sequence([split, byte_level]) if split else byte_level
    tok.decoder = decoders.ByteLevel()
    merges = _learn_merges(tok, n_merges=64, suffix=suffix)
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    suffixed = [symbol + suffix for symbol in alphabet] if suffix else []
    pieces = [*head, *alphabet, *suffixed, *("".join(pair) for pair in merges), *tail]
    vocab = {piece: i for i, piece in enumerate(dict.fromkeys(pieces))}
    if suffix:
        bpe_kwargs["end_of_word_suffix"] = suffix
    tok.model = models.BPE(vocab, merges, **bpe_kwargs)
    tok.add_special_tokens([*head, *tail])
    return tok


def _gpt2_tokenizer():
    return _byte_level_bpe(tail=("<|endoftext|>",))


def _bart_tokenizer():
    """RoBERTa/BART layout: <s>=0, <pad>=1, </s>=2, <unk>=3, ..., <mask> last."""
    from tokenizers import processors

    tok = _byte_level_bpe(("<s>", "<pad>", "</s>", "<unk>"), ("<mask>",), unk_token="<unk>")
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")), add_prefix_space=False
    )
    return tok


def _whisper_tokenizer():
    """Byte-level BPE, then Whisper's special tokens (``<|notimestamps|>`` is the last special id), then the
    1501 timestamp tokens ``<|0.00|>`` ... ``<|30.00|>`` as plain added tokens, as in the real checkpoints."""
    from tokenizers import AddedToken

    tok = _byte_level_bpe(tail=WHISPER_SPECIALS)
    timestamps = [f"<|{i * 0.02:.2f}|>" for i in range(1501)]
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in timestamps])
    return tok


def _clip_tokenizer():
    """CLIP-style BPE: lower-cased, ``</w>`` end-of-word suffix, ``<|startoftext|> ... <|endoftext|>``
    (the two specials are the last ids, as in openai/clip-vit-base-patch32)."""
    from tokenizers import Regex, normalizers, pre_tokenizers, processors

    normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()]
    )
    split = pre_tokenizers.Split(
        Regex(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
        behavior="removed",
        invert=True,
    )
    bos, eos = "<|startoftext|>", "<|endoftext|>"
    tok = _byte_level_bpe(
        tail=(bos, eos), suffix="</w>", normalizer=normalizer, split=split, unk_token=eos, fuse_unk=False
    )
    tok.post_processor = processors.RobertaProcessing(
        (eos, tok.token_to_id(eos)), (bos, tok.token_to_id(bos)), trim_offsets=False, add_prefix_space=False
    )
    return tok


def _unigram_tokenizer():
    """SentencePiece-compatible Unigram (T5 layout: <pad>=0, </s>=1, <unk>=2, then pieces)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors

    pieces: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    for rank, word in enumerate(_corpus_words()):
        pieces.append((f"▁{word}", -3.0 - rank / 100))
    for char in LETTERS + LETTERS.upper() + DIGITS + PUNCTUATION:
        pieces.append((char, -8.0))
        pieces.append((f"▁{char}", -9.0))
    vocab = list({piece: score for piece, score in pieces}.items())
    tok = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"], special_tokens=[("</s>", 1)]
    )
    return tok


def _wrap(cls_name: str, tokenizer_object, max_length: int = TEXT_POSITIONS, **special_tokens: Any):
    """Wrap a `tokenizers.Tokenizer` in the transformers (fast) tokenizer class named ``cls_name``.

    ``tokenizer_object=`` is accepted by the fast classes of transformers 4.x and by the
    tokenizers-backed classes of 5.x (where ``BertTokenizerFast`` etc. are aliases).
    """
    import transformers

    cls = getattr(transformers, cls_name)
    return cls(tokenizer_object=tokenizer_object, model_max_length=max_length, **special_tokens)


def _bert_family_tokenizer(cls_name: str):
    return _wrap(cls_name, _wordpiece_tokenizer(), do_lower_case=True, **WORDPIECE_SPECIALS)


def _wav2vec2_tokenizer(out_dir: Path):
    """Character-level CTC tokenizer from a vocab json (the same layout as facebook/wav2vec2-base-960h)."""
    from transformers import Wav2Vec2CTCTokenizer

    symbols = ["<pad>", "<s>", "</s>", "<unk>", "|", *LETTERS.upper(), "'"]
    vocab_file = out_dir / "vocab.json"
    vocab_file.write_text(json.dumps({s: i for i, s in enumerate(symbols)}, indent=2), encoding="utf-8")
    return Wav2Vec2CTCTokenizer(str(vocab_file), word_delimiter_token="|", do_lower_case=False)


# --------------------------------------------------------------------------------------------
# Models: one builder per model type. Each saves config, weights and tokenizer/processor files.
# --------------------------------------------------------------------------------------------


def _save_model(model, out_dir: Path) -> None:
    model.save_pretrained(out_dir, safe_serialization=True)


def _save_processor(processor, out_dir: Path) -> None:
    """Save a processor plus its feature extractor / image processor on its own.

    transformers 5.x nests the feature extractor inside processor_config.json; the standalone
    preprocessor_config.json keeps ``AutoFeatureExtractor``/``AutoImageProcessor`` and transformers 4.x working.
    """
    processor.save_pretrained(out_dir)
    # image_processor first: CLIPProcessor.feature_extractor is a deprecated alias on transformers 4.x.
    for attribute in ("image_processor", "feature_extractor"):
        component = getattr(processor, attribute, None)
        if component is not None:
            component.save_pretrained(out_dir)
            return


def _random_model(model_cls, config):
    import torch

    torch.manual_seed(0)
    model = model_cls(config)
    model.eval()
    return model


def _set_generation(model, **values: Any) -> None:
    """Give the model an explicit generation config (saved as generation_config.json).

    A fresh ``GenerationConfig`` (not derived from the model config) keeps ``_from_model_config`` false, so
    transformers 4.x does not rebuild it from config.json at ``generate`` time.
    """
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(**values)


def _mute_tokens(model, token_ids) -> None:
    """Zero the (tied input/output) embedding rows of ``token_ids``, so their logits are exactly 0.

    Random weights otherwise make greedy decoding repeat a special token (T5's ``<pad>``, BART's ``<s>``,
    Whisper's ``<|notimestamps|>``), which decodes to an empty string. For Whisper's timestamp tokens it also stops
    ``generate`` from treating the output as timestamped segments and looping over the 30 s window (far
    more tokens than ``max_new_tokens``); they are still produced when timestamps are requested.
    """
    import torch

    with torch.no_grad():
        model.get_input_embeddings().weight[list(token_ids)] = 0.0


def _non_eos_special_ids(tokenizer) -> list[int]:
    return [i for i in tokenizer.all_special_ids if i != tokenizer.eos_token_id]


# BERT heads per task: a generated test loads strictly, so each task needs a checkpoint that has its head.
BERT_HEADS = {
    "fill-mask": "BertForMaskedLM",
    "token-classification": "BertForTokenClassification",
    "question-answering": "BertForQuestionAnswering",
    "feature-extraction": "BertModel",
}
# Labels of the token-classification head (a NER tag set, as real checkpoints name theirs).
NER_LABELS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC")


def _tiny_bert_config(tokenizer, vocab_size: int):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        max_position_embeddings=TEXT_POSITIONS,
        type_vocab_size=2,
        pad_token_id=tokenizer.pad_token_id,
    )


def _build_bert(out_dir: Path, task: str = "fill-mask") -> None:
    import transformers

    tokenizer = _bert_family_tokenizer("BertTokenizerFast")
    config = _tiny_bert_config(tokenizer, len(tokenizer))
    if task == "token-classification":
        config.id2label = dict(enumerate(NER_LABELS))
        config.label2id = {label: index for index, label in enumerate(NER_LABELS)}
    _save_model(_random_model(getattr(transformers, BERT_HEADS[task]), config), out_dir)
    tokenizer.save_pretrained(out_dir)


def _build_distilbert(out_dir: Path) -> None:
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    tokenizer = _bert_family_tokenizer("DistilBertTokenizerFast")
    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        dim=HIDDEN,
        n_layers=LAYERS,
        n_heads=HEADS,
        hidden_dim=INTERMEDIATE,
        max_position_embeddings=TEXT_POSITIONS,
        pad_token_id=tokenizer.pad_token_id,
        id2label={0: "NEGATIVE", 1: "POSITIVE"},
        label2id={"NEGATIVE": 0, "POSITIVE": 1},
    )
    _save_model(_random_model(DistilBertForSequenceClassification, config), out_dir)
    tokenizer.save_pretrained(out_dir)


def _build_gpt2(out_dir: Path) -> None:
    from transformers import GPT2Config, GPT2LMHeadModel

    eot = "<|endoftext|>"
    tokenizer = _wrap("GPT2TokenizerFast", _gpt2_tokenizer(), bos_token=eot, eos_token=eot, unk_token=eot)
    eot_id = tokenizer.eos_token_id
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=TEXT_POSITIONS,
        n_embd=HIDDEN,
        n_layer=LAYERS,
        n_head=HEADS,
        n_inner=INTERMEDIATE,
        bos_token_id=eot_id,
        eos_token_id=eot_id,
        pad_token_id=eot_id,
    )
    model = _random_model(GPT2LMHeadModel, config)
    _set_generation(model, bos_token_id=eot_id, eos_token_id=eot_id, pad_token_id=eot_id)
    _save_model(model, out_dir)
    tokenizer.save_pretrained(out_dir)


def _build_t5(out_dir: Path) -> None:
    from transformers import T5Config, T5ForConditionalGeneration

    specials = {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}
    tokenizer = _wrap("T5TokenizerFast", _unigram_tokenizer(), extra_ids=0, **specials)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=HIDDEN,
        d_kv=HIDDEN // HEADS,
        d_ff=INTERMEDIATE,
        num_layers=LAYERS,
        num_decoder_layers=LAYERS,
        num_heads=HEADS,
        relative_attention_num_buckets=8,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    model = _random_model(T5ForConditionalGeneration, config)
    _mute_tokens(model, _non_eos_special_ids(tokenizer))
    _set_generation(
        model,
        decoder_start_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    _save_model(model, out_dir)
    tokenizer.save_pretrained(out_dir)


def _build_bart(out_dir: Path) -> None:
    from transformers import BartConfig, BartForConditionalGeneration

    specials = {
        "bos_token": "<s>",
        "pad_token": "<pad>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "mask_token": "<mask>",
    }
    tokenizer = _wrap("BartTokenizerFast", _bart_tokenizer(), **specials)
    ids = {
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "decoder_start_token_id": tokenizer.eos_token_id,
    }
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=HIDDEN,
        encoder_layers=LAYERS,
        decoder_layers=LAYERS,
        encoder_attention_heads=HEADS,
        decoder_attention_heads=HEADS,
        encoder_ffn_dim=INTERMEDIATE,
        decoder_ffn_dim=INTERMEDIATE,
        max_position_embeddings=TEXT_POSITIONS,
        **ids,
    )
    model = _random_model(BartForConditionalGeneration, config)
    _mute_tokens(model, _non_eos_special_ids(tokenizer))
    # forced_* ids belong in generation_config.json only (transformers 4.x warns when they are in config.json).
    forced = {"forced_bos_token_id": tokenizer.bos_token_id, "forced_eos_token_id": tokenizer.eos_token_id}
    _set_generation(model, **ids, **forced)
    _save_model(model, out_dir)
    tokenizer.save_pretrained(out_dir)


def _build_vit(out_dir: Path) -> None:
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    labels = ("cat", "dog", "bird")
    config = ViTConfig(
        image_size=TINY_IMAGE_SIZE,
        patch_size=TINY_PATCH_SIZE,
        num_channels=3,
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    _save_model(_random_model(ViTForImageClassification, config), out_dir)
    processor = ViTImageProcessor(
        size={"height": TINY_IMAGE_SIZE, "width": TINY_IMAGE_SIZE},
        image_mean=[0.5, 0.5, 0.5],
        image_std=[0.5, 0.5, 0.5],
    )
    processor.save_pretrained(out_dir)


def _build_whisper(out_dir: Path) -> None:
    """Whisper with the standard 30 s window (3000 mel frames -> 1500 encoder positions), 80 mel bins.

    The feature extractor always pads/truncates to 30 s, so the encoder keeps 1500 positions.
    """
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration, WhisperProcessor

    eot = "<|endoftext|>"
    specials = {"bos_token": eot, "eos_token": eot, "unk_token": eot, "pad_token": eot}
    tokenizer = _wrap("WhisperTokenizerFast", _whisper_tokenizer(), WHISPER_TARGET_POSITIONS, **specials)
    feature_extractor = WhisperFeatureExtractor(feature_size=80, sampling_rate=SAMPLING_RATE)
    ids = {name: tokenizer.convert_tokens_to_ids(name) for name in WHISPER_SPECIALS}
    eot_id, sot_id = ids[eot], ids["<|startoftranscript|>"]
    config = WhisperConfig(
        vocab_size=len(tokenizer),
        num_mel_bins=feature_extractor.feature_size,
        d_model=HIDDEN,
        encoder_layers=LAYERS,
        decoder_layers=LAYERS,
        encoder_attention_heads=HEADS,
        decoder_attention_heads=HEADS,
        encoder_ffn_dim=INTERMEDIATE,
        decoder_ffn_dim=INTERMEDIATE,
        max_source_positions=feature_extractor.nb_max_frames // 2,
        max_target_positions=WHISPER_TARGET_POSITIONS,
        bos_token_id=eot_id,
        eos_token_id=eot_id,
        pad_token_id=eot_id,
        decoder_start_token_id=sot_id,
        # Generation settings live in generation_config.json; None here overrides the real-vocab defaults.
        suppress_tokens=None,
        begin_suppress_tokens=None,
    )
    model = _random_model(WhisperForConditionalGeneration, config)
    _mute_tokens(model, range(sot_id, len(tokenizer)))
    _set_generation(
        model,
        bos_token_id=eot_id,
        eos_token_id=eot_id,
        pad_token_id=eot_id,
        decoder_start_token_id=sot_id,
        no_timestamps_token_id=ids["<|notimestamps|>"],
        prev_sot_token_id=ids["<|startofprev|>"],
        # Multilingual with a single language, so generate(language="en", task="transcribe") also works.
        is_multilingual=True,
        lang_to_id={"<|en|>": ids["<|en|>"]},
        task_to_id={"translate": ids["<|translate|>"], "transcribe": ids["<|transcribe|>"]},
        forced_decoder_ids=None,
        suppress_tokens=[],
        begin_suppress_tokens=[eot_id],
        alignment_heads=[[LAYERS - 1, head] for head in range(HEADS)],
        # Keeps generate() and the ASR pipeline short (the pipeline only adds max_new_tokens=256 when the
        # generation config sets no max_length); max_new_tokens still takes precedence when passed.
        max_length=32,
    )
    _save_model(model, out_dir)
    _save_processor(WhisperProcessor(feature_extractor=feature_extractor, tokenizer=tokenizer), out_dir)


def _build_wav2vec2(out_dir: Path) -> None:
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC, Wav2Vec2Processor

    tokenizer = _wav2vec2_tokenizer(out_dir)
    config = Wav2Vec2Config(
        vocab_size=len(tokenizer),
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=INTERMEDIATE,
        conv_dim=(HIDDEN, HIDDEN, HIDDEN),
        conv_stride=(5, 4, 4),
        conv_kernel=(10, 8, 4),
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=4,
        feat_extract_norm="group",
        do_stable_layer_norm=False,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        ctc_loss_reduction="mean",
    )
    _save_model(_random_model(Wav2Vec2ForCTC, config), out_dir)
    feature_extractor = Wav2Vec2FeatureExtractor(
        feature_size=1,
        sampling_rate=SAMPLING_RATE,
        padding_value=0.0,
        do_normalize=True,
        return_attention_mask=False,
    )
    _save_processor(Wav2Vec2Processor(feature_extractor=feature_extractor, tokenizer=tokenizer), out_dir)


def _build_clip(out_dir: Path) -> None:
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor

    specials = {
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
    }
    tokenizer = _wrap("CLIPTokenizerFast", _clip_tokenizer(), CLIP_TEXT_POSITIONS, **specials)
    tower = {
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS,
    }
    text_config = dict(
        tower,
        vocab_size=len(tokenizer),
        max_position_embeddings=CLIP_TEXT_POSITIONS,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    vision_config = dict(tower, image_size=TINY_IMAGE_SIZE, patch_size=TINY_PATCH_SIZE, num_channels=3)
    config = CLIPConfig(text_config=text_config, vision_config=vision_config, projection_dim=HIDDEN)
    _save_model(_random_model(CLIPModel, config), out_dir)
    image_processor = CLIPImageProcessor(
        size={"shortest_edge": TINY_IMAGE_SIZE},
        crop_size={"height": TINY_IMAGE_SIZE, "width": TINY_IMAGE_SIZE},
    )
    _save_processor(CLIPProcessor(image_processor=image_processor, tokenizer=tokenizer), out_dir)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "bert": _build_bert,
    "distilbert": _build_distilbert,
    "gpt2": _build_gpt2,
    "t5": _build_t5,
    "bart": _build_bart,
    "vit": _build_vit,
    "whisper": _build_whisper,
    "wav2vec2": _build_wav2vec2,
    "clip": _build_clip,
}

TINY_MODEL_TYPES: tuple[str, ...] = tuple(BUILDERS)

TINY_MODEL_TASKS: dict[str, str] = {
    "bert": "fill-mask",
    "distilbert": "text-classification",
    "gpt2": "text-generation",
    "t5": "summarization",
    "bart": "summarization",
    "vit": "image-classification",
    "whisper": "automatic-speech-recognition",
    "wav2vec2": "automatic-speech-recognition",
    "clip": "zero-shot-image-classification",
}


def build_tiny_model(model_type: str, out_dir: Path, task: str | None = None) -> dict[str, bytes]:
    """Write a tiny random checkpoint (config, weights as model.safetensors, tokenizer and/or processor
    files) into out_dir and return {relative filename: bytes}.

    `task` picks another head where the type has several (bert: BERT_HEADS); by default the
    checkpoint serves TINY_MODEL_TASKS[model_type].
    """
    try:
        builder = BUILDERS[model_type]
    except KeyError:
        raise ValueError(f"unknown tiny model type {model_type!r}; known: {', '.join(TINY_MODEL_TYPES)}") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if task is None or task == TINY_MODEL_TASKS[model_type]:
        builder(out_dir)
    elif model_type == "bert" and task in BERT_HEADS:
        _build_bert(out_dir, task)
    else:
        raise ValueError(f"no tiny {model_type} checkpoint for {task!r}")
    return {
        path.relative_to(out_dir).as_posix(): path.read_bytes() for path in sorted(out_dir.rglob("*")) if path.is_file()
    }


def build_random_bert_pretraining(out_dir: Path, vocab_size: int = 30522) -> dict[str, bytes]:
    """A random BertForPreTraining (encoder with pooler, masked-LM and next-sentence heads) with the vocabulary
    size of google-bert/bert-base-uncased, so ids from that checkpoint's tests index it: a model a Hub
    repository of that id could hold, with the weights of none. Returns {relative filename: bytes}."""
    from transformers import BertForPreTraining

    tokenizer = _bert_family_tokenizer("BertTokenizerFast")
    config = _tiny_bert_config(tokenizer, vocab_size)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _save_model(_random_model(BertForPreTraining, config), out_dir)
    tokenizer.save_pretrained(out_dir)
    files = sorted(path for path in out_dir.rglob("*") if path.is_file())
    return {path.relative_to(out_dir).as_posix(): path.read_bytes() for path in files}
