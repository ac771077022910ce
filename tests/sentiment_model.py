"""A small real sentiment classifier: all-MiniLM-L6-v2 fine-tuned on a few labelled sentences (not a test module).

The generated text-classification test needs a checkpoint that knows what its labels mean. None
ships with the test extra, so this one is trained from the real MiniLM weights in a few seconds
on two CPU cores: 48 short review sentences written for this project (none of them is an input of
a generated test), full fine-tuning with AdamW, seeded. Its labels are NEGATIVE and POSITIVE.
"""

from __future__ import annotations

import shutil
from pathlib import Path

LABELS = {0: "NEGATIVE", 1: "POSITIVE"}
EPOCHS = 8
BATCH = 8
LEARNING_RATE = 1e-4
SEED = 7

POSITIVE = (
    "A delightful film from start to finish.",
    "The best thing I have seen all year.",
    "Brilliant acting and a moving story.",
    "I enjoyed every minute of it.",
    "A warm, funny and touching movie.",
    "The cast is superb and the script is sharp.",
    "Beautifully shot and wonderfully acted.",
    "An absolute joy to watch.",
    "I laughed, I cried, I loved it.",
    "A clever and satisfying thriller.",
    "Great music and a lovely cast.",
    "One of the finest films of the decade.",
    "The story kept me gripped throughout.",
    "A charming little gem of a film.",
    "Fresh, inventive and full of heart.",
    "I would happily watch it again tomorrow.",
    "The director has made a masterpiece.",
    "Smart, stylish and thoroughly entertaining.",
    "A triumph for everyone involved.",
    "Heartfelt performances make this a winner.",
    "The ending left me smiling for days.",
    "Wonderful from the first scene to the last.",
    "A rich, rewarding and memorable experience.",
    "Highly recommended, a real pleasure.",
)
NEGATIVE = (
    "A dull film from start to finish.",
    "The worst thing I have seen all year.",
    "Wooden acting and a pointless story.",
    "I was bored for every minute of it.",
    "A cold, humourless and tedious movie.",
    "The cast is awful and the script is lazy.",
    "Ugly to look at and badly acted.",
    "A chore to sit through.",
    "I groaned, I yawned, I hated it.",
    "A clumsy and frustrating thriller.",
    "Annoying music and a forgettable cast.",
    "One of the weakest films of the decade.",
    "The story lost me within minutes.",
    "A tiresome mess of a film.",
    "Stale, predictable and utterly lifeless.",
    "I would never sit through it again.",
    "The director has made a disaster.",
    "Dumb, sloppy and thoroughly boring.",
    "A failure for everyone involved.",
    "Flat performances make this a dud.",
    "The ending left me angry and annoyed.",
    "Terrible from the first scene to the last.",
    "A shallow, empty and forgettable experience.",
    "Avoid it, a complete waste of time.",
)


def fine_tune(minilm: Path, folder: Path) -> Path:
    """Fine-tune the MiniLM checkpoint at `minilm` into a NEGATIVE/POSITIVE classifier saved at `folder`."""
    import torch
    import transformers

    torch.manual_seed(SEED)
    tokenizer = transformers.AutoTokenizer.from_pretrained(minilm)
    model = transformers.BertForSequenceClassification.from_pretrained(
        minilm, num_labels=2, id2label=LABELS, label2id={name: index for index, name in LABELS.items()}
    )
    texts = list(POSITIVE + NEGATIVE)
    targets = torch.tensor([1] * len(POSITIVE) + [0] * len(NEGATIVE))
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    model.train()
    for _ in range(EPOCHS):
        for batch in torch.randperm(len(texts)).split(BATCH):
            inputs = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True)
            loss = model(**inputs, labels=targets[batch]).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    model.eval()
    model.save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(minilm / name, folder / name)
    return folder
