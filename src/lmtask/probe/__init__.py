"""Measuring the limits: a counterfactual bias probe and a hallucination check."""
