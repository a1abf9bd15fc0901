"""What every command shares, below all of them: where things live in a run directory
(``layout``), checkpoint files (``checkpoint``, ``safetensors_io``), opening a run into its config
and networks (``run``), and the device/precision choice (``device``). It imports only config,
models and data, so evaluation, training, experiments and the CLI can all build on it."""
