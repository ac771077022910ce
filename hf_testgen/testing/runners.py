"""One real inference per task, returning what a test asserts and what goldens and parity compare.

Each runner takes the loaded model, a device and the file's fixed inputs, and returns a
`TaskOutput`: `fields` are the facts the generated test states claims about (the top words, the
labels, the answer, the similarities); `tensors` are a few compact float outputs (top-k scores, a
slice of logits or of an embedding) compared with recorded goldens and with the cpu run; `exact`
names the fields a golden compares exactly (token ids, labels, decoded text). Runners are called
under `torch.inference_mode()` by `ModelUnderTest`; they check that what they read is finite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

TOP_K = 5
SLICE = 8  # how many values of a logits row or an embedding a golden keeps
MAX_ANSWER_TOKENS = 30
DATA = "hf_testgen.testing"


@dataclass
class TaskOutput:
    """What one runner produced on one device; fields read as attributes (`output.top_words`)."""

    task: str
    fields: dict[str, Any]
    tensors: dict[str, Any]  # name -> float32 cpu tensor
    exact: tuple[str, ...] = ()
    seconds: float = 0.0
    call: tuple = field(default=(), repr=False)  # (runner name, inputs): how to run it again on cpu

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(f"{self.__dict__.get('task')} output has no {name!r}; it has {sorted(fields)}")


def _compact(torch, tensor, what: str):
    """A float32 cpu copy, after checking it holds no NaN or infinity."""
    values = tensor.detach().float().cpu()
    assert bool(torch.isfinite(values).all()), f"{what} has NaN or infinite values"
    return values


def _unknown_tokens(tokenizer, ids) -> int:
    """How many of `ids` are the tokenizer's unknown token: plain English text should have none."""
    unknown = getattr(tokenizer, "unk_token_id", None)
    return 0 if unknown is None else int((ids == unknown).sum())


def _label(config, index: int) -> str:
    """The name the config gives a class index (a classifier must name its classes)."""
    id2label = getattr(config, "id2label", None) or {}
    name = id2label.get(index, id2label.get(str(index)))
    assert isinstance(name, str) and name, f"config.id2label has no label for class {index}"
    return name


@cache
def image(name: str):
    """A real photo shipped with the package (see data/SOURCES.md), as an RGB PIL image."""
    from PIL import Image

    with resources.files(DATA).joinpath("data", name).open("rb") as handle:
        return Image.open(handle).convert("RGB")


# --- text ------------------------------------------------------------------------------------------
def fill_mask(loaded, device: str, text: str) -> TaskOutput:
    """The top 5 tokens for the one masked position of `text` ("{mask}" marks it)."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    assert tokenizer.mask_token is not None, "the tokenizer has no mask token"
    inputs = tokenizer(text.format(mask=tokenizer.mask_token), return_tensors="pt").to(device)
    positions = (inputs["input_ids"][0] == tokenizer.mask_token_id).nonzero()
    assert positions.numel() == 1, f"the mask token should appear once in the input, not {positions.numel()} times"
    row = _compact(torch, model(**inputs).logits[0, int(positions[0, 0])], "mask logits")
    top = row.softmax(dim=-1).topk(TOP_K)
    ids = top.indices.tolist()
    words = [tokenizer.decode([token]).strip() for token in ids]
    fields = {"top_ids": ids, "top_words": words, "top_scores": [round(v, 4) for v in top.values.tolist()]}
    fields["unknown_tokens"] = _unknown_tokens(tokenizer, inputs["input_ids"])
    return TaskOutput("fill-mask", fields, {"top_scores": top.values, "logits": row[:SLICE]}, ("top_ids",))


def classify_texts(loaded, device: str, texts: tuple) -> TaskOutput:
    """The best label and the probability of every label, for each text (or (premise, hypothesis) pair)."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    encodings = [tokenizer(*((text,) if isinstance(text, str) else text), return_tensors="pt") for text in texts]
    unknown = sum(_unknown_tokens(tokenizer, encoding["input_ids"]) for encoding in encodings)
    rows = [model(**encoding.to(device)).logits[0] for encoding in encodings]
    logits = _compact(torch, torch.stack(rows), "logits")
    probabilities = logits.softmax(dim=-1)
    labels = [_label(model.config, index) for index in probabilities.argmax(dim=-1).tolist()]
    names = [_label(model.config, index) for index in range(probabilities.shape[-1])]
    table = [dict(zip(names, (round(p, 4) for p in row), strict=True)) for row in probabilities.tolist()]
    fields = {"labels": labels, "probabilities": table, "unknown_tokens": unknown}
    return TaskOutput("text-classification", fields, {"logits": logits[:, :SLICE]}, ("labels",))


def tag_tokens(loaded, device: str, text: str) -> TaskOutput:
    """The label of each word of `text` (its first token's best class)."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    encoding = tokenizer(text, return_tensors="pt", return_offsets_mapping=True)
    offsets = encoding.pop("offset_mapping")[0].tolist()
    logits = _compact(torch, model(**encoding.to(device)).logits[0], "logits")
    token_labels = [_label(model.config, index) for index in logits.argmax(dim=-1).tolist()]
    words: dict[int, tuple[int, int, str]] = {}
    for index, word in enumerate(encoding.word_ids()):
        if word is None:
            continue
        start, end = offsets[index]
        first = words.get(word, (start, end, token_labels[index]))
        words[word] = (min(first[0], start), max(first[1], end), first[2])
    word_labels = {text[start:end]: label for start, end, label in words.values()}
    fields = {"word_labels": word_labels, "token_labels": token_labels}
    fields["unknown_tokens"] = _unknown_tokens(tokenizer, encoding["input_ids"])
    return TaskOutput("token-classification", fields, {"logits": logits[:SLICE, :SLICE]}, ("token_labels",))


def answer_question(loaded, device: str, question: str, context: str) -> TaskOutput:
    """The best answer span inside `context` (start <= end, at most MAX_ANSWER_TOKENS tokens)."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    encoding = tokenizer(question, context, return_tensors="pt", return_offsets_mapping=True)
    offsets = encoding.pop("offset_mapping")[0].tolist()
    in_context = [index for index, sequence in enumerate(encoding.sequence_ids()) if sequence == 1]
    assert in_context, "the tokenizer kept no token of the context"
    outputs = model(**encoding.to(device))
    start_logits = _compact(torch, outputs.start_logits[0], "start logits")
    end_logits = _compact(torch, outputs.end_logits[0], "end logits")
    spans = [(s, e) for s in in_context for e in in_context if s <= e < s + MAX_ANSWER_TOKENS]
    start, end = max(spans, key=lambda span: float(start_logits[span[0]] + end_logits[span[1]]))
    first, last = offsets[start][0], offsets[end][1]
    fields = {"answer": context[first:last], "start": first, "end": last}
    fields["unknown_tokens"] = _unknown_tokens(tokenizer, encoding["input_ids"])
    tensors = {"start_logits": start_logits[:SLICE], "end_logits": end_logits[:SLICE]}
    return TaskOutput("question-answering", fields, tensors, ("answer",))


def embed(loaded, device: str, sentences: tuple[str, ...]) -> TaskOutput:
    """Mean-pooled, normalised sentence embeddings and their cosine similarities."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    encoder = model.get_encoder() if getattr(model.config, "is_encoder_decoder", False) else model
    pooled, unknown = [], 0
    for sentence in sentences:
        inputs = tokenizer(sentence, return_tensors="pt").to(device)
        unknown += _unknown_tokens(tokenizer, inputs["input_ids"])
        outputs = encoder(**inputs, output_hidden_states=True)
        hidden = getattr(outputs, "last_hidden_state", None)
        hidden = outputs.hidden_states[-1] if hidden is None else hidden
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled.append(((hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1))[0])
    embeddings = torch.nn.functional.normalize(_compact(torch, torch.stack(pooled), "embeddings"), dim=-1)
    similarities = embeddings @ embeddings.T
    fields = {"similarities": [[round(v, 4) for v in row] for row in similarities.tolist()]}
    fields["hidden_size"] = embeddings.shape[-1]
    fields["unknown_tokens"] = unknown
    return TaskOutput("feature-extraction", fields, {"embeddings": embeddings[:, :SLICE], "similarities": similarities})


def generate(loaded, device: str, text: str, max_new_tokens: int) -> TaskOutput:
    """Greedy generation: the new tokens and their text (decoder-only models keep the prompt first)."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    inputs = tokenizer(text, return_tensors="pt", return_token_type_ids=False).to(device)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    output = model.generate(
        **inputs,
        max_new_tokens=max_new_tokens,
        min_new_tokens=1,
        do_sample=False,
        pad_token_id=pad,
        output_logits=True,
        return_dict_in_generate=True,
    )
    encoder_decoder = getattr(model.config, "is_encoder_decoder", False)
    prompt_length = 0 if encoder_decoder else inputs["input_ids"].shape[1]
    sequence = output.sequences[0]
    if not encoder_decoder:
        assert torch.equal(sequence[:prompt_length].cpu(), inputs["input_ids"][0].cpu()), "the prompt was not kept"
    new_ids = sequence[prompt_length:].tolist()
    first_step = _compact(torch, output.logits[0][0].topk(TOP_K).values, "first-step logits")
    fields = {"new_ids": new_ids, "text": tokenizer.decode(new_ids, skip_special_tokens=True).strip()}
    return TaskOutput(loaded.head.task, fields, {"first_step_top_logits": first_step}, ("new_ids",))


def language_model_losses(loaded, device: str, sentences: tuple[str, ...]) -> TaskOutput:
    """The mean next-token loss of each sentence (lower: the model finds it more likely)."""
    torch, tokenizer, model = loaded.torch, loaded.preprocessor, loaded.model
    losses = []
    for sentence in sentences:
        ids = tokenizer(sentence, return_tensors="pt", return_token_type_ids=False)["input_ids"].to(device)
        losses.append(model(input_ids=ids, labels=ids).loss)
    values = _compact(torch, torch.stack(losses), "losses")
    return TaskOutput("text-generation", {"losses": [round(v, 4) for v in values.tolist()]}, {"losses": values})


# --- images ----------------------------------------------------------------------------------------
def classify_image(loaded, device: str, image_name: str) -> TaskOutput:
    """The top 5 labels for a real photo."""
    torch, processor, model = loaded.torch, loaded.preprocessor, loaded.model
    inputs = processor(images=image(image_name), return_tensors="pt").to(device)
    logits = _compact(torch, model(**inputs).logits[0], "logits")
    top = logits.softmax(dim=-1).topk(min(TOP_K, logits.shape[-1]))
    labels = [_label(model.config, index) for index in top.indices.tolist()]
    fields = {"labels": labels, "top_scores": [round(v, 4) for v in top.values.tolist()]}
    return TaskOutput("image-classification", fields, {"top_scores": top.values, "logits": logits[:SLICE]}, ("labels",))


def zero_shot_image(loaded, device: str, image_name: str, labels: tuple[str, ...]) -> TaskOutput:
    """The candidate label that best matches a real photo, and every label's probability."""
    torch, processor, model = loaded.torch, loaded.preprocessor, loaded.model
    inputs = processor(text=list(labels), images=image(image_name), return_tensors="pt", padding=True).to(device)
    logits = _compact(torch, model(**inputs).logits_per_image[0], "image-text logits")
    probabilities = logits.softmax(dim=-1).tolist()
    fields = {"label": labels[int(logits.argmax())], "probabilities": dict(zip(labels, probabilities, strict=True))}
    return TaskOutput("zero-shot-image-classification", fields, {"logits": logits}, ("label",))


def detect_objects(loaded, device: str, image_name: str, threshold: float) -> TaskOutput:
    """The labels of the objects found in a real photo with a score of at least `threshold`."""
    torch, processor, model = loaded.torch, loaded.preprocessor, loaded.model
    photo = image(image_name)
    outputs = model(**processor(images=photo, return_tensors="pt").to(device))
    logits = _compact(torch, outputs.logits[0], "class logits")
    boxes = _compact(torch, outputs.pred_boxes[0], "predicted boxes")
    found = processor.post_process_object_detection(outputs, threshold=threshold, target_sizes=[photo.size[::-1]])[0]
    labels = [_label(model.config, int(index)) for index in found["labels"].tolist()]
    fields = {"labels": labels, "scores": [round(v, 4) for v in found["scores"].tolist()]}
    return TaskOutput("object-detection", fields, {"logits": logits[:4, :SLICE], "boxes": boxes[:4]}, ("labels",))


def segment_image(loaded, device: str, image_name: str) -> TaskOutput:
    """The segmentation output (logits, or class and mask logits per query) for a real photo."""
    torch, processor, model = loaded.torch, loaded.preprocessor, loaded.model
    outputs = model(**processor(images=image(image_name), return_tensors="pt").to(device))
    names = ("logits", "class_queries_logits", "masks_queries_logits", "pred_masks")
    tensors, shapes = {}, {}
    for name in names:
        value = getattr(outputs, name, None)
        if value is not None:
            shapes[name] = list(value.shape)
            tensors[name] = _compact(torch, value, name).flatten()[:SLICE]
    assert tensors, f"the model returned none of {', '.join(names)}"
    return TaskOutput("image-segmentation", {"shapes": shapes}, tensors, ("shapes",))


def describe_image(loaded, device: str, image_name: str, question: str, max_new_tokens: int) -> TaskOutput:
    """A caption or an answer about a real photo: generated text, or a classifier's label (ViLT)."""
    torch, processor, model = loaded.torch, loaded.preprocessor, loaded.model
    inputs = _image_text_inputs(processor, image(image_name), question).to(device)
    can_generate = getattr(model, "can_generate", lambda: True)()
    if not can_generate:  # a classifier over a fixed answer vocabulary
        logits = _compact(torch, model(**inputs).logits[0], "answer logits")
        fields = {"text": _label(model.config, int(logits.argmax()))}
        return TaskOutput(loaded.head.task, fields, {"logits": logits[:SLICE]}, ("text",))
    inputs.pop("token_type_ids", None)  # BERT-style tokenizers (GIT, BLIP) add them; generate() rejects them
    output = model.generate(
        **inputs, max_new_tokens=max_new_tokens, do_sample=False, output_logits=True, return_dict_in_generate=True
    )
    new_ids, prompt = output.sequences[0], inputs.get("input_ids")
    if prompt is not None and len(new_ids) >= prompt.shape[1] and torch.equal(new_ids[: prompt.shape[1]], prompt[0]):
        new_ids = new_ids[prompt.shape[1] :]  # decoder-only models return the prompt first
    decode = getattr(processor, "decode", None) or processor.tokenizer.decode
    text = decode(new_ids, skip_special_tokens=True).strip()
    first_step = _compact(torch, output.logits[0][0].topk(TOP_K).values, "first-step logits")
    return TaskOutput(loaded.head.task, {"text": text}, {"first_step_top_logits": first_step}, ("text",))


def _image_text_inputs(processor, photo, question: str):
    """Pixels alone (image processors), or the photo and the prompt (chat models through their template)."""
    if not hasattr(processor, "tokenizer"):
        return processor(images=photo, return_tensors="pt")
    prompt = question
    if getattr(processor, "chat_template", None):
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}]
        prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return processor(images=photo, text=prompt, return_tensors="pt")


RUNNERS = {
    runner.__name__: runner
    for runner in (
        fill_mask,
        classify_texts,
        tag_tokens,
        answer_question,
        embed,
        generate,
        language_model_losses,
        classify_image,
        zero_shot_image,
        detect_objects,
        segment_image,
        describe_image,
    )
}
