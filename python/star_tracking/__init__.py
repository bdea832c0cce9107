"""Experiment tracking for star-temporal: logs an experiment's stored facts to MLflow and W&B with their own SDKs."""
