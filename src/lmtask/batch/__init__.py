"""Batch inference over files, locally or on Ray Data, resumable (``lmtask batch``)."""
