"""The extraction evaluation set (issue 26): real union texts, golden rows written by reading, and the scoring."""
