"""Hugging Face fine-tuning for star-temporal: the STaR iteration's trainer command (`train`) and a
tiny, locally built causal LM for tests (`tiny_lm`)."""
