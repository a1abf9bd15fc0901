"""Training (§4): losses, the update step, the one loop, checkpoints."""
