"""``dcgan serve``: the paper's §6 latent-space experiments, live in a browser. ``explorer`` holds
the computations (reusing ``dcgan.experiments``), ``server`` the standard-library HTTP side, and
``static/`` the page (plain HTML, CSS and JavaScript; nothing fetched from the network)."""
