"""hf-testgen: pick the right Hugging Face Hub model and generate pytest files that really run it."""

__version__ = "0.1.0"
