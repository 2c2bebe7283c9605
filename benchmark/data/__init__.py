"""The data: the record schema, the corpus of seeds, gold validation, the packaged Hugging Face dataset and its releases."""
